import { kooberError } from '../errors.js'
import { DONE, isPromise, type Chunk, type Stage } from './stage.js'

/**
 * Stops a running graph from outside. `shutdown` completes it: the sink stops
 * pulling, upstream is cancelled, and the result is what the sink had so far.
 * `abort` fails it with `error`.
 */
export interface KillSwitch {
  shutdown(): void
  abort(error?: unknown): void
}

type Kill = { kind: 'shutdown' } | { kind: 'abort'; error: unknown }

const KILLED: unique symbol = Symbol('streams.killed')

/** What a running sink is told by its kill switch. */
export class RunControl implements KillSwitch {
  private kill: Kill | undefined
  private onKill = new Set<(kill: Kill) => void>()

  shutdown(): void {
    this.trigger({ kind: 'shutdown' })
  }

  abort(error: unknown = kooberError('KOOBER_STREAM_ABORTED', 'the stream was aborted by its kill switch')): void {
    this.trigger({ kind: 'abort', error })
  }

  private trigger(kill: Kill): void {
    if (this.kill) return
    this.kill = kill
    const listeners = [...this.onKill]
    this.onKill.clear()
    for (const listener of listeners) listener(kill)
  }

  get killed(): Kill | undefined {
    return this.kill
  }

  /** A control killed with this one that can also be killed alone: the branches of a fan-out, stopped when one fails. */
  child(): RunControl {
    const child = new RunControl()
    if (this.kill) child.trigger(this.kill)
    else this.onKill.add((kill) => child.trigger(kill))
    return child
  }

  /**
   * Settles with `pending`, or with KILLED as soon as the switch is used. Its
   * listener is removed once `pending` settles: racing each pull against one
   * long-lived promise would pile up a reaction per pull.
   */
  raceKill<T>(pending: Promise<T>): Promise<T | typeof KILLED> {
    if (this.kill) return Promise.resolve(KILLED)
    return new Promise((resolve, reject) => {
      const onKill = (): void => resolve(KILLED)
      this.onKill.add(onKill)
      pending.then(
        (value) => {
          this.onKill.delete(onKill)
          resolve(value)
        },
        (error: unknown) => {
          this.onKill.delete(onKill)
          reject(error)
        },
      )
    })
  }
}

/** After this many chunks, the drain loop yields to the event loop (a no-op cost next to 64 chunks of work). */
const YIELD_EVERY_CHUNKS = 64

/**
 * The loop every sink runs: pulls chunks and hands them to `onChunk` until
 * upstream completes, `onChunk` returns true (the sink has enough: upstream is
 * cancelled), or the kill switch is used. A long synchronous stream yields to
 * the event loop now and then, so timers, sockets and the kill switch get
 * their turn. An asynchronous `onChunk` is awaited before the next pull: that
 * is how a slow sink backpressures. An error in it cancels upstream and fails
 * the run.
 */
export async function drain<T>(
  upstream: Stage<T>,
  control: RunControl,
  onChunk: (chunk: Chunk<T>) => boolean | void | Promise<boolean | void>,
): Promise<void> {
  let chunks = 0
  while (true) {
    const kill = control.killed
    if (kill) {
      await upstream.cancel(kill.kind === 'abort' ? kill.error : undefined).catch(() => undefined)
      if (kill.kind === 'abort') throw kill.error
      return
    }
    let pulled = upstream.pull()
    if (isPromise(pulled)) {
      const raced = await control.raceKill(pulled)
      if (raced === KILLED) {
        pulled.catch(() => undefined) // settles after the cancel below; nobody waits for it
        continue
      }
      pulled = raced
    }
    // Counted for asynchronous pulls too: a promise that settles at once (a merge or a mapAsync over
    // synchronous sources) only goes through microtasks, which starve timers as much as a plain loop.
    if (++chunks >= YIELD_EVERY_CHUNKS) {
      chunks = 0
      await new Promise((resolve) => setImmediate(resolve))
    }
    if (pulled === DONE) return
    let enough: boolean | void
    try {
      const handled = onChunk(pulled)
      enough = isPromise(handled) ? await handled : handled
    } catch (err) {
      await upstream.cancel(err).catch(() => undefined)
      throw err
    }
    if (enough) {
      await upstream.cancel()
      return
    }
  }
}
