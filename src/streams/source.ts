import type { EventEmitter } from 'node:events'
import { kooberError } from '../errors.js'
import { Flow } from './flow.js'
import type { OverflowStrategy } from './operators/buffer.js'
import { once } from './operators/attach.js'
import { restartStage, type BackoffOptions } from './operators/restart.js'
import { RunControl, type KillSwitch } from './run-control.js'
import type { Sink } from './sink.js'
import { arrayStage, asyncIterableStage, iterableStage, rangeStage } from './sources/iterables.js'
import { eventEmitterStage, type EventSourceOptions } from './sources/event-emitter.js'
import { queueStage, type SourceQueue } from './sources/queue.js'
import { tickStage } from './sources/tick.js'
import { doneStage, failedStage, type Stage } from './stage.js'
import { requirePositiveInteger } from './operators/elementwise.js'

/** A running graph: the sink's result, and the switch that stops it early. */
export interface RunningGraph<R> {
  result: Promise<R>
  killSwitch: KillSwitch
}

/**
 * Where elements come from: a blueprint that opens a fresh stream each time a
 * graph with it runs (except the one-shot sources: a queue, an async iterable,
 * an event emitter). Operators return new sources; nothing runs until
 * `runWith`.
 *
 * @example
 * ```ts
 * const { result, killSwitch } = Source.from([1, 2, 3, 4])
 *   .map((n) => n * 2)
 *   .filter((n) => n > 2)
 *   .runWith(Sink.collect())
 * await result // [4, 6, 8]
 * ```
 */
export class Source<Out> {
  /** @internal Opens the stream's first stage. */
  constructor(readonly open: () => Stage<Out>) {}

  /** An array or any iterable (synchronous: fuses with the operators after it). */
  static from<T>(elements: Iterable<T>): Source<T> {
    return Array.isArray(elements)
      ? new Source(() => arrayStage(elements as readonly T[]))
      : new Source(() => iterableStage(elements))
  }

  /** An async iterable (a readable stream, a generator); one-shot when the iterable is. Cancelling calls its `return`. */
  static fromAsyncIterable<T>(iterable: AsyncIterable<T>): Source<T> {
    return new Source(() => asyncIterableStage(iterable))
  }

  static single<T>(element: T): Source<T> {
    return new Source(() => arrayStage([element]))
  }

  static empty<T>(): Source<T> {
    return new Source(() => doneStage<T>())
  }

  static failed<T>(error: unknown): Source<T> {
    return new Source(() => failedStage<T>(error))
  }

  /** Numbers from `start` to `end` inclusive by `step`, in chunks, synchronously. */
  static range(start: number, end: number, step = 1): Source<number> {
    if (!Number.isFinite(start) || !Number.isFinite(end) || !Number.isFinite(step) || step === 0) {
      throw kooberError('KOOBER_INVALID_ARGUMENT', `range needs finite numbers and a non-zero step, got ${start}, ${end}, ${step}`)
    }
    return new Source(() => rangeStage(start, end, step))
  }

  /** `value` every `intervalMs`, after `initialDelayMs`; ticks without demand are skipped. Runs until cancelled. */
  static tick<T>(initialDelayMs: number, intervalMs: number, value: T): Source<T> {
    if (!(Number.isFinite(initialDelayMs) && initialDelayMs >= 0 && Number.isFinite(intervalMs) && intervalMs > 0)) {
      throw kooberError('KOOBER_INVALID_ARGUMENT', `tick needs an initial delay >= 0 and an interval > 0 (ms), got ${initialDelayMs} and ${intervalMs}`)
    }
    return new Source(() => tickStage(initialDelayMs, intervalMs, value))
  }

  /**
   * A source fed from outside through a bounded queue (one-shot). With
   * `backpressure`, `offer` resolves when there is room, so the producer
   * feels the consumer's pace.
   *
   * @example
   * ```ts
   * const [queue, source] = Source.queue<string>(100)
   * const { result } = source.runWith(Sink.forEach(console.log))
   * await queue.offer('hello'); queue.complete()
   * ```
   */
  static queue<T>(capacity: number, overflow: OverflowStrategy = 'backpressure'): [SourceQueue<T>, Source<T>] {
    requirePositiveInteger('queue capacity', capacity)
    const { stage, queue } = queueStage<T>(capacity, overflow)
    return [queue, new Source(once('Source.queue', () => stage))]
  }

  /** The payloads of `event` (one-shot), through a bounded queue; listeners are removed when the stream ends. */
  static fromEvent<T>(emitter: EventEmitter, event: string, options?: EventSourceOptions): Source<T> {
    return new Source(once('Source.fromEvent', () => eventEmitterStage<T>(emitter, event, options)))
  }

  /**
   * The source `make` returns, started again with exponential backoff when it
   * fails (or completes, unless `onlyOnFailures`), as Akka's RestartSource.
   */
  static restartWithBackoff<T>(options: BackoffOptions, make: () => Source<T>): Source<T> {
    if (!(options.minBackoffMs >= 0 && options.maxBackoffMs >= options.minBackoffMs)) {
      throw kooberError('KOOBER_INVALID_ARGUMENT', 'restartWithBackoff needs 0 <= minBackoffMs <= maxBackoffMs')
    }
    return new Source(() => restartStage(() => make().open(), options))
  }

