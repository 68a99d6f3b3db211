import type { Pulled, Stage } from '../stage.js'

/**
 * At most one outstanding pull on an upstream, which can be raced against a
 * timer or another upstream and picked up later: an operator that stops
 * waiting for it (a timeout fired, the other side of a merge answered) must
 * not pull again before it settled.
 */
export class PendingPull<T> {
  private pending: Promise<Pulled<T>> | undefined

  constructor(private readonly upstream: Stage<T>) {}

  /** The outstanding pull, starting one if there is none. */
  get(): Promise<Pulled<T>> {
    this.pending ??= Promise.resolve().then(() => this.upstream.pull())
    this.pending.catch(() => undefined) // observed by whoever takes it
    return this.pending
  }

  /** Marks the outstanding pull as consumed (after awaiting `get()`). */
  taken(): void {
    this.pending = undefined
  }

  get inFlight(): boolean {
    return this.pending !== undefined
  }
}

/**
 * A promise that resolves after `ms`, and the way to cancel its timer. `clear`
 * resolves the promise at once: whoever awaits it (a pull that a cancel cut
 * short) goes on and sees the cancellation, instead of waiting forever.
 */
export function delay(ms: number): { promise: Promise<void>; clear: () => void } {
  let timer: NodeJS.Timeout | undefined
  let done!: () => void
  const promise = new Promise<void>((resolve) => {
    done = resolve
    timer = setTimeout(resolve, Math.max(0, ms))
  })
  return {
    promise,
    clear: () => {
      clearTimeout(timer)
      done()
    },
  }
}
