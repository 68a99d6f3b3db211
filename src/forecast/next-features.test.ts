import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { slotCalendar } from './calendar.js'
import { hoursOfDays, newYorkDayNumber, noWeatherFlags, type WeatherDay } from './data/index.js'
import type { DemandSeries } from './demand.js'
import { column, SLOTS_PER_DAY, SLOTS_PER_WEEK, type FeatureRows } from './features.js'
import { nextFeatures } from './next-features.js'
import { SLOT_MS, type WeatherHour } from './types.js'
import { weatherIndex } from './weather-index.js'

const calendar = slotCalendar('UTC')
/** 2014-04-01 00:00 UTC, as a slot number. */
const START = Date.UTC(2014, 3, 1) / SLOT_MS
const DAYS = 23
const LENGTH = DAYS * SLOTS_PER_DAY

/** A hand-made series of two places: counts that differ from slot to slot and place to place. */
function series(value: (place: number, i: number) => number = (p, i) => (i * 7 + p * 3) % 11): DemandSeries {
  const counts = new Float64Array(2 * LENGTH)
  for (let p = 0; p < 2; p++) for (let i = 0; i < LENGTH; i++) counts[p * LENGTH + i] = value(p, i)
  return { places: 2, fromSlot: START, slots: LENGTH, counts }
}

const x = (p: number, i: number): number => (i * 7 + p * 3) % 11
/** The row of (place, slot index) in rows built from `from` (slot-major, two places). */
const rowOf = (rows: FeatureRows, p: number, i: number): number => {
  const r = (START + i - rows.slots[0]!) * 2 + p
  assert.equal(rows.slots[r], START + i)
  assert.equal(rows.places[r], p)
  return r
}
const value = (rows: FeatureRows, name: string, p: number, i: number): number => column(rows.features, name)[rowOf(rows, p, i)]!

