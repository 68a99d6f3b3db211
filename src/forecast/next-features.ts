import { kooberError } from '../errors.js'
import type { SlotCalendar } from './calendar.js'
import type { DemandSeries } from './demand.js'
import { CALENDAR_COLUMNS, calendarValues, MatrixWriter, SLOTS_PER_DAY, SLOTS_PER_WEEK, type FeatureRows } from './features.js'
import { SLOT_MS } from './types.js'
import { WEATHER_COLUMNS, weatherValues, type WeatherIndex } from './weather-index.js'

/**
 * Features for the `next` question: the demand of each place in a slot,
 * from everything observed before the slot and nothing at or after it.
 *
 * Every value of row (place, s) reads the series at slots before s only:
 * the recent slots (`lag_1` = s − 1, ...), the same slot yesterday and last
 * week (exactly 48 and 336 slots back), `historical_average` (the mean of
 * s − 336, s − 672, ... that the series holds), the place's means so far,
 * the city's recent level against its usual level, the calendar of s (known
 * in advance), and the weather of the last hour over before s.
 *
 * Early in a series some history is missing (no last week during the first
 * week): `same_slot_last_week` and `historical_average` then fall back to
 * the place's mean at that slot of day so far, and `weeks_of_history` says
 * how many weeks there were, so a model can tell.
 *
 * @example
 * ```ts
 * const rows = nextFeatures({ demand, fromSlot: testFrom / SLOT_MS, untilSlot: testUntil / SLOT_MS, calendar: slotCalendar('America/New_York') })
 * column(rows.features, 'lag_1') // demand of each row's place in the slot before
 * ```
 */
export interface NextFeatureInput {
  /** Everything observed, from its first slot; rows need one day of it before them. */
  demand: DemandSeries
  /** The rows: slots fromSlot … untilSlot − 1, every place. untilSlot may be one past the series: the slot after the last observed one. */
  fromSlot: number
  untilSlot: number
  calendar: SlotCalendar
  /** Without it the weather columns are left out. */
  weather?: WeatherIndex
}

const LAGS = 4
/** How many recent slots measure the city's level against its usual one. */
const LEVEL_SLOTS = 4

export const NEXT_HISTORY_COLUMNS = [
  'lag_1',
  'lag_2',
  'lag_3',
  'lag_4',
  'lag_mean_4',
  'same_slot_yesterday',
  'next_slot_yesterday',
  'same_slot_last_week',
  'next_slot_last_week',
  'historical_average',
  'weeks_of_history',
  'place_mean',
  'place_slot_of_day_mean',
  'city_lag_1',
  'city_level',
  'scaled_historical_average',
  'expected',
] as const

export function nextFeatureColumns(withWeather: boolean): string[] {
  return [...NEXT_HISTORY_COLUMNS, ...CALENDAR_COLUMNS, ...(withWeather ? WEATHER_COLUMNS : [])]
}