  /** A stage of your own (for connectors): see stage.ts for the rules it keeps. */
  static fromStage<T>(open: () => Stage<T>): Source<T> {
    return new Source(open)
  }

  via<Next>(flow: Flow<Out, Next>): Source<Next> {
    return new Source(() => flow.attach(this.open()))
  }

  /**
   * Runs the graph: the sink pulls, the source is opened. The result settles
   * when the sink is done; the kill switch stops the graph early.
   */
  runWith<R>(sink: Sink<Out, R>): RunningGraph<R> {
    const control = new RunControl()
    const result = Promise.resolve().then(() => sink.consume(this.open(), control))
    return { result, killSwitch: control }
  }

  private pipe<Next>(build: (flow: Flow<Out, Out>) => Flow<Out, Next>): Source<Next> {
    return this.via(build(Flow.identity<Out>()))
  }

  /** @see Flow.map */
  map<Next>(f: (element: Out) => Next): Source<Next> {
    return this.pipe((flow) => flow.map(f))
  }

  /** @see Flow.filter */
  filter(test: (element: Out) => boolean): Source<Out> {
    return this.pipe((flow) => flow.filter(test))
  }

  /** @see Flow.mapConcat */
  mapConcat<Next>(f: (element: Out) => Iterable<Next>): Source<Next> {
    return this.pipe((flow) => flow.mapConcat(f))
  }

  /** @see Flow.flatMap */
  flatMap<Next>(f: (element: Out) => Source<Next>): Source<Next> {
    return this.pipe((flow) => flow.flatMap(f))
  }

  /** @see Flow.scan */
  scan<Acc>(zero: Acc, f: (acc: Acc, element: Out) => Acc): Source<Acc> {
    return this.pipe((flow) => flow.scan(zero, f))
  }

  /** @see Flow.fold */
  fold<Acc>(zero: Acc, f: (acc: Acc, element: Out) => Acc): Source<Acc> {
    return this.pipe((flow) => flow.fold(zero, f))
  }

  /** @see Flow.reduce */
  reduce(f: (acc: Out, element: Out) => Out): Source<Out> {
    return this.pipe((flow) => flow.reduce(f))
  }

  /** @see Flow.take */
  take(n: number): Source<Out> {
    return this.pipe((flow) => flow.take(n))
  }

  /** @see Flow.takeWhile */
  takeWhile(test: (element: Out) => boolean): Source<Out> {
    return this.pipe((flow) => flow.takeWhile(test))
  }

  /** @see Flow.drop */
  drop(n: number): Source<Out> {
    return this.pipe((flow) => flow.drop(n))
  }

  /** @see Flow.grouped */
  grouped(n: number): Source<Out[]> {
    return this.pipe((flow) => flow.grouped(n))
  }

  /** @see Flow.groupedWithin */
  groupedWithin(n: number, withinMs: number): Source<Out[]> {
    return this.pipe((flow) => flow.groupedWithin(n, withinMs))
  }

  /** @see Flow.mapAsync */
  mapAsync<Next>(parallelism: number, f: (element: Out) => Promise<Next> | Next): Source<Next> {
    return this.pipe((flow) => flow.mapAsync(parallelism, f))
  }

  /** @see Flow.mapAsyncUnordered */
  mapAsyncUnordered<Next>(parallelism: number, f: (element: Out) => Promise<Next> | Next): Source<Next> {
    return this.pipe((flow) => flow.mapAsyncUnordered(parallelism, f))
  }

  /** @see Flow.throttle */
  throttle(elements: number, perMs: number): Source<Out> {
    return this.pipe((flow) => flow.throttle(elements, perMs))
  }

  /** @see Flow.buffer */
  buffer(size: number, overflow?: OverflowStrategy): Source<Out> {
    return this.pipe((flow) => flow.buffer(size, overflow))
  }

  /** @see Flow.merge */
  merge(...others: Source<Out>[]): Source<Out> {
    return this.pipe((flow) => flow.merge(...others))
  }

  /** @see Flow.concat */
  concat(...others: Source<Out>[]): Source<Out> {
    return this.pipe((flow) => flow.concat(...others))
  }

  /** @see Flow.zip */
  zip<Other>(other: Source<Other>): Source<[Out, Other]> {
    return this.pipe((flow) => flow.zip(other))
  }

  /** @see Flow.alsoTo */
  alsoTo(sink: Sink<Out, unknown>): Source<Out> {
    return this.pipe((flow) => flow.alsoTo(sink))
  }

  /** @see Flow.recover */
  recover(f: (error: unknown) => Out | undefined): Source<Out> {
    return this.pipe((flow) => flow.recover(f))
  }

  /** @see Flow.idleTimeout */
  idleTimeout(ms: number): Source<Out> {
    return this.pipe((flow) => flow.idleTimeout(ms))
  }
}
