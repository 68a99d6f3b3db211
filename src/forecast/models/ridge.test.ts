import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { linear } from './linear.js'
import { ridge } from './ridge.js'
import { linearSignal, throughJson } from './testing/signals.js'

describe('ridge', () => {
  const signal = linearSignal({ rows: 20_000, intercept: 5, weights: [3, -2, 0.01], scales: [1, 4, 300], noise: 0.2, seed: 2 })

  it('shrinks each weight by exactly 1/(1 + lambda) when the columns are uncorrelated, the prediction at the column means unchanged', () => {
    // A full grid of three columns: every pair of values occurs equally often, so the sample correlations are exactly 0.
    const levels = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    const rows = levels.length ** 3
    const data = new Float64Array(rows * 3)
    const targets = new Float64Array(rows)
    const noise = linearSignal({ rows, intercept: 0, weights: [], scales: [], noise: 0.3, seed: 3 }).targets
    let r = 0
    for (const a of levels) for (const b of levels) for (const c of levels) {
      data.set([a, b * 4, c * 30], r * 3)
      targets[r] = 5 + 3 * a - 2 * b * 4 + 0.01 * c * 30 + noise[r]!
      r++
    }
    const features = { rows, columns: ['a', 'b', 'c'], data }
    const ols = linear.train(features, targets)
    const means = Float64Array.of(4.5, 18, 135)
    for (const lambda of [0.5, 1, 4]) {
      const model = ridge.train(features, targets, { lambda })
      const { weights } = model.coefficients()
      ols.coefficients().weights.forEach((w, c) => {
        assert.ok(Math.abs(weights[c]! / w - 1 / (1 + lambda)) < 1e-9, `lambda ${lambda}, column ${c}: ratio ${weights[c]! / w}`)
      })
      const atMeans = { rows: 1, columns: features.columns, data: means }
      assert.ok(Math.abs(model.predict(atMeans)[0]! - ols.predict(atMeans)[0]!) < 1e-9)
    }
  })

  it('shrinks more as lambda grows, and a tiny lambda recovers the known coefficients', () => {
    const norms = [1e-6, 0.1, 1, 10, 100].map((lambda) => {
      const { weights } = ridge.train(signal.features, signal.targets, { lambda }).coefficients()
      // The norm of the standardized weights: each raw weight times its column's spread.
      return Math.hypot(weights[0]! * 1, weights[1]! * 4, weights[2]! * 300)
    })
    for (let i = 1; i < norms.length; i++) assert.ok(norms[i]! < norms[i - 1]!, `norms ${norms.join(', ')}`)
    const { intercept, weights } = ridge.train(signal.features, signal.targets, { lambda: 1e-6 }).coefficients()
    assert.ok(Math.abs(intercept - 5) < 0.02, `intercept ${intercept}`)
    assert.ok(Math.abs(weights[0]! - 3) < 0.02 && Math.abs(weights[1]! + 2) < 0.005 && Math.abs(weights[2]! - 0.01) < 0.0001, `${weights}`)
  })

  it('fits a single row and constant targets (the penalized system is always solvable)', () => {
    const one = ridge.train({ rows: 1, columns: ['a'], data: Float64Array.of(3) }, Float64Array.of(-7))
    assert.deepEqual([...one.predict({ rows: 2, columns: ['a'], data: Float64Array.of(3, 9) })], [-7, -7])
    const flat = ridge.train(signal.features, new Float64Array(signal.features.rows).fill(2.5))
    assert.ok(flat.predict(signal.features).every((y) => y === 2.5))
  })

  it('saves and loads with identical predictions, and refuses a linear model\'s save', () => {
    const model = ridge.train(signal.features, signal.targets, { lambda: 2 })
    const saved = throughJson(model.save())
    assert.deepEqual(saved.parameters, { lambda: 2 })
    assert.deepEqual(ridge.load(saved).predict(signal.features), model.predict(signal.features))
    assert.throws(() => ridge.load(linear.train(signal.features, signal.targets).save()), { code: 'KOOBER_FORECAST_SAVED_MODEL' })
  })

  it('refuses a lambda that is not a positive number', () => {
    for (const lambda of [0, -1, Number.NaN, Infinity]) {
      assert.throws(() => ridge.train(signal.features, signal.targets, { lambda }), { code: 'KOOBER_INVALID_ARGUMENT' })
    }
  })
})
