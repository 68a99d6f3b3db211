import { kooberError } from '../../errors.js'
import type { FeatureMatrix, SavedModel, Trainer } from '../types.js'
import { binFeatures } from './binning.js'
import { checkOptionNames, checkTrainingData, numberOption, wholeOption } from './checks.js'
import { sampleInOrder, seededRandom } from './random.js'
import { meanOf } from './targets.js'
import { growTree, predictTree, type FlatTree } from './tree.js'
import { loadTreeEnsemble, TreeEnsembleModel } from './tree-ensemble.js'

export type GbtOptions = {
  /** Boosting rounds (trees), at most. Default 200. */
  rounds: number
  /** Shrinks each tree's contribution. Default 0.1. */
  learningRate: number
  /** Deepest level of a tree (the root is depth 0). Default 6. */
  maxDepth: number
  /** Fewest training rows in a leaf. Default 20. */
  minSamplesLeaf: number
  /** Share of the training rows each round draws (without replacement), stochastic gradient boosting. Default 0.8. */
  subsample: number
  /** L2 penalty on leaf values (XGBoost's lambda): a leaf predicts sum/(rows + l2). Default 1. */
  l2: number
  /** Quantile bins per feature, at most 256. Default 256. */
  maxBins: number
  /** Seeds the row draws. Default 1. */
  seed: number
  /**
   * Share of the rows, taken from the end (the latest, when rows are in time
   * order), held out to stop early: training stops once the held-out RMSE has
   * not improved for `earlyStoppingRounds` rounds, and the model keeps the
   * rounds up to its best. The held-out rows are not trained on. Default 0 (no early stopping).
   */
  validationFraction: number
  /** Rounds without improvement before stopping. Default 20. */
  earlyStoppingRounds: number
}

const DEFAULTS: GbtOptions = {
  rounds: 200,
  learningRate: 0.1,
  maxDepth: 6,
  minSamplesLeaf: 20,
  subsample: 0.8,
  l2: 1,
  maxBins: 256,
  seed: 1,
  validationFraction: 0,
  earlyStoppingRounds: 20,
}

/**
 * Gradient-boosted regression trees on squared loss: start from the mean
 * target, then each round fits a histogram tree (tree.ts) to the residuals
 * of a random share of the rows and adds it, shrunk by the learning rate.
 * (With squared loss the negative gradient is the residual and every
 * hessian is 1, so XGBoost's leaf weight −G/(H + λ) is sum/(rows + λ).)
 *
 * @example
 * ```ts
 * const model = gbt.train(features, targets, { rounds: 300, learningRate: 0.05, validationFraction: 0.1 })
 * model.trees.length // the rounds kept
 * ```
 */
export const gbt = {
  algorithm: 'gbt',
  train(features: FeatureMatrix, targets: Float64Array, options: Partial<GbtOptions> = {}): TreeEnsembleModel {
    const o = resolve(options)
    checkTrainingData(features, targets)
    const n = features.rows
    const width = features.columns.length
    const held = Math.round(o.validationFraction * n)
    const trainRows = n - held
    if (o.validationFraction > 0 && (held < 1 || trainRows < 1)) {
      throw kooberError('KOOBER_FORECAST_INVALID_DATA', `validationFraction ${o.validationFraction} of ${n} rows leaves no rows to ${held < 1 ? 'validate on' : 'train on'}`)
    }
    const { data } = features
    // The held-out tail is not even binned: it only decides when to stop.
    const binned = binFeatures({ rows: trainRows, columns: features.columns, data: data.subarray(0, trainRows * width) }, o.maxBins)
    const base = meanOf(targets, 0, trainRows)
    const predictions = new Float64Array(n).fill(base)
    const residuals = new Float64Array(n)
    const random = seededRandom(o.seed)
    const growth = { maxDepth: o.maxDepth, minSamplesLeaf: o.minSamplesLeaf, featuresPerSplit: width, l2: o.l2, shrinkage: o.learningRate }
    const sampleSize = Math.max(1, Math.round(o.subsample * trainRows))
    const rest = new Uint32Array(trainRows - sampleSize)
    let indices: Uint32Array = new Uint32Array(0)
    const trees: FlatTree[] = []
    let bestRound = 0
    let bestError = Infinity
    const addToPredictions = (start: number, end: number, value: number): void => {
      for (let k = start; k < end; k++) predictions[indices[k]!] = predictions[indices[k]!]! + value
    }
    for (let round = 0; round < o.rounds; round++) {
      for (let r = 0; r < trainRows; r++) residuals[r] = targets[r]! - predictions[r]!
      indices = sampleInOrder(random, trainRows, sampleSize, rest)
      // The drawn rows learn their new predictions from the leaves they fell in; the rest (and the held-out tail) walk the tree.
      const tree = growTree(binned, residuals, indices, growth, random, addToPredictions)
      trees.push(tree)
      for (let k = 0; k < rest.length; k++) {
        const r = rest[k]!
        predictions[r] = predictions[r]! + predictTree(tree, data, r * width)
      }
      if (held > 0) {
        let squared = 0
        for (let r = trainRows; r < n; r++) {
          predictions[r] = predictions[r]! + predictTree(tree, data, r * width)
          squared += (targets[r]! - predictions[r]!) ** 2
        }
        const error = Math.sqrt(squared / held)
        if (error < bestError) {
          bestError = error
          bestRound = round
        } else if (round - bestRound >= o.earlyStoppingRounds) break
      }
    }
    if (held > 0) trees.length = bestRound + 1
    return new TreeEnsembleModel('gbt', [...features.columns], { ...o }, base, false, trees)
  },
  load(saved: SavedModel): TreeEnsembleModel {
    return loadTreeEnsemble(saved, 'gbt', false)
  },
} satisfies Trainer<GbtOptions>

function resolve(options: Partial<GbtOptions>): GbtOptions {
  checkOptionNames('gbt', options, Object.keys(DEFAULTS))
  const o: GbtOptions = { ...DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) }
  wholeOption('rounds', o.rounds, 1, 100_000)
  numberOption('learningRate', o.learningRate, 0, 1, true)
  wholeOption('maxDepth', o.maxDepth, 0, 64)
  wholeOption('minSamplesLeaf', o.minSamplesLeaf, 1)
  numberOption('subsample', o.subsample, 0, 1, true)
  numberOption('l2', o.l2, 0, 1e12)
  wholeOption('maxBins', o.maxBins, 2, 256)
  wholeOption('seed', o.seed, 0, 2 ** 32 - 1)
  numberOption('validationFraction', o.validationFraction, 0, 1)
  wholeOption('earlyStoppingRounds', o.earlyStoppingRounds, 1)
  return o
}
