import { kooberError } from '../errors.js'
import { Sink } from './sink.js'
import type { Source } from './source.js'
import { DONE, type Stage } from './stage.js'
import { alsoToStage, flatMapStage } from './operators/attach.js'
import { bufferStage, type OverflowStrategy } from './operators/buffer.js'
import * as each from './operators/elementwise.js'
import { requireNonNegativeInteger, requirePositiveInteger } from './operators/elementwise.js'
import { concatStage, mergeStage, recoverStage, zipStage } from './operators/junctions.js'
import { mapAsyncStage } from './operators/map-async.js'
import { groupedWithinStage, idleTimeoutStage, throttleStage } from './operators/timed.js'
import { transformStage, type Transformer } from './operators/transform.js'

function requirePositiveDuration(name: string, ms: number): void {
  if (!(Number.isFinite(ms) && ms > 0)) throw kooberError('KOOBER_INVALID_ARGUMENT', `${name} must be a positive number of milliseconds, got ${ms}`)
}

/**
 * A processing step with one input and one output, reusable in many graphs.
 * Each operator below says what it does to demand (when it pulls upstream)
 * and to completion, errors and cancellation.
 *
 * @example
 * ```ts
 * const parse = Flow.identity<string>().map((line) => JSON.parse(line)).filter((e) => e.type === 'pickup')
 * await Source.from(lines).via(parse).runWith(Sink.collect()).result
 * ```
 */
export class Flow<In, Out> {
  /** @internal Builds this step's stage on top of an upstream stage, when a graph runs. */
  constructor(readonly attach: (upstream: Stage<In>) => Stage<Out>) {}

  static identity<T>(): Flow<T, T> {
    return new Flow((upstream) => upstream)
  }

  /** A step from a chunk transformer (the building block of the synchronous operators). */
  static fromTransformer<In, Out>(make: () => Transformer<In, Out>): Flow<In, Out> {
    return new Flow((upstream) => transformStage(upstream, make()))
  }

  via<Next>(next: Flow<Out, Next>): Flow<In, Next> {
    return new Flow((upstream) => next.attach(this.attach(upstream)))
  }

  /** This step in front of `sink`: a sink of the input type. */
  to<R>(sink: Sink<Out, R>): Sink<In, R> {
    return new Sink((upstream, control) => sink.consume(this.attach(upstream), control))
  }

  /** One output per element. */
  map<Next>(f: (element: Out) => Next): Flow<In, Next> {
    return this.via(Flow.fromTransformer(() => each.map(f)))
  }

  /** Only elements that pass `test`; pulls again when a chunk yields nothing. */
  filter(test: (element: Out) => boolean): Flow<In, Out> {
    return this.via(Flow.fromTransformer(() => each.filter(test)))
  }

  /** Zero or more outputs per element, synchronously. */
  mapConcat<Next>(f: (element: Out) => Iterable<Next>): Flow<In, Next> {
    return this.via(Flow.fromTransformer(() => each.mapConcat(f)))
  }

  /** The elements of the source made for each element, one source after the other. Pulls upstream only when the current source completed. */
  flatMap<Next>(f: (element: Out) => Source<Next>): Flow<In, Next> {
    return this.via(new Flow((upstream) => flatMapStage(upstream, (element) => f(element).open())))
  }

  /** `zero`, then the running result after each element. */
  scan<Acc>(zero: Acc, f: (acc: Acc, element: Out) => Acc): Flow<In, Acc> {
    return this.via(Flow.fromTransformer(() => each.scan(zero, f)))
  }

  /** One element, the fold of all, at completion. */
  fold<Acc>(zero: Acc, f: (acc: Acc, element: Out) => Acc): Flow<In, Acc> {
    return this.via(Flow.fromTransformer(() => each.fold(zero, f)))
  }

  /** One element at completion, folded from the first; an empty stream fails (KOOBER_STREAM_EMPTY). */
  reduce(f: (acc: Out, element: Out) => Out): Flow<In, Out> {
    return this.via(Flow.fromTransformer(() => each.reduce(f)))
  }

  /** The first `n` elements; then completes and cancels upstream. */
  take(n: number): Flow<In, Out> {
    requireNonNegativeInteger('take', n)
    // take(0) wants nothing: it completes at the first pull instead of waiting for an element it would drop.
    if (n === 0) return this.via(new Flow((upstream) => ({ pull: () => upstream.cancel().then(() => DONE), cancel: (reason) => upstream.cancel(reason) })))
    return this.via(Flow.fromTransformer(() => each.take(n)))
  }

