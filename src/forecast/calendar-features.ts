import { kooberError } from '../errors.js'
import type { SlotCalendar } from './calendar.js'
import type { DemandSeries } from './demand.js'
import { CALENDAR_COLUMNS, calendarValues, isWeekend, MatrixWriter, SLOTS_PER_DAY, SLOTS_PER_WEEK, type FeatureRows } from './features.js'
import { SLOT_MS } from './types.js'
import { WEATHER_COLUMNS, weatherValues, type WeatherIndex } from './weather-index.js'

/**
 * Features for the `calendar` question: the demand of each place at any
 * time, from the calendar, that time's weather and what the training period
 * taught about each place, and nothing else (the dashboard's what-if).
 *
 * The place columns are means over the training period, keyed by the local
 * calendar: `historical_average` (same place, same slot of the week), the
 * place's mean at that slot of day (all days, and days of the same kind:
 * weekday or weekend), its overall mean, the city's mean at that slot of
 * the week, and `expected`: the place's share of the city at that time of
 * day times the city's mean, a steadier estimate than one place's few weeks.
 *
 * A row inside the training period takes its means from the other weeks of
 * the training period (weeks counted from its first day), as a test row
 * takes them from weeks it is not in. Had they held its own count, a model
 * would trust `historical_average` far more than it deserves; had they left
 * out only its own count, a tree could read its target back from them (the
 * place's mean, a fixed sum less its own count, would rank the rows of a
 * place by their targets).
 *
 * @example
 * ```ts
 * const rows = calendarFeatures({ training, fromSlot, untilSlot, calendar: slotCalendar('America/New_York'), weather })
 * column(rows.features, 'historical_average') // same place, same slot of week, over the training weeks
 * ```
 */
export interface CalendarFeatureInput {
  /** The training period's demand: every mean is learned from it alone. */
  training: DemandSeries
  /** The rows: slots fromSlot … untilSlot − 1, every place, anywhere in time. */
  fromSlot: number
  untilSlot: number
  calendar: SlotCalendar
  /** Without it the weather columns are left out. */
  weather?: WeatherIndex
  /** Where the rows' actual demand comes from (the training series is used where it covers them); elsewhere targets are NaN. */
  actual?: DemandSeries
}

export const CALENDAR_PLACE_COLUMNS = [
  'historical_average',
  'weeks_in_training',
  'place_mean',
  'place_slot_of_day_mean',
  'place_day_kind_mean',
  'city_slot_of_week_mean',
  'city_day_kind_mean',
  'place_share',
  'expected',
  'expected_day_kind',
] as const

export function calendarFeatureColumns(withWeather: boolean): string[] {
  return [...CALENDAR_PLACE_COLUMNS, ...CALENDAR_COLUMNS, ...(withWeather ? WEATHER_COLUMNS : [])]
}

export function calendarFeatures(input: CalendarFeatureInput): FeatureRows {
  const { training, fromSlot, untilSlot, calendar, weather, actual } = input
  if (!Number.isSafeInteger(fromSlot) || !Number.isSafeInteger(untilSlot) || untilSlot <= fromSlot) {
    throw kooberError('KOOBER_INVALID_ARGUMENT', `calendar features need slots from < until, got ${fromSlot} … ${untilSlot}`)
  }
  const everything = learn(training, calendar)
  const otherWeeks = new Map<number, Means>()
  const meansFor = (t: number): Means => {
    if (t < 0 || t >= training.slots) return everything
    const week = Math.floor(t / SLOTS_PER_WEEK)
    let means = otherWeeks.get(week)
    if (means === undefined) {
      if (training.slots <= SLOTS_PER_WEEK) {
        throw kooberError('KOOBER_FORECAST_NO_DATA', `calendar features for the training period learn each of its weeks from the others: it needs more than ${SLOTS_PER_WEEK / SLOTS_PER_DAY} days`)
      }
      means = learn(training, calendar, { from: week * SLOTS_PER_WEEK, until: (week + 1) * SLOTS_PER_WEEK })
      otherWeeks.set(week, means)
    }
    return means
  }
  const { places } = training
  const columns = calendarFeatureColumns(weather !== undefined)
  const writer = new MatrixWriter(columns, (untilSlot - fromSlot) * places)
  const targets = new Float64Array(writer.rows)
  const rowPlaces = new Int32Array(writer.rows)
  const rowSlots = new Int32Array(writer.rows)
  let row = 0
  for (let slot = fromSlot; slot < untilSlot; slot++) {
    const local = calendar(slot)
    const week = weekKey(local.dayOfWeek, local.slotOfDay)
    const kind = dayKindKey(isWeekend(local), local.slotOfDay)
    const calendarPart = calendarValues(local)
    const weatherPart = weather ? weatherValues(weather.at(slot * SLOT_MS)) : []
    const m = meansFor(slot - training.fromSlot)
    const weekSamples = m.weekCount[week]!
    const slotOfDaySamples = m.slotOfDayCount[local.slotOfDay]!
    const kindSamples = m.kindCount[kind]!
    const citySlotOfWeek = weekSamples > 0 ? m.cityWeekSum[week]! / weekSamples : 0
    const cityKindMean = kindSamples > 0 ? m.cityKindSum[kind]! / kindSamples : 0
    const cityWindow = m.cityShareSum[kind]!
    const series = actual && slot - actual.fromSlot >= 0 && slot - actual.fromSlot < actual.slots ? actual : slot - training.fromSlot >= 0 && slot - training.fromSlot < training.slots ? training : undefined
    for (let p = 0; p < places; p++) {
      const placeMean = m.sampledSlots > 0 ? m.total[p]! / m.sampledSlots : 0
      const slotOfDayMean = slotOfDaySamples > 0 ? m.slotOfDaySum[p * SLOTS_PER_DAY + local.slotOfDay]! / slotOfDaySamples : placeMean
      const kindMean = kindSamples > 0 ? m.kindSum[p * 2 * SLOTS_PER_DAY + kind]! / kindSamples : slotOfDayMean
      const historicalAverage = weekSamples > 0 ? m.weekSum[p * SLOTS_PER_WEEK + week]! / weekSamples : kindMean
      const share = cityWindow > 0 ? m.shareSum[p * 2 * SLOTS_PER_DAY + kind]! / cityWindow : 0
      writer.push(
        historicalAverage,
        weekSamples,
        placeMean,
        slotOfDayMean,
        kindMean,
        citySlotOfWeek,
        cityKindMean,
        share,
        share * citySlotOfWeek,
        share * cityKindMean,
        ...calendarPart,
        ...weatherPart,
      )
      targets[row] = series ? series.counts[p * series.slots + slot - series.fromSlot]! : Number.NaN
      rowPlaces[row] = p
      rowSlots[row] = slot
      row++
    }
  }
  return { features: writer.finish(), targets, places: rowPlaces, slots: rowSlots }
}

