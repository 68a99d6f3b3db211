import { kooberError } from '../errors.js'
import { Flow, type Transformer } from '../streams/index.js'
import { snapshotOf, type Element } from './elements.js'
import type { Key } from './window-operator.js'

/** What a process function sees of its key while it handles a record or a timer. */
export interface ProcessContext<K extends Key, S, Out> {
  readonly key: K
  /** This key's state (JSON, saved in checkpoints), or undefined. */
  state: S | undefined
  /** The watermark before this element. */
  readonly watermark: number
  /** Sends a record downstream, at event time `time`. */
  emit(value: Out, time: number): void
  /** Calls `onTimer` for this key once the watermark reaches `at` (event time); one timer per key and time. */
  eventTimer(at: number): void
  /** Calls `onTimer` for this key once processing time reaches `at` (on a tick). */
  processingTimer(at: number): void
}

export interface ProcessOptions<T, K extends Key, S, Out> {
  key: (value: T) => K
  onRecord: (value: T, time: number, context: ProcessContext<K, S, Out>) => void
  onTimer?: (at: number, domain: 'event' | 'processing', context: ProcessContext<K, S, Out>) => void
  /** The operator's name in checkpoints (states and timers are saved with it). */
  name?: string
  restored?: unknown
}

interface Timer<K> {
  at: number
  key: K
}

/**
 * A keyed process function (Flink's KeyedProcessFunction): for each record,
 * `onRecord` runs with the state of the record's key, and may emit records
 * and set timers; event-time timers fire, in time order, when the watermark
 * reaches them (before the watermark goes on), processing-time timers on
 * ticks. State and timers are saved at checkpoint barriers.
 *
 * Demand: output follows input chunk by chunk. Completion: timers not yet
 * due stay unfired (a bounded input's last watermark, the end of time,
 * fires every event-time timer).
 *
 * @example
 * ```ts
 * keyedProcess({ key: (e) => e.rideId, onRecord: (e, t, ctx) => { if (e.status === 'requested') ctx.state = { at: t } else if (ctx.state) ctx.emit({ waitMs: t - ctx.state.at }, t) } })
 * ```
 */
export function keyedProcess<T, K extends Key, S, Out>(options: ProcessOptions<T, K, S, Out>): Flow<Element<T>, Element<Out>> {
  return Flow.fromTransformer((): Transformer<Element<T>, Element<Out>> => {
    const states = new Map<K, S>()
    let eventTimers: Array<Timer<K>> = []
    let processingTimers: Array<Timer<K>> = []
    let watermark = -Infinity
    if (options.restored !== undefined) {
      const saved = options.restored as { watermark: number | null; states: Array<[K, S]>; eventTimers: Array<Timer<K>>; processingTimers: Array<Timer<K>> }
      watermark = saved.watermark ?? -Infinity
      for (const [key, state] of saved.states) states.set(key, state)
      eventTimers = saved.eventTimers
      processingTimers = saved.processingTimers
    }
    const insert = (timers: Array<Timer<K>>, timer: Timer<K>): void => {
      if (!Number.isFinite(timer.at)) throw kooberError('KOOBER_INVALID_ARGUMENT', `a timer needs a finite time, got ${timer.at}`)
      if (timers.some((t) => t.at === timer.at && t.key === timer.key)) return
      let i = timers.length
      while (i > 0 && timers[i - 1]!.at > timer.at) i--
      timers.splice(i, 0, timer)
    }
    const contextFor = (key: K, out: Element<Out>[]): ProcessContext<K, S, Out> => ({
      key,
      get state() {
        return states.get(key)
      },
      set state(value: S | undefined) {
        if (value === undefined) states.delete(key)
        else states.set(key, value)
      },
      watermark,
      emit: (value, time) => void out.push({ kind: 'record', value, time }),
      eventTimer: (at) => insert(eventTimers, { at, key }),
      processingTimer: (at) => insert(processingTimers, { at, key }),
    })
    const fireDue = (timers: Array<Timer<K>>, upTo: number, domain: 'event' | 'processing', out: Element<Out>[]): void => {
      // A timer may set another that is due at once: loop until none is.
      while (timers.length > 0 && timers[0]!.at <= upTo) {
        const timer = timers.shift()!
        options.onTimer?.(timer.at, domain, contextFor(timer.key, out))
      }
    }
    return {
      push(chunk, out) {
        for (const element of chunk) {
          switch (element.kind) {
            case 'record':
              options.onRecord(element.value, element.time, contextFor(options.key(element.value), out))
              break
            case 'watermark':
              if (element.time > watermark) {
                fireDue(eventTimers, element.time, 'event', out)
                watermark = element.time
                out.push(element)
              }
              break
            case 'tick':
              fireDue(processingTimers, element.now, 'processing', out)
              out.push(element)
              break
            case 'barrier':
              if (options.name !== undefined) {
                element.checkpoint.states[options.name] = snapshotOf({ watermark: Number.isFinite(watermark) ? watermark : null, states: [...states], eventTimers, processingTimers })
              }
              out.push(element)
              break
            default:
              out.push(element)
          }
        }
        return false
      },
    }
  })
}
