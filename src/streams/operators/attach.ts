import { kooberError } from '../../errors.js'
import { RunControl } from '../run-control.js'
import type { Sink } from '../sink.js'
import { DONE, type Pulled, type Stage } from '../stage.js'
import { fanOut } from './fan-out.js'

/**
 * Sends every element also to `sink` (Akka's alsoTo): the side sink runs
 * beside the stream and its pace backpressures it. If the side sink fails,
 * the stream fails; if it finishes early, the stream goes on without it.
 */
export function alsoToStage<T>(upstream: Stage<T>, sink: Sink<T, unknown>): Stage<T> {
  const [main, side] = fanOut(upstream, 2, (chunk, branches) => {
    for (const branch of branches) branch.push(chunk)
  }) as [Stage<T>, Stage<T>]
  let sideFailure: { error: unknown } | undefined
  // The side sink has its own control, so that cancelling the stream stops it too: otherwise it would
  // keep pulling (an endless upstream would never be cancelled).
  const sideControl = new RunControl()
  const sideDone = sink.consume(side, sideControl).then(
    () => undefined,
    (error: unknown) => {
      sideFailure = { error }
    },
  )
  return {
    pull: async (): Promise<Pulled<T>> => {
      if (sideFailure) {
        await main.cancel(sideFailure.error).catch(() => undefined)
        throw sideFailure.error
      }
      return main.pull()
    },
    cancel: async (reason) => {
      if (reason === undefined) sideControl.shutdown()
      else sideControl.abort(reason)
      await Promise.all([main.cancel(reason), sideDone])
    },
  }
}

/**
 * For each element, the elements of the stage `f` opens, one inner stream
 * after the other (Akka's flatMapConcat). Demand: the next upstream element
 * is pulled only when the current inner stream completed.
 */
export function flatMapStage<In, Out>(upstream: Stage<In>, f: (element: In) => Stage<Out>): Stage<Out> {
  let pending: In[] = []
  let inner: Stage<Out> | undefined
  let upstreamDone = false
  let finished = false
  return {
    pull: async (): Promise<Pulled<Out>> => {
      while (!finished) {
        if (inner) {
          let pulled: Pulled<Out>
          try {
            pulled = await inner.pull()
          } catch (error) {
            // The inner stream released itself; upstream is still open.
            finished = true
            inner = undefined
            if (!upstreamDone) await upstream.cancel(error).catch(() => undefined)
            throw error
          }
          if (pulled !== DONE) return pulled
          inner = undefined
          continue
        }
        if (pending.length > 0) {
          try {
            inner = f(pending.shift()!)
          } catch (error) {
            finished = true
            await upstream.cancel(error).catch(() => undefined)
            throw error
          }
          continue
        }
        if (upstreamDone) break
        const pulled = await upstream.pull()
        if (pulled === DONE) upstreamDone = true
        else pending = [...pulled]
      }
      finished = true
      return DONE
    },
    cancel: async (reason) => {
      if (finished) return
      finished = true
      await Promise.all([inner?.cancel(reason), upstreamDone ? undefined : upstream.cancel(reason)])
    },
  }
}

/** A stage for `Source.fromStage`-style one-shot sources: a second run is an error, not a silent empty stream. */
export function once<T>(what: string, open: () => Stage<T>): () => Stage<T> {
  let used = false
  return () => {
    if (used) throw kooberError('KOOBER_STREAM_REUSED', `${what} can be run only once`)
    used = true
    return open()
  }
}
