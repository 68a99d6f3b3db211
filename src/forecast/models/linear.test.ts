import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { linear } from './linear.js'
import { linearSignal, rmse, throughJson, withColumns } from './testing/signals.js'

describe('linear', () => {
  // Columns of very different scales (a flag-like 0–1, a count 0–500), as real features are.
  const signal = linearSignal({ rows: 5000, intercept: 3, weights: [2, -1.5, 0.02, 0], scales: [1, 10, 500, 1], noise: 0.1, seed: 1 })

  it('recovers the coefficients of a known linear signal, on raw column scales', () => {
    const { intercept, weights } = linear.train(signal.features, signal.targets).coefficients()
    assert.ok(Math.abs(intercept - 3) < 0.02, `intercept ${intercept}`)
    const expected = [2, -1.5, 0.02, 0]
    // Each within a few standard errors of the fit (noise 0.1 over 5000 rows).
    const tolerance = [0.02, 0.002, 0.00005, 0.02]
    expected.forEach((w, c) => assert.ok(Math.abs(weights[c]! - w) < tolerance[c]!, `weight ${c}: ${weights[c]} vs ${w}`))
    assert.ok(rmse(linear.train(signal.features, signal.targets).predict(signal.features), signal.targets) < 0.105)
  })

  it('fits columns that repeat or combine others (minimum-norm weights, same predictions)', () => {
    const { rows, data } = signal.features
    const wide = new Float64Array(rows * 5)
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < 4; c++) wide[r * 5 + c] = data[r * 4 + c]!
      wide[r * 5 + 4] = data[r * 4]! // x0 twice
    }
    const features = { rows, columns: ['x0', 'x1', 'x2', 'x3', 'x0_again'], data: wide }
    const model = linear.train(features, signal.targets)
    const { weights } = model.coefficients()
    assert.ok(Math.abs(weights[0]! - weights[4]!) < 1e-6, 'the weight of x0 is shared between its two copies')
    assert.ok(Math.abs(weights[0]! + weights[4]! - 2) < 0.02)
    assert.ok(rmse(model.predict(features), signal.targets) < 0.105)
  })

  it('predicts constant targets exactly, and gives a constant column no weight', () => {
    const features = { rows: 4, columns: ['x', 'constant'], data: Float64Array.of(1, 7, 2, 7, 3, 7, 4, 7) }
    const model = linear.train(features, new Float64Array(4).fill(0.1))
    assert.deepEqual([...model.predict(features)], [0.1, 0.1, 0.1, 0.1])
    const fitted = linear.train(features, Float64Array.of(2, 4, 6, 8))
    assert.equal(fitted.coefficients().weights[1], 0)
    // A row where the constant column differs changes nothing.
    const other = fitted.predict({ rows: 1, columns: ['x', 'constant'], data: Float64Array.of(5, 100) })
    assert.ok(Math.abs(other[0]! - 10) < 1e-9, `${other[0]}`)
  })

  it('trains on a single row: it predicts that row\'s target', () => {
    const model = linear.train({ rows: 1, columns: ['a', 'b'], data: Float64Array.of(3, 4) }, Float64Array.of(42))
    assert.deepEqual([...model.predict({ rows: 2, columns: ['a', 'b'], data: Float64Array.of(3, 4, 10, -2) })], [42, 42])
  })

  it('saves to plain JSON and loads a model with identical predictions', () => {
    const model = linear.train(signal.features, signal.targets)
    const loaded = linear.load(throughJson(model.save()))
    assert.deepEqual(loaded.predict(signal.features), model.predict(signal.features))
    assert.deepEqual(loaded.columns, signal.features.columns)
  })

  it('refuses features with other columns, in another order, or holding NaN', () => {
    const model = linear.train(signal.features, signal.targets)
    assert.throws(() => model.predict(withColumns(signal.features, ['x1', 'x0', 'x2', 'x3'])), { code: 'KOOBER_FORECAST_COLUMNS', message: /another order/ })
    assert.throws(() => model.predict(withColumns(signal.features, ['x0', 'x1', 'x2', 'y'])), { code: 'KOOBER_FORECAST_COLUMNS', message: /missing \[x3\]/ })
    const data = signal.features.data.slice()
    data[9] = Number.NaN
    assert.throws(() => model.predict({ ...signal.features, data }), { code: 'KOOBER_FORECAST_INVALID_DATA', message: /"x1" of row 2 is NaN/ })
    assert.throws(() => linear.train({ ...signal.features, data }, signal.targets), { code: 'KOOBER_FORECAST_INVALID_DATA' })
  })

  it('refuses bad training data and unknown options', () => {
    const { features, targets } = signal
    assert.throws(() => linear.train(features, targets.subarray(1)), { code: 'KOOBER_FORECAST_INVALID_DATA' })
    assert.throws(() => linear.train({ rows: 0, columns: ['x'], data: new Float64Array(0) }, new Float64Array(0)), { code: 'KOOBER_FORECAST_INVALID_DATA' })
    assert.throws(() => linear.train({ rows: 2, columns: ['x', 'x'], data: new Float64Array(4) }, new Float64Array(2)), { code: 'KOOBER_FORECAST_INVALID_DATA', message: /twice/ })
    const withInfinity = targets.slice()
    withInfinity[3] = Infinity
    assert.throws(() => linear.train(features, withInfinity), { code: 'KOOBER_FORECAST_INVALID_DATA' })
    assert.throws(() => linear.train(features, targets, { lambda: 1 } as never), { code: 'KOOBER_INVALID_ARGUMENT' })
  })

  it('refuses a corrupt or foreign saved model', () => {
    const saved = linear.train(signal.features, signal.targets).save()
    const state = saved.state as Record<string, unknown>
    assert.throws(() => linear.load({ ...saved, algorithm: 'ridge' }), { code: 'KOOBER_FORECAST_SAVED_MODEL' })
    assert.throws(() => linear.load({ ...saved, state: { ...state, weights: [1, 2] } }), { code: 'KOOBER_FORECAST_SAVED_MODEL', message: /weights has 2 values for 4 columns/ })
    assert.throws(() => linear.load({ ...saved, state: { ...state, scales: [1, 0, 1, 1] } }), { code: 'KOOBER_FORECAST_SAVED_MODEL' })
    assert.throws(() => linear.load({ ...saved, state: { ...state, intercept: 'x' } }), { code: 'KOOBER_FORECAST_SAVED_MODEL' })
    assert.throws(() => linear.load({ ...saved, state: { ...state, means: [0, null, 0, 0] } }), { code: 'KOOBER_FORECAST_SAVED_MODEL' })
    assert.throws(() => linear.load(null as never), { code: 'KOOBER_FORECAST_SAVED_MODEL' })
  })
})
