import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { loadModel, TRAINERS } from './index.js'
import { nonLinearSignal, throughJson } from './testing/signals.js'

describe('the model registry', () => {
  const signal = nonLinearSignal(500, 0.5, 3)
  // The baselines' columns, beside the signal's.
  const columns = [...signal.features.columns, 'lag_1', 'same_slot_last_week', 'historical_average']
  const data = new Float64Array(500 * columns.length)
  for (let r = 0; r < 500; r++) {
    data.set(signal.features.data.subarray(r * 7, r * 7 + 7), r * columns.length)
    data.set([r, r + 1, r + 2], r * columns.length + 7)
  }
  const features = { rows: 500, columns, data }
  const small: Record<string, Record<string, unknown>> = { random_forest: { trees: 3 }, gbt: { rounds: 5 } }

  it('names every algorithm once, and each trainer under its own name', () => {
    assert.deepEqual(Object.keys(TRAINERS).sort(), ['gbt', 'historical_average', 'last_week', 'linear', 'persistence', 'random_forest', 'ridge'])
    for (const [name, trainer] of Object.entries(TRAINERS)) assert.equal(trainer.algorithm, name)
  })

  it('loads every algorithm\'s saved model through JSON with identical predictions', () => {
    for (const [name, trainer] of Object.entries(TRAINERS)) {
      const model = trainer.train(features, signal.targets, small[name])
      const loaded = loadModel(throughJson(model.save()), columns)
      assert.equal(loaded.algorithm, name)
      assert.deepEqual(loaded.predict(features), model.predict(features), name)
    }
  })

  it('refuses an unknown algorithm, a model for other columns, and what is not a saved model', () => {
    const saved = TRAINERS.ridge!.train(features, signal.targets).save()
    assert.throws(() => loadModel({ ...saved, algorithm: 'xgboost' }), { code: 'KOOBER_FORECAST_UNKNOWN_ALGORITHM', message: /xgboost/ })
    assert.throws(() => loadModel({ ...saved, algorithm: 'toString' }), { code: 'KOOBER_FORECAST_UNKNOWN_ALGORITHM' })
    assert.throws(() => loadModel(saved, [...columns].reverse()), { code: 'KOOBER_FORECAST_COLUMNS' })
    assert.throws(() => loadModel(saved, columns.slice(1)), { code: 'KOOBER_FORECAST_COLUMNS' })
    assert.throws(() => loadModel('ridge' as never), { code: 'KOOBER_FORECAST_SAVED_MODEL' })
    assert.throws(() => loadModel({ ...saved, state: { weights: 'corrupt' } }), { code: 'KOOBER_FORECAST_SAVED_MODEL' })
  })
})