describe('next features', () => {
  const demand = series()
  const from = 2 * SLOTS_PER_WEEK + SLOTS_PER_DAY
  const rows = nextFeatures({ demand, fromSlot: START + from, untilSlot: START + LENGTH, calendar })

  it('one row per place and slot, with the demand that happened as target', () => {
    assert.equal(rows.features.rows, (LENGTH - from) * 2)
    for (const i of [from, from + 1, LENGTH - 1]) for (const p of [0, 1]) assert.equal(rows.targets[rowOf(rows, p, i)], x(p, i))
  })

  it('lag_k is the count k slots before; yesterday and last week are exactly 48 and 336 slots before', () => {
    for (const i of [from, from + 5, LENGTH - 1]) {
      for (const p of [0, 1]) {
        assert.equal(value(rows, 'lag_1', p, i), x(p, i - 1))
        assert.equal(value(rows, 'lag_2', p, i), x(p, i - 2))
        assert.equal(value(rows, 'lag_4', p, i), x(p, i - 4))
        assert.equal(value(rows, 'same_slot_yesterday', p, i), x(p, i - SLOTS_PER_DAY))
        assert.equal(value(rows, 'same_slot_last_week', p, i), x(p, i - SLOTS_PER_WEEK))
      }
    }
  })

  it('historical_average is the mean of the same slot in the weeks strictly before', () => {
    const i = from + 3 // in week 3: weeks 1 and 2 before it
    assert.equal(value(rows, 'historical_average', 1, i), (x(1, i - SLOTS_PER_WEEK) + x(1, i - 2 * SLOTS_PER_WEEK)) / 2)
    assert.equal(value(rows, 'weeks_of_history', 1, i), 2)
    const j = 3 * SLOTS_PER_WEEK + 10 // in week 4: three weeks before
    assert.equal(value(rows, 'historical_average', 0, j), (x(0, j - 336) + x(0, j - 672) + x(0, j - 1008)) / 3)
    assert.equal(value(rows, 'weeks_of_history', 0, j), 3)
  })

  it('place means are over the slots before only', () => {
    const i = from + 7
    let sum = 0
    for (let k = 0; k < i; k++) sum += x(1, k)
    assert.ok(Math.abs(value(rows, 'place_mean', 1, i) - sum / i) < 1e-12)
    let daily = 0
    for (let k = i - SLOTS_PER_DAY; k >= 0; k -= SLOTS_PER_DAY) daily += x(1, k)
    assert.ok(Math.abs(value(rows, 'place_slot_of_day_mean', 1, i) - daily / Math.floor(i / SLOTS_PER_DAY)) < 1e-12)
  })

  it('before a week of history, last week falls back on the daily mean and says so', () => {
    const early = nextFeatures({ demand, fromSlot: START + SLOTS_PER_DAY, untilSlot: START + 2 * SLOTS_PER_DAY, calendar })
    const i = SLOTS_PER_DAY + 4
    assert.equal(value(early, 'weeks_of_history', 0, i), 0)
    assert.equal(value(early, 'same_slot_last_week', 0, i), x(0, 4))
    assert.equal(value(early, 'historical_average', 0, i), x(0, 4))
  })

  it('reaches the slot after the last observed one, with no target', () => {
    const next = nextFeatures({ demand, fromSlot: START + LENGTH, untilSlot: START + LENGTH + 1, calendar })
    assert.equal(next.features.rows, 2)
    assert.ok(Number.isNaN(next.targets[0]!))
    assert.equal(column(next.features, 'lag_1')[1], x(1, LENGTH - 1))
    assert.throws(() => nextFeatures({ demand, fromSlot: START + LENGTH, untilSlot: START + LENGTH + 2, calendar }), { code: 'KOOBER_FORECAST_NO_DATA' })
  })

  it('refuses rows without a day of history', () => {
    assert.throws(() => nextFeatures({ demand, fromSlot: START + 10, untilSlot: START + 100, calendar }), /a day of observed demand/)
  })

  it('has the calendar of the slot and the weather of the hour over before it', () => {
    const hours: WeatherHour[] = []
    for (let h = 0; h < DAYS * 24; h++) {
      hours.push({ hour: (START * SLOT_MS) + h * 3_600_000, temperature: h, clear: true, fog: false, rain: h % 2 === 0, snow: false, hail: false, thunder: false, tornado: false })
    }
    const withWeather = nextFeatures({ demand, fromSlot: START + from, untilSlot: START + from + 4, calendar, weather: weatherIndex(hours) })
    const i = from + 3 // 01:30 on a day: the hour 00:00–01:00 is the last one over
    assert.equal(value(withWeather, 'temperature', 0, i), (from + 3) / 2 - 1.5)
    assert.equal(value(withWeather, 'slot_of_day', 0, i), 3)
    assert.equal(value(withWeather, 'day_of_week', 0, i), new Date((START + i) * SLOT_MS).getUTCDay())
  })
})

