import { kooberError } from '../errors.js'
import { drain, type RunControl } from './run-control.js'
import type { Stage } from './stage.js'
import { fanOut } from './operators/fan-out.js'

/**
 * The end of a stream: it pulls (that is where demand comes from) and turns
 * the elements into a result `R`, which running the graph resolves with.
 *
 * @example
 * ```ts
 * const { result } = Source.from([1, 2, 3]).runWith(Sink.fold(0, (a, b) => a + b))
 * await result // 6
 * ```
 */
export class Sink<In, R> {
  /** @internal Runs against an upstream stage; resolves with the result once upstream completed or the sink stopped it. */
  constructor(readonly consume: (upstream: Stage<In>, control: RunControl) => Promise<R>) {}

  /** Folds every element into a value. Pulls until completion. */
  static fold<In, Acc>(zero: Acc, f: (acc: Acc, element: In) => Acc): Sink<In, Acc> {
    return new Sink(async (upstream, control) => {
      let acc = zero
      await drain(upstream, control, (chunk) => {
        for (let i = 0; i < chunk.length; i++) acc = f(acc, chunk[i]!)
      })
      return acc
    })
  }

  /** Like fold, starting from the first element; an empty stream fails with KOOBER_STREAM_EMPTY. */
  static reduce<T>(f: (acc: T, element: T) => T): Sink<T, T> {
    return new Sink(async (upstream, control) => {
      let acc: T | undefined
      let any = false
      await drain(upstream, control, (chunk) => {
        let i = 0
        if (!any) {
          acc = chunk[0]!
          any = true
          i = 1
        }
        for (; i < chunk.length; i++) acc = f(acc!, chunk[i]!)
      })
      if (!any) throw kooberError('KOOBER_STREAM_EMPTY', 'reduce over an empty stream has no result')
      return acc!
    })
  }

  /** Calls `f` for each element, in order. */
  static forEach<T>(f: (element: T) => void): Sink<T, void> {
    return new Sink(async (upstream, control) => {
      await drain(upstream, control, (chunk) => {
        for (let i = 0; i < chunk.length; i++) f(chunk[i]!)
      })
    })
  }

  /**
   * Awaits `f` for each element, one at a time: the slow consumer whose pace
   * backpressures everything upstream.
   */
  static forEachAsync<T>(f: (element: T) => Promise<void> | void): Sink<T, void> {
    return new Sink(async (upstream, control) => {
      await drain(upstream, control, async (chunk) => {
        // The kill switch stops it between elements, not after a whole chunk of slow calls.
        for (let i = 0; i < chunk.length && !control.killed; i++) await f(chunk[i]!)
      })
    })
  }

  /**
   * Awaits `f` for each chunk of elements as it arrives: for sinks that write
   * in batches (one database round trip per chunk) yet keep the elements'
   * order, with backpressure between chunks.
   */
  static forEachChunk<T>(f: (chunk: readonly T[]) => Promise<void> | void): Sink<T, void> {
    return new Sink(async (upstream, control) => {
      await drain(upstream, control, async (chunk) => {
        await f(chunk)
      })
    })
  }

  /** Every element, in an array. */
  static collect<T>(): Sink<T, T[]> {
    return new Sink(async (upstream, control) => {
      const all: T[] = []
      await drain(upstream, control, (chunk) => {
        for (let i = 0; i < chunk.length; i++) all.push(chunk[i]!)
      })
      return all
    })
  }

  /** The first element; cancels upstream after it. An empty stream fails with KOOBER_STREAM_EMPTY. */
  static head<T>(): Sink<T, T> {
    return new Sink(async (upstream, control) => {
      let first: { value: T } | undefined
      await drain(upstream, control, (chunk) => {
        first = { value: chunk[0]! }
        return true
      })
      if (!first) throw kooberError('KOOBER_STREAM_EMPTY', 'head of an empty stream')
      return first.value
    })
  }

  /** The last element, or undefined for an empty stream. */
  static last<T>(): Sink<T, T | undefined> {
    return new Sink(async (upstream, control) => {
      let last: T | undefined
      await drain(upstream, control, (chunk) => {
        last = chunk[chunk.length - 1]
      })
      return last
    })
  }

  /** How many elements passed. */
  static count<T>(): Sink<T, number> {
    return Sink.fold<T, number>(0, (n) => n + 1)
  }

  /** Pulls everything and keeps nothing. */
  static ignore<T>(): Sink<T, void> {
    return new Sink(async (upstream, control) => {
      await drain(upstream, control, () => undefined)
    })
  }

  /**
   * Sends every element to all `sinks` (Akka's Broadcast): the slowest one sets
   * the pace, a failure in any fails the whole, and the result is theirs, in order.
   */
  static broadcast<T, Results extends unknown[]>(...sinks: { [K in keyof Results]: Sink<T, Results[K]> }): Sink<T, Results> {
    return new Sink(async (upstream, control) => {
      const branches = fanOut(upstream, sinks.length, (chunk, outputs) => outputs.forEach((output) => output.push(chunk)))
      return (await consumeBranches(sinks, branches, control)) as Results
    })
  }

  /**
   * Sends each element to the sink `route` picks (Akka's Partition): one slow
   * branch backpressures all of them. Resolves with the branches' results.
   */
  static partition<T, Results extends unknown[]>(
    route: (element: T) => number,
    ...sinks: { [K in keyof Results]: Sink<T, Results[K]> }
  ): Sink<T, Results> {
    return new Sink(async (upstream, control) => {
      const branches = fanOut(upstream, sinks.length, (chunk, outputs) => {
        const parts: T[][] = outputs.map(() => [])
        for (const element of chunk) {
          const index = route(element)
          if (!Number.isInteger(index) || index < 0 || index >= outputs.length) {
            throw kooberError('KOOBER_INVALID_ARGUMENT', `partition route returned ${index}, not a branch from 0 to ${outputs.length - 1}`)
          }
          parts[index]!.push(element)
        }
        parts.forEach((part, i) => {
          if (part.length > 0) outputs[i]!.push(part)
        })
      })
      return (await consumeBranches(sinks, branches, control)) as Results
    })
  }
}

/**
 * Runs each sink on its branch. The first failure aborts the other sinks (so
 * their branches cancel, and with the last one upstream) and, once all have
 * stopped, fails the whole with that error. Without it the others would keep
 * pulling an endless upstream after the result had failed.
 */
async function consumeBranches<T>(sinks: readonly Sink<T, unknown>[], branches: Stage<T>[], control: RunControl): Promise<unknown[]> {
  const branchControl = control.child()
  let failure: { error: unknown } | undefined
  const settled = await Promise.allSettled(
    sinks.map((sink, i) =>
      sink.consume(branches[i]!, branchControl).catch((error: unknown) => {
        failure ??= { error }
        branchControl.abort(error)
        throw error
      }),
    ),
  )
  if (failure) throw failure.error
  return settled.map((outcome) => (outcome as PromiseFulfilledResult<unknown>).value)
}