  /** Elements while `test` holds; at the first that fails, completes and cancels upstream. */
  takeWhile(test: (element: Out) => boolean): Flow<In, Out> {
    return this.via(Flow.fromTransformer(() => each.takeWhile(test)))
  }

  /** Skips the first `n` elements. */
  drop(n: number): Flow<In, Out> {
    requireNonNegativeInteger('drop', n)
    return this.via(Flow.fromTransformer(() => each.drop(n)))
  }

  /** Arrays of `n` elements, the last one shorter. */
  grouped(n: number): Flow<In, Out[]> {
    requirePositiveInteger('grouped', n)
    return this.via(Flow.fromTransformer(() => each.grouped(n)))
  }

  /** Arrays of up to `n` elements, emitted when full or `withinMs` after their first element. Pulls ahead while a group fills. */
  groupedWithin(n: number, withinMs: number): Flow<In, Out[]> {
    requirePositiveInteger('groupedWithin', n)
    requirePositiveDuration('groupedWithin', withinMs)
    return this.via(new Flow((upstream) => groupedWithinStage(upstream, n, withinMs)))
  }

  /** `f` on up to `parallelism` elements at once, results in input order. A rejection fails the stream. */
  mapAsync<Next>(parallelism: number, f: (element: Out) => Promise<Next> | Next): Flow<In, Next> {
    requirePositiveInteger('mapAsync parallelism', parallelism)
    return this.via(new Flow((upstream) => mapAsyncStage(upstream, parallelism, f, true)))
  }

  /** `f` on up to `parallelism` elements at once, results as they complete. */
  mapAsyncUnordered<Next>(parallelism: number, f: (element: Out) => Promise<Next> | Next): Flow<In, Next> {
    requirePositiveInteger('mapAsyncUnordered parallelism', parallelism)
    return this.via(new Flow((upstream) => mapAsyncStage(upstream, parallelism, f, false)))
  }

  /** At most `elements` per `perMs` (bursts up to `elements`); pulls upstream only as fast. */
  throttle(elements: number, perMs: number): Flow<In, Out> {
    requirePositiveInteger('throttle elements', elements)
    requirePositiveDuration('throttle', perMs)
    return this.via(new Flow((upstream) => throttleStage(upstream, elements, perMs)))
  }

  /** Room for `size` elements between upstream and downstream; `overflow` says what happens when full. */
  buffer(size: number, overflow: OverflowStrategy = 'backpressure'): Flow<In, Out> {
    requirePositiveInteger('buffer size', size)
    if (!['backpressure', 'dropHead', 'dropTail', 'fail'].includes(overflow)) {
      throw kooberError('KOOBER_INVALID_ARGUMENT', `buffer overflow must be backpressure, dropHead, dropTail or fail, got ${overflow}`)
    }
    return this.via(new Flow((upstream) => bufferStage(upstream, size, overflow)))
  }

  /** Elements of this stream and of `others` as they come; completes when all complete. */
  merge(...others: Source<Out>[]): Flow<In, Out> {
    return this.via(new Flow((upstream) => mergeStage([upstream, ...others.map((o) => o.open())])))
  }

  /** This stream, then `others` in turn (each opened only when reached). */
  concat(...others: Source<Out>[]): Flow<In, Out> {
    return this.via(new Flow((upstream) => concatStage(upstream, others.map((o) => () => o.open()))))
  }

  /** Pairs of this stream's and `other`'s elements; completes when either does. */
  zip<Other>(other: Source<Other>): Flow<In, [Out, Other]> {
    return this.via(new Flow((upstream) => zipStage(upstream, other.open())))
  }

  /** Every element also to `sink`, whose pace backpressures the stream; its failure fails the stream. */
  alsoTo(sink: Sink<Out, unknown>): Flow<In, Out> {
    return this.via(new Flow((upstream) => alsoToStage(upstream, sink)))
  }

  /** On failure, emits `f(error)` (nothing if undefined) and completes instead. */
  recover(f: (error: unknown) => Out | undefined): Flow<In, Out> {
    return this.via(new Flow((upstream) => recoverStage(upstream, f)))
  }

  /** Fails with KOOBER_STREAM_TIMEOUT when no element arrives for `ms`. */
  idleTimeout(ms: number): Flow<In, Out> {
    requirePositiveDuration('idleTimeout', ms)
    return this.via(new Flow((upstream) => idleTimeoutStage(upstream, ms)))
  }
}