/** Half hours either side pooled into a place's share. */
const SHARE_WINDOW = 1

const weekKey = (dayOfWeek: number, slotOfDay: number): number => dayOfWeek * SLOTS_PER_DAY + slotOfDay
const dayKindKey = (weekend: boolean, slotOfDay: number): number => (weekend ? SLOTS_PER_DAY : 0) + slotOfDay

/** Sums and sample counts of training demand by local slot of week, slot of day and kind of day, per place and for the city. */
interface Means {
  weekSum: Float64Array
  slotOfDaySum: Float64Array
  kindSum: Float64Array
  total: Float64Array
  weekCount: Float64Array
  slotOfDayCount: Float64Array
  kindCount: Float64Array
  sampledSlots: number
  cityWeekSum: Float64Array
  cityKindSum: Float64Array
  shareSum: Float64Array
  cityShareSum: Float64Array
}

/** The sums of the training demand, leaving out the slots in `skip` when given. */
function learn(training: DemandSeries, calendar: SlotCalendar, skip?: { from: number; until: number }): Means {
  const { places, slots, counts } = training
  const weekSum = new Float64Array(places * SLOTS_PER_WEEK)
  const slotOfDaySum = new Float64Array(places * SLOTS_PER_DAY)
  const kindSum = new Float64Array(places * 2 * SLOTS_PER_DAY)
  const total = new Float64Array(places)
  const weekCount = new Float64Array(SLOTS_PER_WEEK)
  const slotOfDayCount = new Float64Array(SLOTS_PER_DAY)
  const kindCount = new Float64Array(2 * SLOTS_PER_DAY)
  const cityWeekSum = new Float64Array(SLOTS_PER_WEEK)
  const cityKindSum = new Float64Array(2 * SLOTS_PER_DAY)
  const used: number[] = []
  for (let t = 0; t < slots; t++) if (!skip || t < skip.from || t >= skip.until) used.push(t)
  const weekOf = new Int32Array(slots)
  const kindOf = new Int32Array(slots)
  const slotOfDayOf = new Int32Array(slots)
  for (const t of used) {
    const local = calendar(training.fromSlot + t)
    weekOf[t] = weekKey(local.dayOfWeek, local.slotOfDay)
    kindOf[t] = dayKindKey(isWeekend(local), local.slotOfDay)
    slotOfDayOf[t] = local.slotOfDay
    weekCount[weekOf[t]!]!++
    slotOfDayCount[local.slotOfDay]!++
    kindCount[kindOf[t]!]!++
  }
  for (let p = 0; p < places; p++) {
    for (const t of used) {
      const x = counts[p * slots + t]!
      weekSum[p * SLOTS_PER_WEEK + weekOf[t]!]! += x
      slotOfDaySum[p * SLOTS_PER_DAY + slotOfDayOf[t]!]! += x
      kindSum[p * 2 * SLOTS_PER_DAY + kindOf[t]!]! += x
      total[p]! += x
      cityWeekSum[weekOf[t]!]! += x
      cityKindSum[kindOf[t]!]! += x
    }
  }
  // A place's share of the city at a time of day, pooled over the half hours either side: three times the data, a steadier share.
  const shareSum = new Float64Array(places * 2 * SLOTS_PER_DAY)
  const cityShareSum = new Float64Array(2 * SLOTS_PER_DAY)
  for (let key = 0; key < 2 * SLOTS_PER_DAY; key++) {
    const slotOfDay = key % SLOTS_PER_DAY
    for (let near = Math.max(0, slotOfDay - SHARE_WINDOW); near <= Math.min(SLOTS_PER_DAY - 1, slotOfDay + SHARE_WINDOW); near++) {
      const other = key - slotOfDay + near
      cityShareSum[key]! += cityKindSum[other]!
      for (let p = 0; p < places; p++) shareSum[p * 2 * SLOTS_PER_DAY + key]! += kindSum[p * 2 * SLOTS_PER_DAY + other]!
    }
  }
  return { weekSum, slotOfDaySum, kindSum, total, weekCount, slotOfDayCount, kindCount, sampledSlots: used.length, cityWeekSum, cityKindSum, shareSum, cityShareSum }
}
