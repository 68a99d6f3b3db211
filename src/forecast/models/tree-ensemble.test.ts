import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { SavedModel } from '../types.js'
import { gbt } from './gbt.js'
import { randomForest } from './random-forest.js'
import { nonLinearSignal, throughJson } from './testing/signals.js'
import { predictTree } from './tree.js'
import { loadTreeEnsemble, TreeEnsembleModel } from './tree-ensemble.js'

describe('tree ensembles', () => {
  const signal = nonLinearSignal(1003, 0.5, 5)

  it('predict (packed trees, rows four at a time) equals walking each tree row by row, whatever the row count', () => {
    for (const model of [randomForest.train(signal.features, signal.targets, { trees: 7, maxDepth: 9 }), gbt.train(signal.features, signal.targets, { rounds: 9, maxDepth: 3 })]) {
      for (const rows of [0, 1, 3, 4, 5, 1003]) {
        const features = { rows, columns: signal.features.columns, data: signal.features.data.subarray(0, rows * 7) }
        const predicted = model.predict(features)
        assert.equal(predicted.length, rows)
        for (let r = 0; r < rows; r++) {
          let sum = 0
          for (const tree of model.trees) sum += predictTree(tree, features.data, r * 7)
          assert.equal(predicted[r], model.base + (model.average ? sum / model.trees.length : sum), `${model.algorithm} row ${r} of ${rows}`)
        }
      }
    }
  })

  it('a boosting model of no trees predicts its base', () => {
    const empty = new TreeEnsembleModel('gbt', ['x0'], {}, 2.5, false, [])
    assert.deepEqual([...empty.predict({ rows: 2, columns: ['x0'], data: Float64Array.of(1, 2) })], [2.5, 2.5])
  })

  describe('refuses a corrupt saved model', () => {
    const saved = throughJson(randomForest.train(signal.features, signal.targets, { trees: 2, maxDepth: 3 }).save())
    const withTree = (change: (tree: Record<string, number[]>) => void): SavedModel => {
      const copy = throughJson(saved)
      change((copy.state as { trees: Array<Record<string, number[]>> }).trees[0]!)
      return copy
    }
    const internal = (saved.state as { trees: Array<Record<string, number[]>> }).trees[0]!.feature!.findIndex((f) => f >= 0)
    const cases: Array<[string, SavedModel, RegExp]> = [
      ['a child before its parent (a cycle)', withTree((t) => (t.left![internal] = internal)), /not a later node/],
      ['a child out of the tree', withTree((t) => (t.right![internal] = 10_000)), /not a later node/],
      ['two parents of one node', withTree((t) => (t.right![internal] = t.left![internal]!)), /no other parent/],
      ['a feature outside the columns', withTree((t) => (t.feature![internal] = 7)), /outside the 7 columns/],
      ['a fractional feature', withTree((t) => (t.feature![internal] = 0.5)), /feature 0.5/],
      ['lists of different lengths', withTree((t) => t.value!.pop()), /different lengths/],
      ['a missing list', withTree((t) => delete t.threshold), /threshold is not a list/],
      ['a non-number value', withTree((t) => ((t.value as unknown[])[0] = 'x')), /value is not a list of finite numbers/],
      ['no trees', { ...saved, state: { base: 1, trees: [] } }, /not a list of trees/],
      ['no base', { ...saved, state: { trees: (saved.state as { trees: unknown }).trees } }, /base is not a finite number/],
      ['columns that are not names', { ...saved, columns: [1, 2] as never }, /columns are not a list of names/],
      ['no parameters', { ...saved, parameters: undefined as never }, /parameters are not an object/],
      ['another algorithm', { ...saved, algorithm: 'gbt' }, /algorithm "gbt"/],
    ]
    for (const [what, corrupt, message] of cases) {
      it(what, () => assert.throws(() => loadTreeEnsemble(corrupt, 'random_forest', true), { code: 'KOOBER_FORECAST_SAVED_MODEL', message }))
    }
    it('and loads the intact one', () => assert.deepEqual(loadTreeEnsemble(saved, 'random_forest', true).save(), saved))
  })
})
