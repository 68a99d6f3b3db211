import { connect, type Socket } from 'node:net'

/**
 * The TCP side of the probes (kafka-wire.ts, cql-wire.ts): one fresh
 * connection, one request in flight at a time, each answered by one frame,
 * everything under a timeout. What a frame is, is the protocol's business:
 * it hands in a `ReadFrame`.
 */

/** The peer answered, but not in the protocol spoken: a probe reports it as "not Kafka", "not Cassandra". */
export class ProtocolError extends Error {}

/**
 * The first frame of `buffered`, once all of it has arrived: what a request
 * resolves with (undefined for a frame to drop, one the peer sent unasked)
 * and its size in bytes; undefined while incomplete. Throws a ProtocolError
 * when the bytes cannot start a frame of the protocol.
 */
export type ReadFrame<F> = (buffered: Buffer) => { frame: F | undefined; size: number } | undefined

export class FrameConnection<F> {
  private buffered = Buffer.alloc(0)
  private waiting: { resolve: (frame: F) => void; reject: (err: Error) => void } | undefined
  private failure: Error | undefined

  private constructor(
    private readonly socket: Socket,
    private readonly timeoutMs: number,
    private readonly readFrame: ReadFrame<F>,
  ) {
    socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk])
      this.deliver()
    })
    socket.on('error', (err) => this.fail(err))
    socket.on('close', () => this.fail(new Error('the connection was closed before a full answer')))
  }

  static open<F>(host: string, port: number, timeoutMs: number, readFrame: ReadFrame<F>): Promise<FrameConnection<F>> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port })
      const timer = setTimeout(() => {
        socket.destroy()
        reject(new Error(`no connection within ${timeoutMs} ms`))
      }, timeoutMs)
      socket.once('connect', () => {
        clearTimeout(timer)
        socket.removeAllListeners('error')
        resolve(new FrameConnection(socket, timeoutMs, readFrame))
      })
      socket.once('error', (err) => {
        clearTimeout(timer)
        reject(err)
      })
    })
  }

  /** Sends `bytes` (one whole request) and resolves with the next frame. */
  request(bytes: Buffer): Promise<F> {
    if (this.failure !== undefined) return Promise.reject(this.failure)
    return new Promise<F>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = undefined
        reject(new Error(`no answer within ${this.timeoutMs} ms`))
      }, this.timeoutMs)
      this.waiting = {
        resolve: (frame) => {
          clearTimeout(timer)
          resolve(frame)
        },
        reject: (err) => {
          clearTimeout(timer)
          reject(err)
        },
      }
      this.socket.write(bytes)
      this.deliver()
    })
  }

  close(): void {
    this.socket.destroy()
  }

  /** The connection is unusable from here on: the waiting request and every later one fail with `err`. */
  private fail(err: Error): void {
    this.failure ??= err
    this.waiting?.reject(this.failure)
    this.waiting = undefined
  }

  private deliver(): void {
    while (this.waiting !== undefined) {
      let next
      try {
        next = this.readFrame(this.buffered)
      } catch (err) {
        return this.fail(err as Error)
      }
      if (next === undefined) return
      this.buffered = this.buffered.subarray(next.size)
      if (next.frame === undefined) continue
      const waiting = this.waiting
      this.waiting = undefined
      waiting.resolve(next.frame)
    }
  }
}

/** Opens a connection, runs `use` on it, and closes it whatever happens. */
export async function withConnection<F, T>(host: string, port: number, timeoutMs: number, readFrame: ReadFrame<F>, use: (connection: FrameConnection<F>) => Promise<T>): Promise<T> {
  const connection = await FrameConnection.open(host, port, timeoutMs, readFrame)
  try {
    return await use(connection)
  } finally {
    connection.close()
  }
}

/**
 * What a probe reports when its exchange threw: nothing listens on the port
 * (`refused`), the peer spoke another protocol (`wrongProtocol`: "not-kafka"),
 * or no usable answer came in time (a server still starting, a silent program).
 */
export function probeFailure<W extends string>(err: unknown, wrongProtocol: W): { state: 'refused' } | { state: 'no-answer' | W; reason: string } {
  if ((err as NodeJS.ErrnoException).code === 'ECONNREFUSED') return { state: 'refused' }
  if (err instanceof ProtocolError) return { state: wrongProtocol, reason: err.message }
  return { state: 'no-answer', reason: (err as Error).message }
}
