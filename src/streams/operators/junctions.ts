import { DONE, type Chunk, type MaybePromise, type Pulled, type Stage } from '../stage.js'

/**
 * Elements of all upstreams as they come (Akka's Merge). Each upstream has at
 * most one pull outstanding, so a fast one cannot flood a slow consumer.
 * Completes when every upstream has; a failure cancels the others and fails.
 */
export function mergeStage<T>(upstreams: Stage<T>[]): Stage<T> {
  // idle: to be pulled; pulling: a pull outstanding; answered: its answer waits in `answers`.
  const states: Array<'idle' | 'pulling' | 'answered' | 'done'> = upstreams.map(() => 'idle')
  // Answers in the order they came: an upstream is pulled again only once its answer was taken, so none starves.
  const answers: Array<{ i: number; pulled: Pulled<T> } | { i: number; error: unknown }> = []
  let wake: (() => void) | undefined
  let finished = false

  const cancelLive = (reason?: unknown): Promise<unknown> =>
    Promise.all(upstreams.map((upstream, i) => (states[i] === 'done' ? undefined : upstream.cancel(reason).catch(() => undefined))))

  // One reaction per upstream pull. Racing all outstanding pulls at each merge pull would add a
  // reaction to an idle upstream's pull every time, piling up without bound.
  const start = (i: number): void => {
    states[i] = 'pulling'
    const answered = (answer: { i: number; pulled: Pulled<T> } | { i: number; error: unknown }): void => {
      states[i] = 'answered'
      answers.push(answer)
      wake?.()
    }
    Promise.resolve()
      .then(() => (finished ? DONE : upstreams[i]!.pull()))
      .then(
        (pulled) => answered({ i, pulled }),
        (error: unknown) => answered({ i, error }),
      )
  }

  return {
    pull: async (): Promise<Pulled<T>> => {
      while (true) {
        if (finished) return DONE
        states.forEach((state, i) => {
          if (state === 'idle') start(i)
        })
        const answer = answers.shift()
        if (answer) {
          if ('error' in answer) {
            states[answer.i] = 'done' // a failed upstream has released itself
            finished = true
            await cancelLive(answer.error)
            throw answer.error
          }
          if (answer.pulled === DONE) {
            states[answer.i] = 'done'
            continue
          }
          states[answer.i] = 'idle'
          return answer.pulled
        }
        if (states.every((state) => state === 'done')) {
          finished = true
          return DONE
        }
        await new Promise<void>((resolve) => (wake = resolve))
        wake = undefined
      }
    },
    cancel: async (reason) => {
      if (finished) return
      finished = true
      wake?.()
      await cancelLive(reason)
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
      if (finished) break // cancelled while this pull waited: open nothing more
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

const ZIP_SIDE_DONE: unique symbol = Symbol('zip side done')

/** Rejects with ZIP_SIDE_DONE at DONE, so that Promise.all settles as soon as one side completes. */
async function endsAtDone<T>(pulled: MaybePromise<Pulled<T>>): Promise<Chunk<T>> {
  const settled = await pulled
  if (settled === DONE) throw ZIP_SIDE_DONE
  return settled
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
        // Either side completing ends the zip at once, without waiting for the other side's pull.
        const [l, r]: [Chunk<A> | undefined, Chunk<B> | undefined] = await Promise.all([
          leftNext < leftBuffer.length ? undefined : endsAtDone(left.pull()),
          rightNext < rightBuffer.length ? undefined : endsAtDone(right.pull()),
        ])
        if (l) {
          leftBuffer = l
          leftNext = 0
        }
        if (r) {
          rightBuffer = r
          rightNext = 0
        }
      } catch (error) {
        if (error === ZIP_SIDE_DONE) {
          await finish()
          return DONE
        }
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

