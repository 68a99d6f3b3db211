import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { localMidnight } from './calendar.js'
import { countDemand } from './demand.js'
import { demoPickups } from './data/demo-data.js'
import { loadDemandModel, predictDemand, recentRange, saveDemandModel, trainDemandModel } from './demand-model.js'
import { TRAINERS } from './models/index.js'
import { SLOT_MS, type WeatherHour } from './types.js'

const ZONE = 'America/New_York'
const from = localMidnight('2014-03-03', ZONE)
const until = localMidnight('2014-03-24', ZONE)
const pickups = [...demoPickups({ records: 60_000, months: 1, clusters: 8, seed: 7, start: from })].flat().filter((p) => p.time < until)
// Rain every afternoon: the models have a weather column that varies.
const weather: WeatherHour[] = []
for (let hour = from; hour < until; hour += 3_600_000) {
  const rainy = new Date(hour).getUTCHours() % 5 === 0
  weather.push({ hour, temperature: 10, clear: !rainy, rain: rainy, fog: false, snow: false, hail: false, thunder: false, tornado: false })
}
const trainers = { ridge: TRAINERS.ridge!, gbt: TRAINERS.gbt!, persistence: TRAINERS.persistence!, historical_average: TRAINERS.historical_average! }
const version = trainDemandModel({ pickups, weather, from, until, holdoutDays: 5, places: { kind: 'kmeans', k: 6 }, timeZone: ZONE, trainers, now: until })

describe('forecast: a trained version', () => {
  it('holds every model of both questions with its scores on the held-out days, the best by RMSE', () => {
    for (const question of ['next', 'calendar'] as const) {
      const models = version.questions[question]!
      assert.ok(models.models.gbt && models.models.ridge, question)
      const best = Object.entries(models.models).reduce((a, b) => (b[1].scores.rmse < a[1].scores.rmse ? b : a))[0]
      assert.equal(models.best, best)
    }
    assert.equal(version.questions.calendar!.models.persistence, undefined, 'persistence reads lag_1, which calendar rows do not have')
    assert.equal(version.places.count, 6)
    assert.equal(version.demand.slots, (until - from) / SLOT_MS)
  })

  it('predicts the same after a save to JSON and a load', () => {
    const again = loadDemandModel(JSON.parse(JSON.stringify(saveDemandModel(version))))
    const slot = until / SLOT_MS + 40
    for (const algorithm of ['gbt', 'ridge', 'historical_average']) {
      const a = predictDemand(version, { question: 'calendar', algorithm, fromSlot: slot, untilSlot: slot + 3 })
      const b = predictDemand(again, { question: 'calendar', algorithm, fromSlot: slot, untilSlot: slot + 3 })
      assert.deepEqual(b.predicted, a.predicted, algorithm)
    }
  })

  it('forecasts the next slot from what was observed before it, never below 0, and needs that history', () => {
    const slot = until / SLOT_MS - 10
    const range = recentRange(slot, slot + 1)
    const recent = countDemand(pickups, version.places, range)
    const { predicted, rows } = predictDemand(version, { question: 'next', fromSlot: slot, untilSlot: slot + 1, recent })
    assert.equal(predicted.length, version.places.count)
    assert.ok(predicted.every((v) => v >= 0))
    assert.ok(rows.slots.every((s) => s === slot))
    assert.throws(() => predictDemand(version, { question: 'next', fromSlot: slot, untilSlot: slot + 1 }), /needs the demand observed before it/)
  })

  it('refuses an unknown algorithm and a corrupt saved version with coded errors', () => {
    assert.throws(() => predictDemand(version, { question: 'calendar', algorithm: 'oracle', fromSlot: 1, untilSlot: 2 }), { code: 'KOOBER_FORECAST_UNKNOWN_ALGORITHM' })
    const saved = saveDemandModel(version)
    assert.throws(() => loadDemandModel({ ...saved, demand: { ...saved.demand, slots: saved.demand.slots + 1 } }), { code: 'KOOBER_FORECAST_SAVED_MODEL' })
    assert.throws(() => loadDemandModel({ ...saved, format: 2 as 1 }), { code: 'KOOBER_FORECAST_SAVED_MODEL' })
  })
})
