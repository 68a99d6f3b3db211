import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { DEFAULT_RADIUS_METERS, MILD_TEMPERATURE, forecastQuery, parseConditions, parseInstant, seriesQuery } from './forecast-query.js'

const NOW = Date.parse('2014-04-18T22:00:00Z')
const invalid = { code: 'KOOBER_INVALID_ARGUMENT' }

describe('forecast query strings', () => {
  it('reads ISO times with their zone, and refuses a time without one', () => {
    assert.equal(parseInstant('at', '2014-04-18T18:00-04:00'), NOW)
    assert.equal(parseInstant('at', '2014-04-18T22:00:00.000Z'), NOW)
    assert.equal(parseInstant('at', '2014-04-18t22:00:00z'), NOW)
    for (const text of ['2014-04-18', '2014-04-18T18:00', '2014-04-18 18:00-04:00', 'yesterday', '2014-13-45T18:00Z', '']) {
      assert.throws(() => parseInstant('at', text), { ...invalid, message: new RegExp(`^at must be an ISO 8601 time with its zone`) }, text)
    }
  })

  it('reads weather conditions as the flags of a what-if, clear alone', () => {
    assert.deepEqual(parseConditions(' Rain, thunder '), { clear: false, fog: false, rain: true, snow: false, hail: false, thunder: true, tornado: false })
    assert.deepEqual(parseConditions('clear'), { clear: true, fog: false, rain: false, snow: false, hail: false, thunder: false, tornado: false })
    assert.throws(() => parseConditions('rain,sunny'), { ...invalid, message: /unknown weather conditions "sunny"/ })
    assert.throws(() => parseConditions('clear,rain'), { ...invalid, message: /clear goes alone/ })
    assert.throws(() => parseConditions(' , '), { ...invalid, message: /at least one of clear, fog, rain/ })
  })

  it('asks for every place at now by default, and around a point when given one', () => {
    assert.deepEqual(forecastQuery({}, NOW), { query: { at: NOW, question: 'next' }, near: null })
    const near = { lat: 40.75, lng: -73.99, radiusMeters: DEFAULT_RADIUS_METERS }
    assert.deepEqual(forecastQuery({ lat: 40.75, lng: -73.99, question: 'calendar', algorithm: 'gbt' }, NOW), {
      query: { at: NOW, question: 'calendar', algorithm: 'gbt', near },
      near,
    })
    assert.equal(forecastQuery({ lat: 40.75, lng: -73.99, radius: 500 }, NOW).near?.radiusMeters, 500)
    assert.throws(() => forecastQuery({ lat: 40.75 }, NOW), { ...invalid, message: /lat and lng go together/ })
    assert.throws(() => forecastQuery({ lng: -73.99 }, NOW), { ...invalid, message: /lat and lng go together/ })
    assert.throws(() => forecastQuery({ radius: 100 }, NOW), { ...invalid, message: /radius needs lat and lng/ })
  })

  it('makes a what-if weather of a temperature, conditions or both', () => {
    const clear = { clear: true, fog: false, rain: false, snow: false, hail: false, thunder: false, tornado: false }
    assert.equal(forecastQuery({ at: '2014-04-18T18:00-04:00' }, 0).query.weather, undefined, 'no weather asked: the server uses what it knows')
    assert.deepEqual(forecastQuery({ temperature: -3 }, NOW).query.weather, { temperature: -3, ...clear })
    assert.deepEqual(forecastQuery({ conditions: 'snow' }, NOW).query.weather, { temperature: MILD_TEMPERATURE, ...clear, clear: false, snow: true })
    assert.deepEqual(forecastQuery({ temperature: 30, conditions: 'rain,thunder' }, NOW).query.weather, { temperature: 30, ...clear, clear: false, rain: true, thunder: true })
  })

  it('bounds a series: from before until, at most 14 days', () => {
    assert.deepEqual(seriesQuery({ place: 3, from: '2014-04-17T00:00-04:00', until: '2014-04-18T00:00-04:00' }), {
      place: 3,
      from: Date.parse('2014-04-17T04:00Z'),
      until: Date.parse('2014-04-18T04:00Z'),
      question: 'next',
    })
    assert.equal(seriesQuery({ place: 3, from: '2014-04-01T00:00Z', until: '2014-04-15T00:00Z', question: 'calendar', algorithm: 'ridge' }).algorithm, 'ridge')
    assert.throws(() => seriesQuery({ place: 3, from: '2014-04-01T00:00Z', until: '2014-04-15T00:30Z' }), { ...invalid, message: /at most 14 days; .* is 14\.0 days/ })
    assert.throws(() => seriesQuery({ place: 3, from: '2014-04-02T00:00Z', until: '2014-04-02T00:00Z' }), { ...invalid, message: /from .* must come before until/ })
    assert.throws(() => seriesQuery({ place: 3, from: 'then', until: '2014-04-02T00:00Z' }), { ...invalid, message: /^from must be/ })
  })
})
