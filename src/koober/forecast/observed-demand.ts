import { kooberError } from '../../errors.js'
import { concatDemand, sliceDemand, type DemandSeries } from '../../forecast/demand.js'
import type { Places } from '../../forecast/places.js'
import { SLOT_MS } from '../../forecast/types.js'
import type { Store } from '../../store/index.js'
import { pickupPages } from './pickup-tables.js'

export interface ObservedDemandOptions {
  /** The clock (epoch ms). */
  now: () => number
  /** How long the counts of slots that may still change are reused before they are read again (default 30 s). */
  ttlMs?: number
  /** How long after its slot is over a pickup may still land in the table (ingestion lag; default 10 min). */
  lateMs?: number
  /** The most slots kept (default 37 days' worth). */
  maxSlots?: number
}

const DEFAULT_MAX_SLOTS = (37 * 86_400_000) / SLOT_MS

/**
 * What the places saw, slot by slot, counted from the pickups table and
 * kept, so that a forecaster asked every minute for the next half hour (which
 * reads three weeks back) reads only the pickups it has not counted yet.
 *
 * It keeps one run of slots. A request that overlaps or touches it reads
 * only the slots it lacks, plus the newest slots that may still change:
 * those that ended less than `lateMs` before they were last read, read again
 * once `ttlMs` has passed. A request away from it starts a new run. Pickups
 * written into a slot after that (an import into the past) are seen when a
 * new run starts: when the forecaster loads a newer version, or is asked far
 * from what it holds. Requests are served one at a time.
 *
 * @example
 * ```ts
 * const observed = new ObservedDemand(store, version.places, { now: Date.now })
 * const recent = await observed.get(slot - 22 * 48, slot) // every place, the 22 days before `slot`
 * ```
 */
export class ObservedDemand {
  private run: DemandSeries | undefined
  /** Slots before this one are final; from it on they may still change. */
  private settledUntil = -Infinity
  private readAt = -Infinity
  private queue: Promise<unknown> = Promise.resolve()
  private readonly ttlMs: number
  private readonly lateMs: number
  private readonly maxSlots: number

  constructor(
    private readonly store: Store,
    private readonly places: Places,
    private readonly options: ObservedDemandOptions,
  ) {
    this.ttlMs = options.ttlMs ?? 30_000
    this.lateMs = options.lateMs ?? 10 * 60_000
    this.maxSlots = options.maxSlots ?? DEFAULT_MAX_SLOTS
  }

  /** The demand of every place in slots fromSlot … untilSlot − 1 (absolute slot numbers). */
  get(fromSlot: number, untilSlot: number): Promise<DemandSeries> {
    if (!Number.isSafeInteger(fromSlot) || !Number.isSafeInteger(untilSlot) || untilSlot <= fromSlot) {
      return Promise.reject(kooberError('KOOBER_INVALID_ARGUMENT', `observed demand needs slots from < until, got ${fromSlot} … ${untilSlot}`))
    }
    const answer = this.queue.then(() => this.serve(fromSlot, untilSlot))
    this.queue = answer.catch(() => undefined)
    return answer
  }

  private async serve(fromSlot: number, untilSlot: number): Promise<DemandSeries> {
    const now = this.options.now()
    const run = this.joinable(fromSlot, untilSlot)
    if (!run) {
      const counted = await this.count(fromSlot, untilSlot)
      if (untilSlot - fromSlot <= this.maxSlots) this.keep(counted, now, fromSlot)
      return counted
    }
    const runUntil = run.fromSlot + run.slots
    let merged = fromSlot < run.fromSlot ? concatDemand(await this.count(fromSlot, run.fromSlot), run) : run
    const unsettled = Math.max(merged.fromSlot, Math.min(this.settledUntil, runUntil))
    const stale = now - this.readAt >= this.ttlMs && untilSlot > unsettled
    if (untilSlot > runUntil || stale) {
      const tail = await this.count(unsettled, Math.max(untilSlot, runUntil))
      merged = unsettled > merged.fromSlot ? concatDemand(sliceDemand(merged, merged.fromSlot, unsettled), tail) : tail
      this.keep(merged, now, unsettled)
    } else this.run = merged
    return sliceDemand(merged, fromSlot, untilSlot)
  }

  /**
   * The run, trimmed to what may join the request within maxSlots (the
   * newest slots kept first), or undefined when the request lies away from
   * it and starts a new run.
   */
  private joinable(fromSlot: number, untilSlot: number): DemandSeries | undefined {
    const run = this.run
    if (!run || untilSlot < run.fromSlot || fromSlot > run.fromSlot + run.slots) return undefined
    const runUntil = run.fromSlot + run.slots
    const windowFrom = Math.max(untilSlot, runUntil) - this.maxSlots
    if (windowFrom > fromSlot || windowFrom >= runUntil) return undefined
    return windowFrom > run.fromSlot ? sliceDemand(run, windowFrom, runUntil) : run
  }

  /** Keeps a run whose slots from `readFrom` on were just read, at `now`: those that ended `lateMs` before now are final. */
  private keep(run: DemandSeries, now: number, readFrom: number): void {
    this.run = run
    this.readAt = now
    this.settledUntil = Math.max(readFrom, Math.min(run.fromSlot + run.slots, Math.floor((now - this.lateMs) / SLOT_MS)))
  }

  /** Counts the pickups of slots fromSlot … untilSlot − 1 from the table, a page at a time. */
  private async count(fromSlot: number, untilSlot: number): Promise<DemandSeries> {
    const slots = untilSlot - fromSlot
    const counts = new Float64Array(this.places.count * slots)
    for await (const page of pickupPages(this.store, fromSlot * SLOT_MS, untilSlot * SLOT_MS)) {
      for (const pickup of page) counts[this.places.placeOf(pickup.lat, pickup.lng) * slots + Math.floor(pickup.time / SLOT_MS) - fromSlot]!++
    }
    return { places: this.places.count, fromSlot, slots, counts }
  }
}
