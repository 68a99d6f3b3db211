import { kooberError } from '../errors.js'
import { Flow, type Transformer } from '../streams/index.js'
import { END_OF_TIME, type Element } from './elements.js'

/** Marks the passing of processing time in a source (merge a `Source.tick` of it): idleness and early firings need a clock. */
export const TICK: unique symbol = Symbol('tick')
export type Tick = typeof TICK

export interface WatermarkOptions<T> {
  /** The event time of a value (epoch ms). */
  time: (value: T) => number
  /** How late a record may come, behind the latest time seen in its partition (ms). */
  maxOutOfOrdernessMs: number
  /** The source partition of a value (a log partition): each holds the watermark back on its own. Default: one partition. */
  partition?: (value: T) => string | number
  /** A partition that sent nothing for this long (processing time) stops holding the watermark back (default: never). */
  idleTimeoutMs?: number
  /** When the input ends: `flush` (a bounded input: every window fires) or `hold` (default `flush`). */
  atEnd?: 'flush' | 'hold'
  /** Processing time (default Date.now), for tests. */
  now?: () => number
}

/**
 * Event time for a stream: each value becomes a record with its time, and
 * watermarks follow with bounded out-of-orderness, per source partition:
 * a partition's watermark is the latest time it has shown minus
 * `maxOutOfOrdernessMs`, and the stream's is the least of the partitions'
 * (so a slow partition holds it back, as in Flink). A partition silent for
 * `idleTimeoutMs` no longer counts until it speaks again. A watermark is
 * emitted after the chunk that moved it, and only ever rises.
 *
 * Demand: one output chunk per input chunk (records, then a watermark when
 * it moved). Completion: with `atEnd: 'flush'` a last watermark at the end
 * of time, so every window fires.
 *
 * @example
 * ```ts
 * source.merge(Source.tick(1000, TICK)).via(withWatermarks({ time: (r) => r.time, maxOutOfOrdernessMs: 5000, idleTimeoutMs: 30_000 }))
 * ```
 */
export function withWatermarks<T>(options: WatermarkOptions<T>): Flow<T | Tick, Element<T>> {
  const { time, maxOutOfOrdernessMs, partition, idleTimeoutMs } = options
  if (!(maxOutOfOrdernessMs >= 0)) throw kooberError('KOOBER_INVALID_ARGUMENT', `maxOutOfOrdernessMs must be >= 0, got ${maxOutOfOrdernessMs}`)
  if (idleTimeoutMs !== undefined && !(idleTimeoutMs > 0)) throw kooberError('KOOBER_INVALID_ARGUMENT', `idleTimeoutMs must be > 0, got ${idleTimeoutMs}`)
  const now = options.now ?? Date.now
  return Flow.fromTransformer((): Transformer<T | Tick, Element<T>> => {
    const partitions = new Map<string | number, { latest: number; seenAt: number }>()
    let current = -Infinity
    const advance = (out: Element<T>[], at: number): void => {
      let least = Infinity
      for (const p of partitions.values()) {
        if (idleTimeoutMs !== undefined && at - p.seenAt > idleTimeoutMs) continue
        if (p.latest < least) least = p.latest
      }
      if (least === Infinity) return
      const next = least - maxOutOfOrdernessMs
      if (next > current) {
        current = next
        out.push({ kind: 'watermark', time: next })
      }
    }
    return {
      push(chunk, out) {
        const at = now()
        let ticked = false
        for (const value of chunk) {
          if (value === TICK) {
            ticked = true
            continue
          }
          const t = time(value as T)
          if (!Number.isFinite(t)) throw kooberError('KOOBER_INVALID_ARGUMENT', `an event time must be a finite number, got ${t}`)
          const key = partition ? partition(value as T) : 0
          const p = partitions.get(key)
          if (!p) partitions.set(key, { latest: t, seenAt: at })
          else {
            if (t > p.latest) p.latest = t
            p.seenAt = at
          }
          out.push({ kind: 'record', value: value as T, time: t })
        }
        advance(out, at)
        if (ticked) out.push({ kind: 'tick', now: at })
        return false
      },
      flush(out) {
        if ((options.atEnd ?? 'flush') === 'flush' && current < END_OF_TIME) out.push({ kind: 'watermark', time: END_OF_TIME })
      },
    }
  })
}
