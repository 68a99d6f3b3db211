/*
 * The protocol between the running stages of a stream. It is internal: users
 * compose Sources, Flows and Sinks, which build stages when the graph runs.
 *
 * Demand is pulled: a stage asks its upstream for the next chunk only when its
 * own downstream asked it, so a slow stage slows everything before it and no
 * stage holds more than the chunk it is working on (plus the bounded buffer of
 * stages that decouple, such as `buffer` or `mapAsync`).
 *
 * Elements move in chunks (non-empty arrays): a per-element promise would cost
 * more than the work of most operators. A pull may answer synchronously when
 * the data is at hand; a chain of synchronous stages (map, filter, ...) then
 * runs as one loop with no promise at all, which is Akka's operator fusion.
 *
 * Rules every stage keeps:
 * - `pull` is never called again before the previous pull settled, nor after
 *   DONE, an error, or `cancel`.
 * - A stage that completes (DONE) or fails (throws or rejects) has released
 *   everything it held before it answers: its upstream too.
 * - `cancel` releases everything, upstream included, and is idempotent. It may
 *   arrive while a pull is pending (a kill switch); that pull then settles
 *   (with DONE or an error) without further work.
 */

export const DONE: unique symbol = Symbol('streams.done')
export type Done = typeof DONE

/** A non-empty batch of elements, read-only once handed downstream. */
export type Chunk<T> = readonly T[]

export type Pulled<T> = Chunk<T> | Done

export type MaybePromise<T> = T | Promise<T>

export interface Stage<T> {
  pull(): MaybePromise<Pulled<T>>
  cancel(reason?: unknown): Promise<void>
}

export function isPromise<T>(value: MaybePromise<T>): value is Promise<T> {
  return value instanceof Promise
}

/** The default number of elements a source puts in one chunk. */
export const DEFAULT_CHUNK_SIZE = 1024

/** Cancels `upstream`, then fails with `error`: a stage that fails releases what it holds first. */
export async function cancelAndFail(upstream: Stage<unknown>, error: unknown): Promise<never> {
  await upstream.cancel(error).catch(() => undefined)
  throw error
}

/** A stage that has already ended: pulls answer DONE. */
export function doneStage<T>(): Stage<T> {
  return { pull: () => DONE, cancel: async () => undefined }
}

/** A stage that fails on its first pull. */
export function failedStage<T>(error: unknown): Stage<T> {
  return {
    pull: () => Promise.reject(error),
    cancel: async () => undefined,
  }
}
