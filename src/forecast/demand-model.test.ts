import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { localMidnight } from './calendar.js'
import { countDemand, demandAt } from './demand.js'
import { demoPickups } from './data/demo-data.js'
import { checkTrainingPeriod, loadDemandModel, minPeriodDays, predictDemand, recentRange, saveDemandModel, trainDemandModel, trainingDemand } from './demand-model.js'
import { scoreDemand } from './metrics.js'
import { TRAINERS } from './models/index.js'
import { SLOT_MS, type WeatherHour } from './types.js'
import { weatherIndex } from './weather-index.js'

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

  it('serves what it scored: predicting the held-out days again gives each model’s scores, before and after a save', () => {
    const again = loadDemandModel(JSON.parse(JSON.stringify(saveDemandModel(version))))
    const testFrom = until - 5 * 86_400_000
    assert.equal(trainingDemand(version).slots, (testFrom - from) / SLOT_MS)
    assert.deepEqual(trainingDemand(again), trainingDemand(version))
    for (const question of ['next', 'calendar'] as const) {
      for (const [algorithm, { scores }] of Object.entries(version.questions[question]!.models)) {
        for (const [which, served] of [['trained', version], ['loaded', again]] as const) {
          const { predicted, rows } = predictDemand(served, { question, algorithm, fromSlot: testFrom / SLOT_MS, untilSlot: until / SLOT_MS, weather: weatherIndex(weather), recent: served.demand })
          const actual = Float64Array.from(rows.slots, (slot, r) => demandAt(served.demand, rows.places[r]!, slot))
          const rmse = scoreDemand(predicted, actual).rmse
          assert.ok(Math.abs(rmse - scores.rmse) < 1e-9, `${question} ${algorithm} (${which}): served RMSE ${rmse}, scored ${scores.rmse}`)
        }
      }
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
    assert.throws(() => loadDemandModel({ ...saved, places: { kind: 'kmeans', lngScale: 1, centres: [] } }), { code: 'KOOBER_FORECAST_SAVED_MODEL', message: /its places: saved k-means places need/ })
    assert.throws(() => loadDemandModel({ ...saved, places: null as unknown as typeof saved.places }), { code: 'KOOBER_FORECAST_SAVED_MODEL' })
  })

  it('refuses a period too short for the held-out days and the training days of each question, before reading anything', () => {
    const day = 86_400_000
    assert.equal(minPeriodDays(7), 15, 'calendar needs 8 training days')
    assert.equal(minPeriodDays(7, ['next']), 14)
    assert.equal(checkTrainingPeriod({ from, until: from + 15 * day, holdoutDays: 7 }), from + 8 * day)
    assert.throws(() => trainDemandModel({ pickups, from, until: from + 14 * day, holdoutDays: 7, places: { kind: 'kmeans', k: 4 }, timeZone: ZONE, trainers }), {
      code: 'KOOBER_FORECAST_NO_DATA',
      message: 'the period holds 14.0 days: it needs at least 15, the 7 held out and 8 to train on (the calendar question needs 8: every slot of the week, and a training week learns its features from the others)',
    })
    assert.doesNotThrow(() => checkTrainingPeriod({ from, until: from + 14 * day, holdoutDays: 7, questions: ['next'] }))
    assert.throws(() => checkTrainingPeriod({ from, until: from + 20 * day, holdoutDays: 0 }), { code: 'KOOBER_INVALID_ARGUMENT' })
    assert.throws(() => checkTrainingPeriod({ from: from + 1, until: from + 20 * day, holdoutDays: 3 }), { code: 'KOOBER_INVALID_ARGUMENT' })
  })
})
