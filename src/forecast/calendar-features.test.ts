import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { slotCalendar } from './calendar.js'
import { calendarFeatures } from './calendar-features.js'
import type { DemandSeries } from './demand.js'
import { column, SLOTS_PER_DAY, SLOTS_PER_WEEK, type FeatureRows } from './features.js'
import { SLOT_MS, type WeatherHour } from './types.js'
import { weatherIndex } from './weather-index.js'

const calendar = slotCalendar('UTC')
/** 2014-04-01 00:00 UTC (a Tuesday), as a slot number. */
const START = Date.UTC(2014, 3, 1) / SLOT_MS
const TRAIN = 2 * SLOTS_PER_WEEK

function series(fromSlot: number, slots: number, value: (place: number, i: number) => number): DemandSeries {
  const counts = new Float64Array(2 * slots)
  for (let p = 0; p < 2; p++) for (let i = 0; i < slots; i++) counts[p * slots + i] = value(p, i)
  return { places: 2, fromSlot, slots, counts }
}
const x = (p: number, i: number): number => (i * 5 + p * 2) % 13
const training = series(START, TRAIN, x)
const value = (rows: FeatureRows, name: string, p: number, slot: number): number => {
  const r = (slot - rows.slots[0]!) * 2 + p
  assert.equal(rows.slots[r], slot)
  return column(rows.features, name)[r]!
}

describe('calendar features', () => {
  it('test rows: historical_average is the mean of the same place and slot of week over the training weeks', () => {
    const rows = calendarFeatures({ training, fromSlot: START + TRAIN, untilSlot: START + TRAIN + SLOTS_PER_DAY, calendar })
    for (const k of [0, 17, 47]) {
      assert.equal(value(rows, 'historical_average', 1, START + TRAIN + k), (x(1, k) + x(1, k + SLOTS_PER_WEEK)) / 2)
      assert.equal(value(rows, 'weeks_in_training', 1, START + TRAIN + k), 2)
    }
    assert.ok(Number.isNaN(rows.targets[0]!), 'no actual demand was given')
  })

  it('place means: per slot of day over all training days, and overall', () => {
    const rows = calendarFeatures({ training, fromSlot: START + TRAIN + 30, untilSlot: START + TRAIN + 31, calendar })
    let daily = 0
    for (let d = 0; d < 14; d++) daily += x(0, d * SLOTS_PER_DAY + 30)
    assert.ok(Math.abs(value(rows, 'place_slot_of_day_mean', 0, START + TRAIN + 30) - daily / 14) < 1e-12)
    let all = 0
    for (let i = 0; i < TRAIN; i++) all += x(0, i)
    assert.ok(Math.abs(value(rows, 'place_mean', 0, START + TRAIN + 30) - all / TRAIN) < 1e-12)
  })

  it('training rows take every mean from the other training weeks, never their own', () => {
    const rows = calendarFeatures({ training, fromSlot: START, untilSlot: START + TRAIN, calendar })
    const k = 40
    // Slot k of week 1: its means come from week 2 alone (and a week-2 row's from week 1).
    assert.equal(value(rows, 'historical_average', 0, START + k), x(0, k + SLOTS_PER_WEEK))
    assert.equal(value(rows, 'historical_average', 0, START + k + SLOTS_PER_WEEK), x(0, k))
    assert.equal(value(rows, 'weeks_in_training', 0, START + k), 1)
    let secondWeek = 0
    for (let i = SLOTS_PER_WEEK; i < TRAIN; i++) secondWeek += x(0, i)
    assert.ok(Math.abs(value(rows, 'place_mean', 0, START + k) - secondWeek / SLOTS_PER_WEEK) < 1e-12)
    assert.equal(rows.targets[k * 2], x(0, k), 'the target is its own count')
    // Every row of a place in a week has the same place mean: it cannot rank the rows by their targets.
    assert.equal(value(rows, 'place_mean', 0, START + 3), value(rows, 'place_mean', 0, START + 200))
  })

  it('refuse training rows when the training period is a single week', () => {
    const oneWeek = series(START, SLOTS_PER_WEEK, x)
    assert.throws(() => calendarFeatures({ training: oneWeek, fromSlot: START, untilSlot: START + 10, calendar }), /needs more than 7 days/)
    assert.equal(calendarFeatures({ training: oneWeek, fromSlot: START + SLOTS_PER_WEEK, untilSlot: START + SLOTS_PER_WEEK + 1, calendar }).features.rows, 2)
  })

  it('far in the future, from the calendar, that slot’s weather and the training period alone', () => {
    const slot = Date.UTC(2014, 8, 16, 12) / SLOT_MS // a Tuesday noon in September
    const hours: WeatherHour[] = [{ hour: slot * SLOT_MS, temperature: 21, clear: false, fog: false, rain: true, snow: false, hail: false, thunder: true, tornado: false }]
    const rows = calendarFeatures({ training, fromSlot: slot, untilSlot: slot + 1, calendar, weather: weatherIndex(hours) })
    assert.equal(value(rows, 'temperature', 0, slot), 21)
    assert.equal(value(rows, 'rain', 0, slot), 1)
    assert.equal(value(rows, 'month', 0, slot), 9)
    assert.equal(value(rows, 'day_of_week', 0, slot), 2)
    assert.equal(value(rows, 'historical_average', 0, slot), (x(0, 24) + x(0, 24 + SLOTS_PER_WEEK)) / 2)
  })

  it('test rows do not depend on what happened in the test period, only their targets do', () => {
    const from = START + TRAIN
    const until = from + 3 * SLOTS_PER_DAY
    const one = calendarFeatures({ training, fromSlot: from, untilSlot: until, calendar, actual: series(from, until - from, () => 1) })
    const other = calendarFeatures({ training, fromSlot: from, untilSlot: until, calendar, actual: series(from, until - from, (p, i) => 40 + p + i) })
    assert.deepEqual(other.features.data, one.features.data)
    assert.deepEqual([...one.targets.subarray(0, 3)], [1, 1, 1])
    assert.deepEqual([...other.targets.subarray(0, 3)], [40, 41, 41])
    // ...while the training period does change them (the comparison above can fail).
    const retrained = calendarFeatures({ training: series(START, TRAIN, (p, i) => x(p, i) + 1), fromSlot: from, untilSlot: until, calendar })
    assert.notDeepEqual(retrained.features.data, one.features.data)
  })
})
