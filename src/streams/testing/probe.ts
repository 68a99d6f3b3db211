/*
 * Test helpers for the stream DSL: an instrumented source that counts pulls,
 * records cancellations and checks the stage protocol (see stage.ts), and a
 * few small tools for timing-tolerant async tests. Not part of the public API.
 */
import assert from 'node:assert/strict'
import { Sink } from '../sink.js'
import { Source } from '../source.js'
import { DONE, type Pulled, type Stage } from '../stage.js'

export interface ProbeOptions {
  /** Elements before the source completes (default: endless). */
  count?: number
  /** Elements per chunk (default 1). */
  chunkSize?: number
  /** Answer pulls synchronously, as an array source does (default: asynchronously). */
  sync?: boolean
  /** An asynchronous pull answers after this many ms (default 0: on the next turn of the event loop). */
  delayMs?: number
  /** Fail (with `error`) the pull that comes once this many elements went out. */
  failAfter?: number
  /** The error of `failAfter` (default: a plain Error 'probe failure'). */
  error?: unknown
  /** Pulls never answer by themselves; only a cancel settles them (with DONE). */
  hang?: boolean
}

/**
 * A source of 0, 1, 2, ... that records what is done to it. Each run opens a
 * fresh stage (numbering restarts at 0); the counters add up over all runs.
 */
export class ProbeSource {
  readonly source: Source<number>
  /** How many times a run opened it. */
  opens = 0
  /** Pull calls received. */
  pulls = 0
  /** Elements handed out. */
  emitted = 0
  /** The reason of every cancel call (also the ones that came after the end). */
  readonly cancels: unknown[] = []
  /** Cancels that arrived while the stage was still live (not completed, failed or cancelled). */
  liveCancels = 0
  completions = 0
  failures = 0
  /** Breaches of the stage protocol by whoever pulls (should stay empty). */
  readonly violations: string[] = []
  private live = 0
  readonly error: unknown

  constructor(readonly options: ProbeOptions = {}) {
    this.error = options.error ?? new Error('probe failure')
    this.source = Source.fromStage(() => this.open())
  }

  /** Cancelled while live at least once. */
  get cancelled(): boolean {
    return this.liveCancels > 0
  }

  /**
   * Resolves once a graph has opened this source and its first pull is under
   * way: what a test waits for before it stops a running graph (a fixed
   * sleep is too short on a busy machine).
   */
  async waitOpened(timeoutMs = 2000): Promise<void> {
    for (let waited = 0; this.opens === 0; waited += 2) {
      if (waited >= timeoutMs) throw new Error(`the probe was not opened within ${timeoutMs} ms`)
      await sleep(2)
    }
    await sleep(2)
  }

  /** Opened, and every opened stage has ended (completed, failed or was cancelled). */
  get released(): boolean {
    return this.opens > 0 && this.live === 0
  }

  /** Asserts the stage was released and the protocol kept. */
  assertReleased(): void {
    assert.deepEqual(this.violations, [], 'stage protocol violations')
    assert.ok(this.released, `probe not released (opens ${this.opens}, live ${this.live})`)
  }

  open(): Stage<number> {
    const { count = Infinity, chunkSize = 1, sync = false, delayMs = 0, failAfter = Infinity, hang = false } = this.options
    this.opens++
    this.live++
    let next = 0
    let state: 'idle' | 'pending' | 'ended' = 'idle'
    let settlePending: (() => void) | undefined
    const end = (): void => {
      if (state === 'ended') return
      state = 'ended'
      this.live--
    }
    const answer = (): Pulled<number> => {
      if (next >= failAfter) {
        end()
        this.failures++
        throw this.error
      }
      if (next >= count) {
        end()
        this.completions++
        return DONE
      }
      const size = Math.min(chunkSize, count - next, failAfter - next)
      const chunk = Array.from({ length: size }, (_, i) => next + i)
      next += size
      this.emitted += size
      state = 'idle'
      return chunk
    }
    return {
      pull: () => {
        this.pulls++
        if (state === 'pending') this.violations.push('pull while a pull was pending')
        if (state === 'ended') {
          this.violations.push('pull after the end')
          return DONE
        }
        if (sync) return answer()
        state = 'pending'
        return new Promise<Pulled<number>>((resolve, reject) => {
          let timer: NodeJS.Timeout | NodeJS.Immediate | undefined
          const go = (): void => {
            settlePending = undefined
            if (state === 'ended') return resolve(DONE)
            try {
              resolve(answer())
            } catch (error) {
              reject(error)
            }
          }
          if (!hang) timer = delayMs > 0 ? setTimeout(go, delayMs) : setImmediate(go)
          settlePending = () => {
            if (timer !== undefined) {
              clearTimeout(timer as NodeJS.Timeout)
              clearImmediate(timer as NodeJS.Immediate)
            }
            settlePending = undefined
            resolve(DONE)
          }
        })
      },
      cancel: async (reason) => {
        this.cancels.push(reason)
        if (state !== 'ended') this.liveCancels++
        end()
        settlePending?.()
      },
    }
  }
}

export function probe(options?: ProbeOptions): ProbeSource {
  return new ProbeSource(options)
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Resolves or rejects as `promise` does, or rejects if it has not settled within `ms` (a hung stream fails the test, not the run). */
export function within<T>(promise: Promise<T>, ms: number, what = 'the promise'): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/** Whether `promise` is still pending after the current turns of the event loop. */
export async function isPending(promise: Promise<unknown>, waitMs = 0): Promise<boolean> {
  const marker = Symbol('pending')
  const raced = await Promise.race([promise.then(undefined, () => undefined), sleep(waitMs).then(() => marker)])
  return raced === marker
}

export interface Deferred<T> {
  promise: Promise<T>
  resolve(value: T): void
  reject(error: unknown): void
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void
  let reject!: (error: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

/** A sink that takes `delayMs` per element: the slow consumer. Records what it saw in `seen`. */
export function slowSink<T>(delayMs: number, seen: T[] = []): Sink<T, void> {
  return Sink.forEachAsync(async (element: T) => {
    seen.push(element)
    await sleep(delayMs)
  })
}

/** Every chunk a stage gives until DONE (pulling it by hand, as a sink would). */
export async function pullAll<T>(stage: Stage<T>): Promise<T[][]> {
  const chunks: T[][] = []
  while (true) {
    const pulled = await stage.pull()
    if (pulled === DONE) return chunks
    chunks.push([...pulled])
  }
}

export const boom = (message = 'boom'): Error => new Error(message)
