import { kooberError } from '../../errors.js'
import type { FeatureMatrix, SavedModel, Trainer } from '../types.js'
import { binFeatures } from './binning.js'
import { checkOptionNames, checkTrainingData, numberOption, wholeOption } from './checks.js'
import { sampleInOrder, seededRandom } from './random.js'
import { meanOf } from './targets.js'
import { growTree, type FlatTree } from './tree.js'
import { loadTreeEnsemble, TreeEnsembleModel } from './tree-ensemble.js'

export type RandomForestOptions = {
  /** Trees in the forest. Default 50. */
  trees: number
  /** Deepest level of a tree (the root is depth 0). Default 12. */
  maxDepth: number
  /** Fewest training rows (counting bootstrap repeats) in a leaf. Default 5. */
  minSamplesLeaf: number
  /** Share of the columns each split draws its candidates from (at least one). Default 1/3, the usual choice for regression. */
  maxFeatures: number
  /** Draw each tree's rows with replacement (true) or without (false). Default true. */
  bootstrap: boolean
  /** Rows drawn per tree, as a share of the training rows (without bootstrap, below 1 to differ between trees). Default 1. */
  sampleFraction: number
  /** Quantile bins per feature, at most 256. Default 256. */
  maxBins: number
  /** Seeds the row and feature draws: the same seed and data give the same forest. Default 1. */
  seed: number
}

const DEFAULTS: RandomForestOptions = { trees: 50, maxDepth: 12, minSamplesLeaf: 5, maxFeatures: 1 / 3, bootstrap: true, sampleFraction: 1, maxBins: 256, seed: 1 }

/**
 * A random forest regressor (Breiman): trees on bootstrap samples, each
 * split choosing among a random subset of the features, predictions
 * averaged. The trees are histogram trees (tree.ts); the targets are
 * centred on their mean, which is the model's base.
 *
 * @example
 * ```ts
 * const model = randomForest.train(features, targets, { trees: 100, seed: 7 })
 * model.predict(features)
 * ```
 */
export const randomForest = {
  algorithm: 'random_forest',
  train(features: FeatureMatrix, targets: Float64Array, options: Partial<RandomForestOptions> = {}): TreeEnsembleModel {
    const o = resolve(options)
    checkTrainingData(features, targets)
    const n = features.rows
    const width = features.columns.length
    const binned = binFeatures(features, o.maxBins)
    const base = meanOf(targets)
    const centred = targets.map((y) => y - base)
    const random = seededRandom(o.seed)
    const sampleSize = Math.max(1, Math.round(o.sampleFraction * n))
    const growth = { maxDepth: o.maxDepth, minSamplesLeaf: o.minSamplesLeaf, featuresPerSplit: Math.max(1, Math.round(o.maxFeatures * width)), l2: 0, shrinkage: 1 }
    const trees: FlatTree[] = []
    for (let t = 0; t < o.trees; t++) {
      if (o.bootstrap) {
        // A draw with replacement as how often each row was drawn: the tree sums each drawn row once, weighted, in row order.
        const weights = new Float64Array(n)
        for (let k = 0; k < sampleSize; k++) {
          const row = random.below(n)
          weights[row] = weights[row]! + 1
        }
        let drawn = 0
        for (let r = 0; r < n; r++) if (weights[r]! > 0) drawn++
        const indices = new Uint32Array(drawn)
        for (let r = 0, k = 0; r < n; r++) if (weights[r]! > 0) indices[k++] = r
        trees.push(growTree(binned, centred, indices, growth, random, undefined, weights))
      } else {
        trees.push(growTree(binned, centred, sampleInOrder(random, n, sampleSize), growth, random))
      }
    }
    return new TreeEnsembleModel('random_forest', [...features.columns], { ...o }, base, true, trees)
  },
  load(saved: SavedModel): TreeEnsembleModel {
    return loadTreeEnsemble(saved, 'random_forest', true)
  },
} satisfies Trainer<RandomForestOptions>

function resolve(options: Partial<RandomForestOptions>): RandomForestOptions {
  checkOptionNames('random_forest', options, Object.keys(DEFAULTS))
  const o: RandomForestOptions = { ...DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) }
  wholeOption('trees', o.trees, 1, 10_000)
  wholeOption('maxDepth', o.maxDepth, 0, 64)
  wholeOption('minSamplesLeaf', o.minSamplesLeaf, 1)
  numberOption('maxFeatures', o.maxFeatures, 0, 1, true)
  numberOption('sampleFraction', o.sampleFraction, 0, 1, true)
  wholeOption('maxBins', o.maxBins, 2, 256)
  wholeOption('seed', o.seed, 0, 2 ** 32 - 1)
  if (typeof o.bootstrap !== 'boolean') throw kooberError('KOOBER_INVALID_ARGUMENT', `option bootstrap must be true or false, got ${String(o.bootstrap)}`)
  return o
}
