import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { localMidnight, slotCalendar } from './calendar.js'
import { demoPickups } from './data/index.js'
import { concatDemand, countDemand } from './demand.js'
import { evaluate, type EvaluateOptions } from './evaluate.js'
import { SLOTS_PER_DAY } from './features.js'
import { TRAINERS } from './models/index.js'
import { nextFeatures } from './next-features.js'
import { fitPlaces } from './places.js'
import { SLOT_MS, type Pickup } from './types.js'

const NEW_YORK = 'America/New_York'
const day = (date: string): number => localMidnight(date, NEW_YORK)
/** Four weeks of the demo generator's pickups: five places with a daily and weekly rhythm, and Poisson-like noise on top. */
const pickups: Pickup[] = [...demoPickups({ records: 60_000, months: 1, clusters: 5, seed: 3, start: day('2014-04-01') })].flat()
const TRAINED = ['linear', 'ridge', 'random_forest', 'gbt']

function options(overrides: Partial<EvaluateOptions> = {}): EvaluateOptions {
  return {
    question: 'next',
    train: { pickups, from: day('2014-04-01'), until: day('2014-04-22') },
    test: { pickups, from: day('2014-04-22'), until: day('2014-04-29') },
    places: { kind: 'kmeans', k: 5 },
    trainers: TRAINERS,
    timeZone: NEW_YORK,
    ...overrides,
  }
}

describe('evaluate', () => {
  it('next: every model is scored on every place and half hour of the test week, and the trained ones beat persistence', () => {
    const evaluation = evaluate(options())
    assert.equal(evaluation.testSlots, 7 * SLOTS_PER_DAY)
    assert.equal(evaluation.testRows, 7 * SLOTS_PER_DAY * 5)
    assert.deepEqual(Object.keys(evaluation.models).sort(), Object.keys(TRAINERS).sort())
    const persistence = evaluation.models.persistence!.rmse
    for (const name of TRAINED) assert.ok(evaluation.models[name]!.rmse < persistence, `${name} ${evaluation.models[name]!.rmse} < persistence ${persistence}`)
    assert.ok(TRAINED.includes(evaluation.best), `best: ${evaluation.best}`)
    for (const m of Object.values(evaluation.models)) assert.ok(m.train_seconds >= 0 && m.mae <= m.rmse)
  })

  it('calendar: learned from the training weeks alone, the trained models beat the historical average', () => {
    const evaluation = evaluate(options({ question: 'calendar' }))
    const average = evaluation.models.historical_average!.rmse
    for (const name of TRAINED) assert.ok(evaluation.models[name]!.rmse < average, `${name} ${evaluation.models[name]!.rmse} < historical_average ${average}`)
  })

  it('calendar may test on a later period; next must follow on directly', () => {
    const later = { pickups, from: day('2014-04-25'), until: day('2014-04-29') }
    assert.equal(evaluate(options({ question: 'calendar', test: later, trainers: { ridge: TRAINERS.ridge! } })).testSlots, 4 * SLOTS_PER_DAY)
    assert.throws(() => evaluate(options({ test: later })), /must start where the training period ends/)
  })

  it('needs a week of training for next and a day more for calendar, and says why', () => {
    const ridge = { ridge: TRAINERS.ridge! }
    const week = { pickups, from: day('2014-04-15'), until: day('2014-04-22') }
    assert.equal(evaluate(options({ train: week, trainers: ridge })).testSlots, 7 * SLOTS_PER_DAY)
    assert.throws(() => evaluate(options({ question: 'calendar', train: week, trainers: ridge })), {
      code: 'KOOBER_FORECAST_NO_DATA',
      message: /^the calendar question needs at least 8 training days \(every slot of the week, and a training week learns its features from the others\); the training period covers 7\.0$/,
    })
    assert.equal(evaluate(options({ question: 'calendar', train: { pickups, from: day('2014-04-14'), until: day('2014-04-22') }, trainers: ridge })).testSlots, 7 * SLOTS_PER_DAY)
  })

  it('refuses overlapping periods, less than a week of training, empty periods and no models', () => {
    assert.throws(() => evaluate(options({ test: { pickups, from: day('2014-04-20'), until: day('2014-04-29') } })), /must start after the training period ends/)
    assert.throws(() => evaluate(options({ train: { pickups, from: day('2014-04-17'), until: day('2014-04-22') } })), { code: 'KOOBER_FORECAST_NO_DATA' })
    assert.throws(() => evaluate(options({ test: { pickups, from: day('2014-04-22'), until: day('2014-04-29') }, train: { pickups: [], from: day('2014-04-01'), until: day('2014-04-22') } })), /no pickups in the training period/)
    assert.throws(() => evaluate(options({ question: 'calendar', test: { pickups, from: day('2014-06-01'), until: day('2014-06-02') } })), /no pickups in the test period/)
    assert.throws(() => evaluate(options({ trainers: {} })), /no models/)
  })
})

describe('next-slot predictions never see their own slot or later', () => {
  it('a model predicts the same for a slot whatever pickups come at and after it', () => {
    const from = day('2014-04-01')
    const testFrom = day('2014-04-22')
    const until = day('2014-04-29')
    const training = pickups.filter((p) => p.time < testFrom)
    const places = fitPlaces({ kind: 'kmeans', k: 5 }, training, { seed: 1 })
    const calendar = slotCalendar(NEW_YORK)
    const rowsFor = (all: readonly Pickup[]) => {
      const demand = concatDemand(countDemand(all, places, { from, until: testFrom }), countDemand(all, places, { from: testFrom, until }))
      return {
        train: nextFeatures({ demand, fromSlot: from / SLOT_MS + SLOTS_PER_DAY, untilSlot: testFrom / SLOT_MS, calendar }),
        test: nextFeatures({ demand, fromSlot: testFrom / SLOT_MS, untilSlot: until / SLOT_MS, calendar }),
      }
    }
    const truth = rowsFor(pickups)
    const model = TRAINERS.ridge!.train(truth.train.features, truth.train.targets)
    const predicted = model.predict(truth.test.features)
    const width = truth.test.features.columns.length
    const firstSlot = testFrom / SLOT_MS
    for (const slot of [firstSlot, firstSlot + 1, firstSlot + 77, firstSlot + 200]) {
      // From this slot on, every pickup moves to the first pickup's spot and comes three times.
      const altered = pickups.flatMap((p) => (p.time >= slot * SLOT_MS ? [p, p, p].map((q) => ({ ...q, lat: pickups[0]!.lat, lng: pickups[0]!.lng })) : [p]))
      const again = rowsFor(altered)
      const againPredicted = model.predict(again.test.features)
      for (let p = 0; p < places.count; p++) {
        const r = (slot - firstSlot) * places.count + p
        assert.deepEqual(again.test.features.data.subarray(r * width, (r + 1) * width), truth.test.features.data.subarray(r * width, (r + 1) * width))
        assert.equal(againPredicted[r], predicted[r])
      }
      const changed = [...again.test.targets.subarray((slot - firstSlot) * places.count, (slot - firstSlot + 1) * places.count)]
      assert.notDeepEqual(changed, [...truth.test.targets.subarray((slot - firstSlot) * places.count, (slot - firstSlot + 1) * places.count)], 'the slot itself did change')
    }
  })
})
