import { kooberError } from '../../errors.js'
import { DONE, type Pulled, type Stage } from '../stage.js'
import { delay } from './pending-pull.js'

export interface BackoffOptions {
  /** The first wait before a restart (ms). */
  minBackoffMs: number
  /** The longest wait (ms); each restart in a row doubles the wait up to this. */
  maxBackoffMs: number
  /** Adds up to this fraction of random jitter to each wait (default 0.2), so restarts of many streams spread out. */
  randomFactor?: number
  /** Restarts in a row without an element getting through before giving up with the last error (default: never give up). */
  maxRestarts?: number
  /** Restart only after failures; a completion completes (default false: completions restart too, as Akka's RestartSource). */
  onlyOnFailures?: boolean
}

/**
 * Runs the stage `open` makes and, when it fails (or completes, unless
 * `onlyOnFailures`), opens a new one after an exponential backoff. Elements
 * flow on as if from one source; a stage that delivered an element resets the
 * backoff. Cancelling cancels the current stage and any pending restart.
 */
export function restartStage<T>(open: () => Stage<T>, options: BackoffOptions): Stage<T> {
  const maxRestarts = options.maxRestarts ?? Infinity
  const randomFactor = options.randomFactor ?? 0.2
  if (!(options.minBackoffMs >= 0 && options.maxBackoffMs >= options.minBackoffMs)) {
    throw kooberError('KOOBER_INVALID_ARGUMENT', 'restart needs 0 <= minBackoffMs <= maxBackoffMs')
  }
  let current: Stage<T> | undefined
  let restartsInARow = 0
  let cancelled = false
  let waiting: ReturnType<typeof delay> | undefined

  const backoff = (): number => {
    const base = Math.min(options.maxBackoffMs, options.minBackoffMs * 2 ** Math.max(0, restartsInARow - 1))
    return base * (1 + Math.random() * randomFactor)
  }

  return {
    pull: async (): Promise<Pulled<T>> => {
      while (!cancelled) {
        let failure: { error: unknown } | undefined
        try {
          current ??= open() // a factory that throws fails like the source it would have made
          const pulled = await current.pull()
          if (pulled !== DONE) {
            restartsInARow = 0
            return pulled
          }
          if (options.onlyOnFailures) return DONE
        } catch (error) {
          failure = { error }
        }
        current = undefined
        if (cancelled) return DONE // the cancel ended the pull: no restart, no backoff wait
        if (++restartsInARow > maxRestarts) {
          if (failure) throw failure.error
          return DONE
        }
        waiting = delay(backoff())
        await waiting.promise
        waiting = undefined
      }
      return DONE
    },
    cancel: async (reason) => {
      cancelled = true
      waiting?.clear()
      await current?.cancel(reason)
    },
  }
}