describe('next features never read the slot they predict or later', () => {
  it('a row is the same whatever happens at and after its slot', () => {
    const truth = series()
    const testFrom = 2 * SLOTS_PER_WEEK + SLOTS_PER_DAY
    const rows = nextFeatures({ demand: truth, fromSlot: START + testFrom, untilSlot: START + LENGTH, calendar })
    const width = rows.features.columns.length
    for (let i = testFrom; i < LENGTH; i += 7) {
      // From slot i on, a different world: a surge in one place, a different rhythm in the other.
      const altered = series((p, k) => (k >= i ? (p === 0 ? 50 + k : 20 + 2 * x(p, k)) : x(p, k)))
      const again = nextFeatures({ demand: altered, fromSlot: START + testFrom, untilSlot: START + LENGTH, calendar })
      for (const p of [0, 1]) {
        const r = rowOf(rows, p, i)
        assert.deepEqual(again.features.data.subarray(r * width, (r + 1) * width), rows.features.data.subarray(r * width, (r + 1) * width), `row of place ${p}, slot ${i}`)
        assert.notEqual(again.targets[r], rows.targets[r], 'the target itself did change')
      }
    }
  })

  it('nor the weather of an hour not over yet, nor a daily record before its day (and the day after, which its evening leans on) is over', () => {
    const truth = series()
    const testFrom = 2 * SLOTS_PER_WEEK + SLOTS_PER_DAY
    const width = nextFeatures({ demand: truth, fromSlot: START + testFrom, untilSlot: START + testFrom + 1, calendar, weather: weatherIndex(hourly(() => false)) }).features.columns.length
    const rowsAt = (i: number, hours: WeatherHour[]): Float64Array => nextFeatures({ demand: truth, fromSlot: START + i, untilSlot: START + i + 1, calendar, weather: weatherIndex(hours) }).features.data
    // Every hour of the day, over several days: a daily hour's evening temperature leans on the next day's minimum.
    for (let i = testFrom; i < LENGTH; i += 5) {
      const t = (START + i) * SLOT_MS
      const today = newYorkDayNumber(t)
      const hourlyAltered = rowsAt(i, hourly((hour) => hour + 3_600_000 > t))
      assert.deepEqual(hourlyAltered, rowsAt(i, hourly(() => false)), `hourly weather, slot ${i}`)
      const dailyAltered = rowsAt(i, hoursOfDays(daily((day) => day >= today)))
      assert.deepEqual(dailyAltered, rowsAt(i, hoursOfDays(daily(() => false))), `daily weather, slot ${i} (${new Date(t).toISOString()})`)
      assert.equal(dailyAltered.length, 2 * width)
    }
    // The check can fail: a change to a day that is over does show.
    const i = testFrom + 40
    const over = newYorkDayNumber((START + i) * SLOT_MS) - 2
    assert.notDeepEqual(rowsAt(i, hoursOfDays(daily((day) => day === over))), rowsAt(i, hoursOfDays(daily(() => false))))
    const lastOver = Math.floor((START + i) * (SLOT_MS / 3_600_000) - 1) * 3_600_000
    assert.notDeepEqual(rowsAt(i, hourly((hour) => hour === lastOver)), rowsAt(i, hourly(() => false)))
  })

  it('while a change before the slot does show (the check above can fail)', () => {
    const truth = series()
    const i = 2 * SLOTS_PER_WEEK + SLOTS_PER_DAY + 20
    const rows = nextFeatures({ demand: truth, fromSlot: START + i, untilSlot: START + i + 1, calendar })
    const altered = nextFeatures({ demand: series((p, k) => (k === i - 1 ? 99 : x(p, k))), fromSlot: START + i, untilSlot: START + i + 1, calendar })
    assert.notDeepEqual(altered.features.data, rows.features.data)
  })
})

/** Hourly weather over the series and a few days around it; `altered` hours are hot and stormy. */
function hourly(altered: (hour: number) => boolean): WeatherHour[] {
  const hours: WeatherHour[] = []
  for (let hour = START * SLOT_MS - 3 * 86_400_000; hour < (START + LENGTH + SLOTS_PER_DAY) * SLOT_MS; hour += 3_600_000) {
    const changed = altered(hour)
    hours.push({ hour, temperature: changed ? 35 : (hour / 3_600_000) % 17, ...noWeatherFlags(), clear: !changed, thunder: changed, source: 'hourly' })
  }
  return hours
}

/** Daily records over the series and a few days around it (New York days); `altered` days are hot and stormy. */
function daily(altered: (day: number) => boolean): WeatherDay[] {
  const days: WeatherDay[] = []
  const first = newYorkDayNumber(START * SLOT_MS) - 4
  const last = newYorkDayNumber((START + LENGTH) * SLOT_MS) + 2
  for (let day = first; day <= last; day++) {
    const date = new Date(day * 86_400_000)
    const changed = altered(day)
    days.push({
      day,
      year: date.getUTCFullYear(),
      month: date.getUTCMonth() + 1,
      date: date.getUTCDate(),
      maxCelsius: changed ? 35 : 10 + (day % 5),
      minCelsius: changed ? 25 : day % 3,
      flags: { ...noWeatherFlags(), clear: !changed, thunder: changed },
    })
  }
  return days
}
