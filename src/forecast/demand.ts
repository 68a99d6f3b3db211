import { kooberError } from '../errors.js'
import type { Places } from './places.js'
import { SLOT_MS, type Pickup } from './types.js'

/**
 * Demand: pickups per (place, half-hour slot) over a time range, every slot
 * included, the empty ones as 0. (The original engine only saw slots that
 * had pickups, so it never learned that a place can be quiet.)
 *
 * @example
 * ```ts
 * const demand = countDemand(pickups, places, { from: Date.parse('2014-04-01T04:00:00Z'), until: Date.parse('2014-04-17T04:00:00Z') })
 * demandAt(demand, 3, demand.fromSlot + 17) // pickups in place 3 in the 18th half hour
 * ```
 */
export interface DemandSeries {
  places: number
  /** The first slot (slot s starts at s × SLOT_MS, UTC). */
  fromSlot: number
  /** How many slots: the series covers fromSlot … fromSlot + slots − 1. */
  slots: number
  /** Place-major: the count of place p in slot fromSlot + i is counts[p * slots + i]. */
  counts: Float64Array
}

/** A time range [from, until) in epoch ms, both on slot boundaries. */
export interface TimeRange {
  from: number
  until: number
}

/**
 * Counts the pickups in [from, until) per place and slot; pickups outside
 * the range are left out (`outside` says how many).
 */
export function countDemand(pickups: readonly Pickup[], places: Places, range: TimeRange): DemandSeries & { outside: number } {
  const { fromSlot, slots } = slotsOf(range)
  const counts = new Float64Array(places.count * slots)
  let outside = 0
  for (const pickup of pickups) {
    const i = Math.floor(pickup.time / SLOT_MS) - fromSlot
    if (i < 0 || i >= slots) {
      outside++
      continue
    }
    counts[places.placeOf(pickup.lat, pickup.lng) * slots + i]!++
  }
  return { places: places.count, fromSlot, slots, counts, outside }
}

/** The count of a place in a slot (absolute slot number); a slot outside the series is an error, never a silent 0. */
export function demandAt(series: DemandSeries, place: number, slot: number): number {
  const i = slot - series.fromSlot
  if (i < 0 || i >= series.slots || place < 0 || place >= series.places) {
    throw kooberError('KOOBER_INVALID_ARGUMENT', `no demand for place ${place} in slot ${slot}: the series holds places 0–${series.places - 1}, slots ${series.fromSlot}–${series.fromSlot + series.slots - 1}`)
  }
  return series.counts[place * series.slots + i]!
}

/** Joins two series of the same places that follow each other (the second starts where the first ends). */
export function concatDemand(first: DemandSeries, second: DemandSeries): DemandSeries {
  if (first.places !== second.places) throw kooberError('KOOBER_INVALID_ARGUMENT', `cannot join demand of ${first.places} and ${second.places} places`)
  if (second.fromSlot !== first.fromSlot + first.slots) {
    throw kooberError('KOOBER_INVALID_ARGUMENT', `cannot join demand series that do not follow each other (slot ${first.fromSlot + first.slots} then ${second.fromSlot})`)
  }
  const slots = first.slots + second.slots
  const counts = new Float64Array(first.places * slots)
  for (let p = 0; p < first.places; p++) {
    counts.set(first.counts.subarray(p * first.slots, (p + 1) * first.slots), p * slots)
    counts.set(second.counts.subarray(p * second.slots, (p + 1) * second.slots), p * slots + first.slots)
  }
  return { places: first.places, fromSlot: first.fromSlot, slots, counts }
}

/** The slots fromSlot … untilSlot − 1 of a series, a copy; they must lie inside it. */
export function sliceDemand(series: DemandSeries, fromSlot: number, untilSlot: number): DemandSeries {
  const first = fromSlot - series.fromSlot
  const slots = untilSlot - fromSlot
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(slots) || first < 0 || slots <= 0 || first + slots > series.slots) {
    throw kooberError('KOOBER_INVALID_ARGUMENT', `cannot take slots ${fromSlot}–${untilSlot - 1} of a series that holds slots ${series.fromSlot}–${series.fromSlot + series.slots - 1}`)
  }
  const counts = new Float64Array(series.places * slots)
  for (let p = 0; p < series.places; p++) counts.set(series.counts.subarray(p * series.slots + first, p * series.slots + first + slots), p * slots)
  return { places: series.places, fromSlot, slots, counts }
}

/** The slots of a range; it must start and end on slot boundaries and hold at least one. */
export function slotsOf(range: TimeRange): { fromSlot: number; slots: number } {
  const { from, until } = range
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(until) || from % SLOT_MS !== 0 || until % SLOT_MS !== 0) {
    throw kooberError('KOOBER_INVALID_ARGUMENT', `a demand range must start and end on half-hour boundaries (epoch ms), got ${from} … ${until}`)
  }
  if (until <= from) throw kooberError('KOOBER_INVALID_ARGUMENT', `an empty demand range: ${new Date(from).toISOString()} … ${new Date(until).toISOString()}`)
  return { fromSlot: from / SLOT_MS, slots: (until - from) / SLOT_MS }
}
