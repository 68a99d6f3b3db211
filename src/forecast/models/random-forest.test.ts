import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { linear } from './linear.js'
import { randomForest } from './random-forest.js'
import { nonLinearSignal, rmse, throughJson, withColumns } from './testing/signals.js'

describe('random forest', () => {
  const NOISE = 0.5
  const train = nonLinearSignal(4000, NOISE, 1)
  const test = nonLinearSignal(2000, NOISE, 2)
  const options = { trees: 30, maxDepth: 10, maxFeatures: 0.5, seed: 7 }
  const model = randomForest.train(train.features, train.targets, options)

  it('learns a step and an interaction to near the noise, far below the linear model', () => {
    const forest = rmse(model.predict(test.features), test.targets)
    const straight = rmse(linear.train(train.features, train.targets).predict(test.features), test.targets)
    assert.ok(forest < 1.6 * NOISE, `forest RMSE ${forest} on held-out rows (noise ${NOISE})`)
    assert.ok(forest < 0.3 * straight, `forest ${forest} vs linear ${straight}`)
  })

  it('is the same model for the same seed, another for another seed', () => {
    assert.deepEqual(randomForest.train(train.features, train.targets, options).save(), model.save())
    const other = randomForest.train(train.features, train.targets, { ...options, seed: 8 })
    assert.notDeepEqual(other.predict(test.features), model.predict(test.features))
  })

  it('saves trees as flat lists of plain JSON and loads a model with identical predictions', () => {
    const saved = throughJson(model.save())
    const state = saved.state as { base: number; trees: Array<Record<string, number[]>> }
    assert.equal(state.trees.length, 30)
    assert.deepEqual(Object.keys(state.trees[0]!).sort(), ['feature', 'left', 'right', 'threshold', 'value'])
    assert.equal(saved.parameters.trees, 30)
    assert.deepEqual(randomForest.load(saved).predict(test.features), model.predict(test.features))
  })

  it('draws without replacement when bootstrap is off, and still learns', () => {
    const noBootstrap = randomForest.train(train.features, train.targets, { ...options, bootstrap: false, sampleFraction: 0.6 })
    assert.ok(rmse(noBootstrap.predict(test.features), test.targets) < 1.6 * NOISE)
  })

  it('predicts constant targets exactly, and trains on a single row', () => {
    const flat = randomForest.train(train.features, new Float64Array(train.features.rows).fill(3.25), { trees: 3 })
    assert.ok(flat.predict(test.features).every((y) => y === 3.25))
    const one = randomForest.train({ rows: 1, columns: ['a'], data: Float64Array.of(1) }, Float64Array.of(9), { trees: 2 })
    assert.deepEqual([...one.predict({ rows: 2, columns: ['a'], data: Float64Array.of(1, 50) })], [9, 9])
  })

  it('refuses other columns, NaN features, and bad options', () => {
    assert.throws(() => model.predict(withColumns(test.features, ['x0', 'x1', 'x2', 'x3', 'x4', 'x6', 'x5'])), { code: 'KOOBER_FORECAST_COLUMNS' })
    const data = test.features.data.slice()
    data[0] = Number.NaN
    assert.throws(() => model.predict({ ...test.features, data }), { code: 'KOOBER_FORECAST_INVALID_DATA' })
    assert.throws(() => randomForest.train({ ...test.features, data }, test.targets), { code: 'KOOBER_FORECAST_INVALID_DATA' })
    for (const bad of [{ trees: 0 }, { maxDepth: -1 }, { maxFeatures: 0 }, { maxBins: 300 }, { sampleFraction: 1.5 }, { minSamplesLeaf: 0.5 }, { bootstrap: 'yes' }, { depth: 3 }]) {
      assert.throws(() => randomForest.train(train.features, train.targets, bad as never), { code: 'KOOBER_INVALID_ARGUMENT' }, JSON.stringify(bad))
    }
  })
})
