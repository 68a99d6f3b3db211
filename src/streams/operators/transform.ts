import { DONE, cancelAndFail, isPromise, type Chunk, type MaybePromise, type Pulled, type Stage } from '../stage.js'

/**
 * A synchronous, chunk-at-a-time operator: the shape of map, filter, scan,
 * take and the other operators that need no timer and no promise of their
 * own. Such operators fuse: a chain of them over a synchronous source runs as
 * plain loops.
 */
export interface Transformer<In, Out> {
  /**
   * Handles one upstream chunk, pushing outputs onto `out`. Returns true to
   * complete the stream after `out` (take, takeWhile): upstream is cancelled
   * once downstream has taken `out`.
   */
  push(chunk: Chunk<In>, out: Out[]): boolean
  /** At upstream completion, pushes what is left (grouped's last group, fold's result). */
  flush?(out: Out[]): void
  /** For one-in, one-out operators (map): the whole output chunk at once, built without growing an array. */
  mapChunk?(chunk: Chunk<In>): Out[]
}

/** After this many synchronous upstream chunks in a row that gave no output, a pull yields to the event loop. */
const YIELD_AFTER_EMPTY_CHUNKS = 64

/**
 * Runs a Transformer as a stage. A chunk that yields no output (a filter that
 * dropped everything) is followed by another pull, not by an empty chunk. An
 * exception in user code cancels upstream and fails the stream.
 */
export function transformStage<In, Out>(upstream: Stage<In>, transformer: Transformer<In, Out>): Stage<Out> {
  let finished = false
  let cancelPending = false

  const handle = (pulled: Pulled<In>): MaybePromise<Pulled<Out>> | undefined => {
    const out: Out[] = []
    if (pulled === DONE) {
      finished = true
      try {
        transformer.flush?.(out)
      } catch (err) {
        return Promise.reject(err)
      }
      return out.length > 0 ? out : DONE
    }
    if (transformer.mapChunk) {
      try {
        return transformer.mapChunk(pulled)
      } catch (err) {
        finished = true
        return cancelAndFail(upstream, err)
      }
    }
    let stop: boolean
    try {
      stop = transformer.push(pulled, out)
    } catch (err) {
      finished = true
      return cancelAndFail(upstream, err)
    }
    if (stop) {
      finished = true
      if (out.length === 0) return upstream.cancel().then(() => DONE)
      // The last chunk goes downstream first; upstream is cancelled at the next pull (or cancel), once
      // downstream has handled it: a committable source still sees the commits of what take() let through.
      cancelPending = true
      return out
    }
    return out.length > 0 ? out : undefined
  }

  const pull = (): MaybePromise<Pulled<Out>> => {
    if (cancelPending) {
      cancelPending = false
      return upstream.cancel().then(() => DONE)
    }
    if (finished) return DONE
    for (let empty = 0; ; empty++) {
      // A long run of synchronous chunks with no output (a filter that drops everything from an
      // endless array source) must not block the event loop: timers and the kill switch need turns.
      if (empty >= YIELD_AFTER_EMPTY_CHUNKS) return new Promise<void>((resolve) => setImmediate(resolve)).then(pull)
      const pulled = upstream.pull()
      if (isPromise(pulled)) return pulled.then((p) => handle(p) ?? pull())
      const result = handle(pulled)
      if (result !== undefined) return result
    }
  }

  return {
    pull,
    cancel: (reason) => {
      finished = true
      cancelPending = false
      return upstream.cancel(reason)
    },
  }
}
