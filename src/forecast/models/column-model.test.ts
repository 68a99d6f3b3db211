import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { historicalAverage, lastWeek, persistence } from './column-model.js'
import { throughJson, withColumns } from './testing/signals.js'

describe('baselines', () => {
  const columns = ['hour_sin', 'lag_1', 'same_slot_last_week', 'historical_average']
  const features = { rows: 3, columns, data: Float64Array.of(0.5, 4, 6, 5.5, -0.5, 0, 2, 1.25, 1, 12, 9, 10) }
  const targets = Float64Array.of(5, 1, 11)

  it('each predicts its column as it is', () => {
    assert.deepEqual([...persistence.train(features, targets).predict(features)], [4, 0, 12])
    assert.deepEqual([...lastWeek.train(features, targets).predict(features)], [6, 2, 9])
    assert.deepEqual([...historicalAverage.train(features, targets).predict(features)], [5.5, 1.25, 10])
  })

  it('refuses features without its column, with a coded error naming it', () => {
    const without = { rows: 3, columns: ['hour_sin', 'lag_2', 'same_slot_last_week', 'historical_average'], data: features.data }
    assert.throws(() => persistence.train(without, targets), { code: 'KOOBER_FORECAST_COLUMNS', message: /"lag_1"/ })
    assert.throws(() => persistence.train(features, targets).predict(without), { code: 'KOOBER_FORECAST_COLUMNS' })
    assert.throws(() => lastWeek.train(features, targets).predict(withColumns(features, ['lag_1', 'hour_sin', 'same_slot_last_week', 'historical_average'])), { code: 'KOOBER_FORECAST_COLUMNS' })
  })

  it('saves and loads, checking the saved column is its own and among the columns', () => {
    const saved = throughJson(historicalAverage.train(features, targets).save())
    assert.deepEqual(saved, { algorithm: 'historical_average', columns, parameters: {}, state: { column: 'historical_average' } })
    assert.deepEqual(historicalAverage.load(saved).predict(features), historicalAverage.train(features, targets).predict(features))
    assert.throws(() => historicalAverage.load({ ...saved, state: { column: 'lag_1' } }), { code: 'KOOBER_FORECAST_SAVED_MODEL' })
    assert.throws(() => historicalAverage.load({ ...saved, columns: ['lag_1'] }), { code: 'KOOBER_FORECAST_SAVED_MODEL' })
    assert.throws(() => persistence.load(saved), { code: 'KOOBER_FORECAST_SAVED_MODEL' })
  })

  it('refuses options, which it has none of', () => {
    assert.throws(() => persistence.train(features, targets, { window: 2 } as never), { code: 'KOOBER_INVALID_ARGUMENT' })
  })
})
