import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { gbt } from './gbt.js'
import { linear } from './linear.js'
import { nonLinearSignal, rmse, throughJson, withColumns } from './testing/signals.js'

describe('gradient-boosted trees', () => {
  const NOISE = 0.5
  const train = nonLinearSignal(4000, NOISE, 1)
  const test = nonLinearSignal(2000, NOISE, 2)
  const options = { rounds: 80, maxDepth: 4, seed: 3 }
  const model = gbt.train(train.features, train.targets, options)

  it('learns a step and an interaction to near the noise, far below the linear model', () => {
    const boosted = rmse(model.predict(test.features), test.targets)
    const straight = rmse(linear.train(train.features, train.targets).predict(test.features), test.targets)
    assert.ok(boosted < 1.5 * NOISE, `boosting RMSE ${boosted} on held-out rows (noise ${NOISE})`)
    assert.ok(boosted < 0.3 * straight, `boosting ${boosted} vs linear ${straight}`)
  })

  it('fits its training rows better with every added round', () => {
    const errors = [1, 5, 20, 80].map((rounds) => rmse(gbt.train(train.features, train.targets, { ...options, rounds }).predict(train.features), train.targets))
    for (let i = 1; i < errors.length; i++) assert.ok(errors[i]! < errors[i - 1]!, `training RMSE by rounds: ${errors.join(', ')}`)
  })

  it('stops early when the held-out tail stops improving, keeping the rounds up to its best', () => {
    const stopped = gbt.train(train.features, train.targets, { rounds: 1000, learningRate: 0.3, validationFraction: 0.25, earlyStoppingRounds: 10, seed: 3 })
    assert.ok(stopped.trees.length < 200, `kept ${stopped.trees.length} rounds of 1000`)
    assert.ok(rmse(stopped.predict(test.features), test.targets) < 1.5 * NOISE)
    // The same seed on the first 3,000 rows alone grows the same trees: the tail was never trained on.
    const head = { rows: 3000, columns: train.features.columns, data: train.features.data.subarray(0, 3000 * 7) }
    const kept = stopped.trees.length
    const longer = gbt.train(head, train.targets.subarray(0, 3000), { rounds: kept + 10, learningRate: 0.3, seed: 3 })
    assert.deepEqual(longer.trees.slice(0, kept), stopped.trees)
    // And the rounds kept are the best on the tail: the ten after them are worse there.
    const tail = { rows: 1000, columns: train.features.columns, data: train.features.data.subarray(3000 * 7) }
    const tailTargets = train.targets.subarray(3000)
    assert.ok(rmse(stopped.predict(tail), tailTargets) < rmse(longer.predict(tail), tailTargets))
  })

  it('is the same model for the same seed, and subsampling makes seeds differ', () => {
    assert.deepEqual(gbt.train(train.features, train.targets, options).save(), model.save())
    assert.notDeepEqual(gbt.train(train.features, train.targets, { ...options, seed: 4 }).predict(test.features), model.predict(test.features))
  })

  it('saves and loads a model with identical predictions', () => {
    const saved = throughJson(model.save())
    assert.equal((saved.state as { trees: unknown[] }).trees.length, 80)
    assert.deepEqual(gbt.load(saved).predict(test.features), model.predict(test.features))
  })

  it('predicts constant targets exactly, and trains on a single row', () => {
    const flat = gbt.train(train.features, new Float64Array(train.features.rows).fill(-1.5), { rounds: 5 })
    assert.ok(flat.predict(test.features).every((y) => y === -1.5))
    const one = gbt.train({ rows: 1, columns: ['a'], data: Float64Array.of(1) }, Float64Array.of(9), { rounds: 3 })
    assert.deepEqual([...one.predict({ rows: 1, columns: ['a'], data: Float64Array.of(-4) })], [9])
  })

  it('refuses other columns, bad options, and a validation share that leaves nothing', () => {
    assert.throws(() => model.predict(withColumns(test.features, ['a', 'b', 'c', 'd', 'e', 'f', 'g'])), { code: 'KOOBER_FORECAST_COLUMNS' })
    for (const bad of [{ rounds: 0 }, { learningRate: 0 }, { learningRate: 2 }, { subsample: 0 }, { l2: -1 }, { validationFraction: 1.2 }, { seed: -1 }]) {
      assert.throws(() => gbt.train(train.features, train.targets, bad), { code: 'KOOBER_INVALID_ARGUMENT' }, JSON.stringify(bad))
    }
    assert.throws(() => gbt.train({ rows: 1, columns: ['a'], data: Float64Array.of(1) }, Float64Array.of(1), { validationFraction: 0.3 }), { code: 'KOOBER_FORECAST_INVALID_DATA' })
  })
})
