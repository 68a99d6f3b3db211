import { kooberError } from '../errors.js'
import { Flow, type Transformer } from '../streams/index.js'
import { END_OF_TIME, type Checkpoint, type Element } from './elements.js'

/** Marks the passing of processing time in a source (merge a `Source.tick` of it): idleness and early firings need a clock. */
export const TICK: unique symbol = Symbol('tick')
export type Tick = typeof TICK

/** A checkpoint barrier as the source puts it in the stream, before event time is assigned. */
export type Barrier = { kind: 'barrier'; checkpoint: Checkpoint }
const BARRIER_TAG: unique symbol = Symbol('barrier')
/** Makes a barrier the watermark operator recognizes among the source's values (whatever their shape). */
export const barrier = (checkpoint: Checkpoint): Barrier => Object.assign({ kind: 'barrier' as const, checkpoint }, { [BARRIER_TAG]: true })
const isBarrier = (value: unknown): value is Barrier => typeof value === 'object' && value !== null && BARRIER_TAG in value

export interface WatermarkOptions<T> {
  /** The event time of a value (epoch ms). */
  time: (value: T) => number
  /** How late a record may come, behind the latest time seen in its partition (ms). */
  maxOutOfOrdernessMs: number
  /** The source partition of a value (a log partition): each holds the watermark back on its own. Default: one partition. */
  partition?: (value: T) => string | number
  /**
   * The partitions to wait for from the start: each holds the watermark back
   * until it speaks (or goes idle), so one read late does not find the
   * watermark already past its records. Without it, a partition counts from
   * its first record.
   */
  expectPartitions?: Array<string | number>
  /** A partition that sent nothing for this long (processing time) stops holding the watermark back (default: never). */
  idleTimeoutMs?: number
  /** When the input ends: `flush` (a bounded input: every window fires) or `hold` (default `flush`). */
  atEnd?: 'flush' | 'hold'
  /** Processing time (default Date.now), for tests. */
  now?: () => number
  /** The operator's name in checkpoints: with it, the watermark and each partition's latest time are saved at each barrier. */
  name?: string
  /** A saved state to start from, so a restored job's watermark does not go back. */
  restored?: unknown
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
export function withWatermarks<T>(options: WatermarkOptions<T>): Flow<T | Tick | Barrier, Element<T>> {
  const { time, maxOutOfOrdernessMs, partition, idleTimeoutMs } = options
  if (!(maxOutOfOrdernessMs >= 0)) throw kooberError('KOOBER_INVALID_ARGUMENT', `maxOutOfOrdernessMs must be >= 0, got ${maxOutOfOrdernessMs}`)
  if (idleTimeoutMs !== undefined && !(idleTimeoutMs > 0)) throw kooberError('KOOBER_INVALID_ARGUMENT', `idleTimeoutMs must be > 0, got ${idleTimeoutMs}`)
  const now = options.now ?? Date.now
  return Flow.fromTransformer((): Transformer<T | Tick | Barrier, Element<T>> => {
    const partitions = new Map<string | number, { latest: number; seenAt: number }>()
    let current = -Infinity
    if (options.restored !== undefined) {
      const saved = options.restored as { current: number | null; partitions: Array<[string | number, number]> }
      current = saved.current ?? -Infinity
      for (const [key, latest] of saved.partitions) partitions.set(key, { latest, seenAt: now() })
    }
    for (const key of options.expectPartitions ?? []) if (!partitions.has(key)) partitions.set(key, { latest: -Infinity, seenAt: now() })
    const advance = (out: Element<T>[], at: number): void => {
      let least = Infinity
      for (const p of partitions.values()) {
        if (idleTimeoutMs !== undefined && at - p.seenAt > idleTimeoutMs) continue
        if (p.latest < least) least = p.latest
      }
      if (least === Infinity || least === -Infinity) return
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
          if (isBarrier(value)) {
            // Records before it are out; the watermark they moved goes first, then the barrier with this operator's state.
            advance(out, at)
            if (options.name !== undefined) {
              const seen = [...partitions].filter(([, p]) => Number.isFinite(p.latest))
              value.checkpoint.states[options.name] = { current: Number.isFinite(current) ? current : null, partitions: seen.map(([key, p]) => [key, p.latest]) }
            }
            out.push(value)
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
