import { DONE, type Chunk, type Pulled, type Stage } from '../stage.js'

/** Where `route` puts a chunk (or part of it) for one branch. */
export interface Branch<T> {
  push(chunk: Chunk<T>): void
}

/**
 * Splits one upstream into `count` branch stages. `route` hands each upstream
 * chunk to the branches. Upstream is pulled only when every live branch has
 * taken what it was given, so the slowest branch sets the pace and each holds
 * at most one routed chunk. Completion and failure reach every branch; a
 * branch that cancels drops out, and when all have, upstream is cancelled.
 */
export function fanOut<T>(upstream: Stage<T>, count: number, route: (chunk: Chunk<T>, branches: Branch<T>[]) => void): Stage<T>[] {
  const queues: Chunk<T>[][] = Array.from({ length: count }, () => [])
  const live = new Array<boolean>(count).fill(true)
  const waiters: Array<() => void> = []
  let pulling = false
  let ended = false
  let failure: { error: unknown } | undefined

  const wakeAll = (): void => {
    for (const wake of waiters.splice(0)) wake()
  }

  const branches: Branch<T>[] = queues.map((queue, i) => ({
    push: (chunk) => {
      if (live[i]) queue.push(chunk)
    },
  }))

  const pullUpstream = async (): Promise<void> => {
    pulling = true
    try {
      const pulled: Pulled<T> = await upstream.pull()
      if (pulled === DONE) ended = true
      else route(pulled, branches)
    } catch (error) {
      failure = { error }
      if (!ended) await upstream.cancel(error).catch(() => undefined)
      ended = true
    } finally {
      pulling = false
      wakeAll()
    }
  }

  const ready = (): boolean => queues.every((queue, i) => !live[i] || queue.length === 0)

  return queues.map((queue, i) => ({
    pull: async (): Promise<Pulled<T>> => {
      while (true) {
        if (!live[i]) return DONE // cancelled while this pull waited
        if (queue.length > 0) {
          const chunk = queue.shift()!
          if (queue.length === 0) wakeAll() // a sibling may be waiting for everyone to be ready
          return chunk
        }
        if (failure) throw failure.error
        if (ended) return DONE
        if (!pulling && ready()) void pullUpstream()
        await new Promise<void>((resolve) => waiters.push(resolve))
      }
    },
    cancel: async (reason) => {
      if (!live[i]) return
      live[i] = false
      queue.length = 0
      wakeAll()
      if (!ended && live.every((alive) => !alive)) {
        ended = true
        await upstream.cancel(reason)
      }
    },
  }))
}
