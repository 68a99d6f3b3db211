import { kooberError } from '../../errors.js'
import { DONE, isPromise, type Pulled, type Stage } from '../stage.js'

/** After this many chunks that upstream answered synchronously, the pump yields to the event loop. */
const YIELD_EVERY_CHUNKS = 64

export type OverflowStrategy = 'backpressure' | 'dropHead' | 'dropTail' | 'fail'

/**
 * Decouples upstream from downstream with room for `size` elements: upstream
 * is pulled ahead of demand while there is room. When it is full, `overflow`
 * decides: `backpressure` stops pulling until downstream takes some,
 * `dropHead` drops the oldest buffered element, `dropTail` the youngest, and
 * `fail` fails the stream (KOOBER_STREAM_OVERFLOW). Completion reaches
 * downstream once the buffer is empty; a failure, at once.
 */
export function bufferStage<T>(upstream: Stage<T>, size: number, overflow: OverflowStrategy): Stage<T> {
  const buffer: T[] = []
  let head = 0
  let pumping = false
  let upstreamDone = false
  let failure: { error: unknown } | undefined
  let cancelled = false
  let wake: (() => void) | undefined

  const count = (): number => buffer.length - head
  const compact = (): void => {
    if (head > 1024 && head * 2 > buffer.length) {
      buffer.splice(0, head)
      head = 0
    }
  }

  const add = (element: T): void => {
    if (count() < size) {
      buffer.push(element)
      return
    }
    switch (overflow) {
      case 'dropHead':
        head++
        buffer.push(element)
        break
      case 'dropTail':
        buffer[buffer.length - 1] = element
        break
      case 'fail':
        throw kooberError('KOOBER_STREAM_OVERFLOW', `buffer of ${size} elements overflowed`)
      case 'backpressure':
        buffer.push(element) // only reached by the rest of a chunk pulled while there was room
        break
    }
  }

  const pump = async (): Promise<void> => {
    pumping = true
    let syncChunks = 0
    try {
      while (!cancelled && !upstreamDone && (overflow !== 'backpressure' || count() < size)) {
        let pulled = upstream.pull()
        if (isPromise(pulled)) {
          syncChunks = 0
          pulled = await pulled
        } else if (++syncChunks >= YIELD_EVERY_CHUNKS) {
          // A dropping buffer keeps pulling: over an endless synchronous source it must still
          // let the event loop (the slow consumer's timers) have turns.
          syncChunks = 0
          await new Promise((resolve) => setImmediate(resolve))
        }
        if (pulled === DONE) {
          upstreamDone = true
          break
        }
        for (const element of pulled) add(element)
        compact()
        wake?.()
      }
    } catch (error) {
      failure = { error }
      upstreamDone = true
      if (!cancelled) await upstream.cancel(error).catch(() => undefined)
    } finally {
      pumping = false
      wake?.()
    }
  }

  return {
    pull: async (): Promise<Pulled<T>> => {
      while (true) {
        if (cancelled) return DONE // cancelled while this pull waited
        if (failure) throw failure.error
        if (count() > 0) {
          const out = buffer.slice(head)
          buffer.length = 0
          head = 0
          if (!pumping && !upstreamDone) void pump()
          return out
        }
        if (upstreamDone) return DONE
        if (!pumping) {
          void pump()
          continue // over a synchronous upstream the pump may have done its work already
        }
        await new Promise<void>((resolve) => (wake = resolve))
        wake = undefined
      }
    },
    cancel: async (reason) => {
      if (cancelled) return
      cancelled = true
      buffer.length = 0
      if (!upstreamDone) await upstream.cancel(reason)
    },
  }
}
