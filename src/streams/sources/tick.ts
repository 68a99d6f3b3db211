import { DONE, type Pulled, type Stage } from '../stage.js'
import { delay } from '../operators/pending-pull.js'

/**
 * `value` every `intervalMs` (the first after `initialDelayMs`). A tick that
 * finds no demand is skipped, as in Akka: a slow consumer gets the latest
 * tick, not a backlog.
 */
export function tickStage<T>(initialDelayMs: number, intervalMs: number, value: T): Stage<T> {
  let due = Date.now() + initialDelayMs
  let waiting: ReturnType<typeof delay> | undefined
  let cancelled = false
  return {
    pull: async (): Promise<Pulled<T>> => {
      if (cancelled) return DONE
      const now = Date.now()
      if (now < due) {
        waiting = delay(due - now)
        await waiting.promise
        waiting = undefined
        if (cancelled) return DONE
      }
      // The next tick on the schedule that is still ahead: ticks nobody asked for are skipped.
      const after = Date.now()
      due += intervalMs
      if (due <= after) due += Math.ceil((after - due + 1) / intervalMs) * intervalMs
      return [value]
    },
    cancel: async () => {
      cancelled = true
      waiting?.clear()
    },
  }
}
