import { DONE, type Chunk, type Pulled, type Stage } from '../stage.js'
import { PendingPull } from './pending-pull.js'

/**
 * Elements of all upstreams as they come (Akka's Merge). Each upstream has at
 * most one pull outstanding, so a fast one cannot flood a slow consumer.
 * Completes when every upstream has; a failure cancels the others and fails.
 */
export function mergeStage<T>(upstreams: Stage<T>[]): Stage<T> {
  const pulls = upstreams.map((upstream) => new PendingPull(upstream))
  const done = upstreams.map(() => false)
  let cursor = 0
  const cancelAll = (reason?: unknown): Promise<unknown> =>
    Promise.all(upstreams.map((upstream, i) => (done[i] ? undefined : upstream.cancel(reason).catch(() => undefined))))
  return {
    pull: async (): Promise<Pulled<T>> => {
      while (true) {
        const live = pulls.map((_, i) => i).filter((i) => !done[i])
        if (live.length === 0) return DONE
        // Start from a rotating upstream so none starves when several are ready.
        cursor = (cursor + 1) % live.length
        const order = [...live.slice(cursor), ...live.slice(0, cursor)]
        let settled: { i: number; pulled: Pulled<T> }
        try {
          settled = await Promise.race(order.map((i) => pulls[i]!.get().then((pulled): { i: number; pulled: Pulled<T> } => ({ i, pulled }))))
        } catch (error) {
          await cancelAll(error)
          throw error
        }
        pulls[settled.i]!.taken()
        if (settled.pulled === DONE) {
          done[settled.i] = true
          continue
        }
        return settled.pulled
      }
    },
    cancel: async (reason) => {
      await cancelAll(reason)
      done.fill(true)
    },
  }
}

/** All of the first upstream, then all of the next (Akka's Concat); later ones open only when reached. */
export function concatStage<T>(first: Stage<T>, rest: Array<() => Stage<T>>): Stage<T> {
  let current = first
  let index = 0
  let finished = false
  const pull = async (): Promise<Pulled<T>> => {
    while (!finished) {
      const pulled = await current.pull()
      if (pulled !== DONE) return pulled
      if (index >= rest.length) {
        finished = true
        break
      }
      current = rest[index++]!()
    }
    return DONE
  }
  return {
    pull,
    cancel: async (reason) => {
      if (finished) return
      finished = true
      await current.cancel(reason)
    },
  }
}

/**
 * Pairs the elements of two upstreams in order (Akka's Zip). Completes when
 * either completes, cancelling the other.
 */
export function zipStage<A, B>(left: Stage<A>, right: Stage<B>): Stage<[A, B]> {
  let leftBuffer: Chunk<A> = []
  let leftNext = 0
  let rightBuffer: Chunk<B> = []
  let rightNext = 0
  let finished = false
  const finish = async (reason?: unknown): Promise<void> => {
    finished = true
    await Promise.all([left.cancel(reason).catch(() => undefined), right.cancel(reason).catch(() => undefined)])
  }
  return {
    pull: async (): Promise<Pulled<[A, B]>> => {
      if (finished) return DONE
      try {
        const [l, r]: [Pulled<A> | undefined, Pulled<B> | undefined] = await Promise.all([
          leftNext < leftBuffer.length ? undefined : left.pull(),
          rightNext < rightBuffer.length ? undefined : right.pull(),
        ])
        if (l === DONE || r === DONE) {
          await finish()
          return DONE
        }
        if (l) {
          leftBuffer = l
          leftNext = 0
        }
        if (r) {
          rightBuffer = r
          rightNext = 0
        }
      } catch (error) {
        await finish(error)
        throw error
      }
      const count = Math.min(leftBuffer.length - leftNext, rightBuffer.length - rightNext)
      const out: Array<[A, B]> = new Array(count)
      for (let i = 0; i < count; i++) out[i] = [leftBuffer[leftNext++]!, rightBuffer[rightNext++]!]
      return out
    },
    cancel: (reason) => (finished ? Promise.resolve() : finish(reason)),
  }
}

/**
 * On an upstream failure, emits `f(error)` (unless it returns undefined) and
 * completes instead of failing. `f` may rethrow to let the failure through.
 */
export function recoverStage<T>(upstream: Stage<T>, f: (error: unknown) => T | undefined): Stage<T> {
  let finished = false
  return {
    pull: async (): Promise<Pulled<T>> => {
      if (finished) return DONE
      try {
        const pulled = await upstream.pull()
        if (pulled === DONE) finished = true
        return pulled
      } catch (error) {
        finished = true
        const replacement = f(error)
        return replacement === undefined ? DONE : [replacement]
      }
    },
    cancel: (reason) => {
      finished = true
      return upstream.cancel(reason)
    },
  }
}

