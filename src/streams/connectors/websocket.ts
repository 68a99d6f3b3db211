import { once } from 'node:events'
import type { RawData, WebSocket } from 'ws'
import { kooberError } from '../../errors.js'
import { drain } from '../run-control.js'
import { Sink } from '../sink.js'
import { Source } from '../source.js'
import { DONE, type Pulled } from '../stage.js'

export interface WebSocketFlowOptions {
  /** Incoming messages held for a slow consumer before the socket is paused (default 256). */
  incomingBuffer?: number
  /** Outgoing bytes queued in the socket before the sink waits for them to be written (default 1 MiB). */
  outgoingHighWaterMark?: number
}

/** One side of a WebSocket as a stream: messages in, messages out. */
export interface WebSocketStreams {
  /** Incoming messages (text as string, binary as Buffer). Completes when the socket closes; cancelling closes it. */
  incoming: Source<string | Buffer>
  /** Sends each element; completing the stream does not close the socket. */
  outgoing: Sink<string | Buffer, number>
}

/**
 * A `ws` socket as a source and a sink, both backpressured: when incoming
 * messages pile up past `incomingBuffer`, the socket is paused (TCP then slows
 * the peer); when outgoing bytes queue past `outgoingHighWaterMark`, the sink
 * waits for the socket to write them before pulling more.
 */
export function webSocketStreams(socket: WebSocket, options: WebSocketFlowOptions = {}): WebSocketStreams {
  const capacity = options.incomingBuffer ?? 256
  const highWaterMark = options.outgoingHighWaterMark ?? 1024 * 1024

  const incoming = Source.fromStage<string | Buffer>(() => {
    const queue: Array<string | Buffer> = []
    let ended = false
    let failure: { error: unknown } | undefined
    let wake: (() => void) | undefined
    const onMessage = (data: RawData, isBinary: boolean): void => {
      queue.push(isBinary ? toBuffer(data) : toBuffer(data).toString('utf8'))
      if (queue.length >= capacity && !socket.isPaused) socket.pause()
      wake?.()
    }
    const onClose = (): void => {
      ended = true
      wake?.()
    }
    const onError = (error: Error): void => {
      failure ??= { error }
      wake?.()
    }
    const detach = (): void => {
      socket.off('message', onMessage)
      socket.off('close', onClose)
      socket.off('error', onError)
    }
    socket.on('message', onMessage)
    socket.on('close', onClose)
    socket.on('error', onError)
    if (socket.readyState === socket.CLOSED) ended = true
    return {
      pull: async (): Promise<Pulled<string | Buffer>> => {
        while (true) {
          if (queue.length > 0) {
            const out = queue.splice(0, queue.length)
            if (socket.isPaused) socket.resume()
            return out
          }
          if (failure) {
            detach()
            throw failure.error
          }
          if (ended) {
            detach()
            return DONE
          }
          await new Promise<void>((resolve) => (wake = resolve))
          wake = undefined
        }
      },
      cancel: async () => {
        detach()
        queue.length = 0
        if (socket.readyState === socket.OPEN || socket.readyState === socket.CONNECTING) socket.close(1000, 'stream cancelled')
      },
    }
  })

  const outgoing = new Sink<string | Buffer, number>(async (upstream, control) => {
    let sent = 0
    await drain(upstream, control, async (chunk) => {
      for (const message of chunk) {
        if (socket.readyState !== socket.OPEN) {
          throw kooberError('KOOBER_STREAM_ABORTED', `the WebSocket is ${['connecting', 'open', 'closing', 'closed'][socket.readyState]}: cannot send`)
        }
        const written = new Promise<void>((resolve, reject) => socket.send(message, (error) => (error ? reject(error) : resolve())))
        sent++
        // Past the high-water mark, wait until this message is handed to the OS.
        if (socket.bufferedAmount > highWaterMark) await Promise.race([written, once(socket, 'close').then(() => undefined)])
        else written.catch(() => undefined)
      }
    })
    return sent
  })

  return { incoming, outgoing }
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data
  if (Array.isArray(data)) return Buffer.concat(data)
  return Buffer.from(data)
}