export function nextFeatures(input: NextFeatureInput): FeatureRows {
  const { demand, fromSlot, untilSlot, calendar, weather } = input
  const { places, slots: length, counts } = demand
  const first = fromSlot - demand.fromSlot
  const end = untilSlot - demand.fromSlot
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(end) || end <= first) {
    throw kooberError('KOOBER_INVALID_ARGUMENT', `next features need slots from < until, got ${fromSlot} … ${untilSlot}`)
  }
  if (first < SLOTS_PER_DAY) {
    throw kooberError('KOOBER_FORECAST_NO_DATA', `next features need a day of observed demand before their first slot; the series starts ${first} slots before it`)
  }
  if (end > length + 1) throw kooberError('KOOBER_FORECAST_NO_DATA', `next features reach ${end - length - 1} slots past the observed demand (at most the one slot after it)`)

  const history = summarize(demand, end)
  const columns = nextFeatureColumns(weather !== undefined)
  const writer = new MatrixWriter(columns, (end - first) * places)
  const targets = new Float64Array(writer.rows)
  const rowPlaces = new Int32Array(writer.rows)
  const rowSlots = new Int32Array(writer.rows)
  let row = 0
  for (let i = first; i < end; i++) {
    const slot = demand.fromSlot + i
    const calendarPart = calendarValues(calendar(slot))
    const weatherPart = weather ? weatherValues(weather.observedBefore(slot * SLOT_MS)) : []
    const { city, cityUsual } = history
    let recent = 0
    let usual = 0
    for (let j = 1; j <= LEVEL_SLOTS && i - j >= 0; j++) {
      recent += city[i - j]!
      usual += cityUsual[i - j]!
    }
    const level = usual > 0 ? recent / usual : 1
    for (let p = 0; p < places; p++) {
      const x = counts.subarray(p * length, (p + 1) * length)
      const at = p * end + i
      const slotOfDayMean = history.slotOfDaySum[at]! / history.slotOfDayCount[i]!
      const weeks = history.weekCount[i]!
      const historicalAverage = weeks > 0 ? history.weekSum[at]! / weeks : slotOfDayMean
      const lags = [x[i - 1]!, x[i - 2]!, x[i - 3]!, x[i - 4]!]
      const share = history.citySlotOfDaySum[i]! > 0 ? history.slotOfDaySum[at]! / history.citySlotOfDaySum[i]! : 0
      writer.push(
        ...lags,
        (lags[0]! + lags[1]! + lags[2]! + lags[3]!) / LAGS,
        x[i - SLOTS_PER_DAY]!,
        x[i - SLOTS_PER_DAY + 1]!,
        i >= SLOTS_PER_WEEK ? x[i - SLOTS_PER_WEEK]! : slotOfDayMean,
        i >= SLOTS_PER_WEEK - 1 ? x[i - SLOTS_PER_WEEK + 1]! : slotOfDayMean,
        historicalAverage,
        weeks,
        history.sum[at]! / i,
        slotOfDayMean,
        city[i - 1]!,
        level,
        historicalAverage * level,
        share * cityUsual[i]! * level,
        ...calendarPart,
        ...weatherPart,
      )
      targets[row] = i < length ? x[i]! : Number.NaN
      rowPlaces[row] = p
      rowSlots[row] = slot
      row++
    }
  }
  return { features: writer.finish(), targets, places: rowPlaces, slots: rowSlots }
}

/**
 * Running sums over the past of every slot i < end, each from slots before
 * i only: what was seen so far, at the same slot of earlier days, and at
 * the same slot of earlier weeks; per place and for the whole city.
 */
function summarize(demand: DemandSeries, end: number) {
  const { places, slots: length, counts } = demand
  const sum = new Float64Array(places * end)
  const slotOfDaySum = new Float64Array(places * end)
  const weekSum = new Float64Array(places * end)
  const slotOfDayCount = new Float64Array(end)
  const weekCount = new Float64Array(end)
  const city = new Float64Array(end)
  const citySlotOfDaySum = new Float64Array(end)
  const cityWeekSum = new Float64Array(end)
  for (let i = 0; i < end; i++) {
    if (i >= SLOTS_PER_DAY) slotOfDayCount[i] = slotOfDayCount[i - SLOTS_PER_DAY]! + 1
    if (i >= SLOTS_PER_WEEK) weekCount[i] = weekCount[i - SLOTS_PER_WEEK]! + 1
  }
  for (let p = 0; p < places; p++) {
    const x = counts.subarray(p * length, (p + 1) * length)
    const base = p * end
    for (let i = 0; i < end; i++) {
      if (i < length) city[i]! += x[i]!
      if (i > 0) sum[base + i] = sum[base + i - 1]! + x[i - 1]!
      if (i >= SLOTS_PER_DAY) slotOfDaySum[base + i] = slotOfDaySum[base + i - SLOTS_PER_DAY]! + x[i - SLOTS_PER_DAY]!
      if (i >= SLOTS_PER_WEEK) weekSum[base + i] = weekSum[base + i - SLOTS_PER_WEEK]! + x[i - SLOTS_PER_WEEK]!
    }
  }
  for (let i = 0; i < end; i++) {
    if (i >= SLOTS_PER_DAY) citySlotOfDaySum[i] = citySlotOfDaySum[i - SLOTS_PER_DAY]! + city[i - SLOTS_PER_DAY]!
    if (i >= SLOTS_PER_WEEK) cityWeekSum[i] = cityWeekSum[i - SLOTS_PER_WEEK]! + city[i - SLOTS_PER_WEEK]!
  }
  // The city's usual demand in a slot, from earlier weeks when there were any, else earlier days.
  const cityUsual = new Float64Array(end)
  for (let i = 0; i < end; i++) {
    if (weekCount[i]! > 0) cityUsual[i] = cityWeekSum[i]! / weekCount[i]!
    else if (slotOfDayCount[i]! > 0) cityUsual[i] = citySlotOfDaySum[i]! / slotOfDayCount[i]!
  }
  return { sum, slotOfDaySum, weekSum, slotOfDayCount, weekCount, city, citySlotOfDaySum, cityUsual }
}
