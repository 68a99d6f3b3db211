import { kooberError } from '../../errors.js'
import { DONE, cancelAndFail, type Chunk, type Pulled, type Stage } from '../stage.js'
import { delay, PendingPull } from './pending-pull.js'

const TIMED_OUT: unique symbol = Symbol('timed out')

/**
 * Groups of up to `n` elements, emitted when full or `withinMs` after the
 * group's first element, whichever comes first. Demand: pulls upstream ahead
 * while a group fills; at completion emits the last group.
 */
export function groupedWithinStage<T>(upstream: Stage<T>, n: number, withinMs: number): Stage<T[]> {
  const pending = new PendingPull(upstream)
  let input: Chunk<T> = []
  let next = 0
  let upstreamDone = false
  let finished = false
  return {
    pull: async (): Promise<Pulled<T[]>> => {
      if (finished) return DONE
      const group: T[] = []
      let timer: ReturnType<typeof delay> | undefined
      try {
        while (true) {
          while (next < input.length && group.length < n) {
            group.push(input[next++]!)
            timer ??= delay(withinMs)
          }
          if (group.length === n) return [group]
          if (upstreamDone) {
            finished = true
            return group.length > 0 ? [group] : DONE
          }
          const raced: Pulled<T> | typeof TIMED_OUT = await (timer
            ? Promise.race([pending.get(), timer.promise.then((): typeof TIMED_OUT => TIMED_OUT)])
            : pending.get())
          if (raced === TIMED_OUT) return [group]
          pending.taken()
          if (finished) return DONE // cancelled while this pull waited
          if (raced === DONE) upstreamDone = true
          else {
            input = raced
            next = 0
          }
        }
      } catch (err) {
        finished = true
        throw err
      } finally {
        timer?.clear()
      }
    },
    cancel: (reason) => {
      finished = true
      return upstream.cancel(reason)
    },
  }
}

/**
 * At most `elements` per `perMs`, with bursts up to `elements` (a token
 * bucket). Demand: pulls upstream only as tokens allow; completion passes
 * through once the elements before it are out.
 */
export function throttleStage<T>(upstream: Stage<T>, elements: number, perMs: number): Stage<T> {
  let tokens = elements
  let refilledAt = Date.now()
  let input: Chunk<T> = []
  let next = 0
  let finished = false
  let waiting: ReturnType<typeof delay> | undefined
  const refill = (): void => {
    const now = Date.now()
    const earned = ((now - refilledAt) * elements) / perMs
    if (earned >= 1) {
      tokens = Math.min(elements, tokens + Math.floor(earned))
      refilledAt = now
    }
  }
  return {
    pull: async (): Promise<Pulled<T>> => {
      if (finished) return DONE
      if (next >= input.length) {
        const pulled = await upstream.pull()
        if (pulled === DONE) {
          finished = true
          return DONE
        }
        input = pulled
        next = 0
      }
      refill()
      while (tokens < 1) {
        waiting = delay(Math.ceil(perMs / elements))
        await waiting.promise
        waiting = undefined
        if (finished) return DONE
        refill()
      }
      const count = Math.min(Math.floor(tokens), input.length - next)
      tokens -= count
      const out = input.slice(next, next + count)
      next += count
      return out
    },
    cancel: (reason) => {
      finished = true
      waiting?.clear()
      return upstream.cancel(reason)
    },
  }
}

/** Fails with KOOBER_STREAM_TIMEOUT when no element arrives for `ms` (upstream is cancelled). */
export function idleTimeoutStage<T>(upstream: Stage<T>, ms: number): Stage<T> {
  const pending = new PendingPull(upstream)
  return {
    pull: async (): Promise<Pulled<T>> => {
      const timer = delay(ms)
      try {
        const raced: Pulled<T> | typeof TIMED_OUT = await Promise.race([pending.get(), timer.promise.then((): typeof TIMED_OUT => TIMED_OUT)])
        if (raced === TIMED_OUT) {
          return await cancelAndFail(upstream, kooberError('KOOBER_STREAM_TIMEOUT', `no element for ${ms} ms (idle timeout)`))
        }
        pending.taken()
        return raced
      } finally {
        timer.clear()
      }
    },
    cancel: (reason) => upstream.cancel(reason),
  }
}
