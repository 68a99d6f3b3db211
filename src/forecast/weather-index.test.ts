import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { WeatherHour } from './types.js'
import { weatherIndex, weatherValues } from './weather-index.js'

const H = 3_600_000
const T0 = Date.parse('2014-04-17T00:00:00Z')
/** Hours 0, 1, 2 and 4 (3 is missing); the temperature says which hour it is. */
const hour = (h: number, rain = false): WeatherHour => ({ hour: T0 + h * H, temperature: h, clear: !rain, fog: false, rain, snow: false, hail: false, thunder: false, tornado: false })
const hours = [hour(4), hour(0), hour(1, true), hour(2)]

describe('weatherIndex', () => {
  const weather = weatherIndex(hours, { maxGapMs: 2 * H })

  it('gives the weather of the hour holding a time', () => {
    assert.equal(weather.at(T0 + 1.5 * H).temperature, 1)
    assert.equal(weather.at(T0 + 1.5 * H).rain, true)
    assert.equal(weather.at(T0 + 4 * H).temperature, 4)
  })

  it('gives the last hour over before a time, never the one under way', () => {
    assert.equal(weather.observedBefore(T0 + 2 * H).temperature, 1, 'at 02:00 the hour 01:00–02:00 is over')
    assert.equal(weather.observedBefore(T0 + 2.5 * H).temperature, 1, 'at 02:30 the hour 02:00–03:00 is not')
    assert.equal(weather.observedBefore(T0 + 3 * H).temperature, 2)
  })

  it('bridges a missing hour from its nearest neighbour, and refuses a longer hole', () => {
    assert.equal(weather.at(T0 + 3.2 * H).temperature, 2, '03:12 is nearer the end of hour 2 than the start of hour 4')
    assert.equal(weather.at(T0 + 3.9 * H).temperature, 4)
    assert.equal(weather.observedBefore(T0 + 4.5 * H).temperature, 2, 'hour 3 is missing: hour 2 is the last observed')
    assert.throws(() => weather.at(T0 + 8 * H), { code: 'KOOBER_FORECAST_NO_DATA' })
    assert.throws(() => weather.observedBefore(T0 + 0.5 * H), /no weather observed before 2014-04-17 00:30 UTC/)
  })

  it('answers a daily record’s hour only once it is known: the same time two days back', () => {
    // Four days of hours spread from daily records, then hourly records from hour 96 on; the temperature says which hour it is.
    const days = Array.from({ length: 96 }, (_, h): WeatherHour => ({ ...hour(h), source: 'daily' }))
    const mixed = weatherIndex([...days, ...Array.from({ length: 24 }, (_, h): WeatherHour => ({ ...hour(96 + h), source: 'hourly' }))])
    assert.equal(mixed.observedBefore(T0 + 60 * H).temperature, 59 - 48, 'at 60:00 the hour 59 is over, but its day is not: hour 11')
    assert.equal(mixed.observedBefore(T0 + 60.5 * H).temperature, 11)
    assert.equal(mixed.at(T0 + 60.5 * H).temperature, 60, 'a forecast for a chosen time takes the hour itself')
    assert.equal(mixed.observedBefore(T0 + 100 * H).temperature, 99, 'an hourly record is known once its hour is over')
    assert.throws(() => mixed.observedBefore(T0 + 20 * H), { code: 'KOOBER_FORECAST_NO_DATA', message: /known 48 h back \(daily records\)/ })
  })

  it('turns conditions into feature values', () => {
    assert.deepEqual(weatherValues(hour(1, true)), [1, 0, 0, 1, 0, 0, 0, 0])
  })

  it('refuses no weather at all', () => {
    assert.throws(() => weatherIndex([]), { code: 'KOOBER_FORECAST_NO_DATA' })
  })
})
