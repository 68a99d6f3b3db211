import { kooberError } from '../../errors.js'
import type { OverflowStrategy } from '../operators/buffer.js'
import { DEFAULT_CHUNK_SIZE, DONE, type Pulled, type Stage } from '../stage.js'

export type OfferResult = 'enqueued' | 'dropped'

/**
 * The producer's side of `Source.queue`: elements offered here come out of
 * the source, through a buffer of `capacity` elements.
 */
export interface SourceQueue<T> {
  /**
   * Offers an element. With `backpressure`, resolves once there is room (a
   * producer that awaits each offer is paced by the stream). When the queue
   * is full, `dropHead` drops the oldest queued element to keep this one, and
   * `dropTail` drops this one (`'dropped'`): unlike `buffer`, where the
   * youngest element is the one already buffered, a queue's youngest is the
   * one being offered. Rejects after `complete`, `fail` or cancellation, and
   * on overflow with `fail`.
   */
  offer(element: T): Promise<OfferResult>
  /** Ends the stream once the buffered elements are out. */
  complete(): void
  /** Fails the stream. */
  fail(error: unknown): void
  /** Resolves when the stream no longer takes elements (completed, failed or cancelled). */
  readonly closed: Promise<void>
}

/** The stage behind `Source.queue`, and its producer handle. */
export function queueStage<T>(capacity: number, overflow: OverflowStrategy): { stage: Stage<T>; queue: SourceQueue<T> } {
  const buffer: T[] = []
  const waitingOffers: Array<{ element: T; resolve: (r: OfferResult) => void; reject: (e: unknown) => void }> = []
  let completed = false
  let failure: { error: unknown } | undefined
  let cancelled = false
  let wake: (() => void) | undefined
  let markClosed!: () => void
  const closed = new Promise<void>((resolve) => (markClosed = resolve))

  const closedError = (): Error =>
    kooberError('KOOBER_STREAM_ABORTED', cancelled ? 'the stream of this queue was cancelled' : 'this queue is completed')

  const admitWaiting = (): void => {
    while (waitingOffers.length > 0 && buffer.length < capacity) {
      const offer = waitingOffers.shift()!
      buffer.push(offer.element)
      offer.resolve('enqueued')
    }
  }

  const queue: SourceQueue<T> = {
    offer(element) {
      if (completed || failure || cancelled) return Promise.reject(closedError())
      if (buffer.length < capacity) {
        buffer.push(element)
        wake?.()
        return Promise.resolve('enqueued')
      }
      switch (overflow) {
        case 'backpressure':
          return new Promise((resolve, reject) => waitingOffers.push({ element, resolve, reject }))
        case 'dropHead':
          buffer.shift()
          buffer.push(element)
          return Promise.resolve('enqueued')
        case 'dropTail':
          return Promise.resolve('dropped')
        case 'fail':
          queue.fail(kooberError('KOOBER_STREAM_OVERFLOW', `queue of ${capacity} elements overflowed`))
          return Promise.reject(failure!.error)
      }
    },
    complete() {
      completed = true
      wake?.()
    },
    fail(error) {
      if (failure || cancelled) return
      failure = { error }
      for (const offer of waitingOffers.splice(0)) offer.reject(error)
      wake?.()
    },
    closed,
  }

  const stage: Stage<T> = {
    pull: async (): Promise<Pulled<T>> => {
      while (true) {
        if (cancelled) return DONE // cancelled while this pull waited
        if (failure) {
          markClosed()
          throw failure.error
        }
        if (buffer.length > 0) {
          const out = buffer.splice(0, DEFAULT_CHUNK_SIZE)
          admitWaiting()
          return out
        }
        if (completed && waitingOffers.length === 0) {
          markClosed()
          return DONE
        }
        admitWaiting()
        if (buffer.length > 0) continue
        await new Promise<void>((resolve) => (wake = resolve))
        wake = undefined
      }
    },
    cancel: async () => {
      cancelled = true
      buffer.length = 0
      for (const offer of waitingOffers.splice(0)) offer.reject(closedError())
      wake?.()
      markClosed()
    },
  }
  return { stage, queue }
}
