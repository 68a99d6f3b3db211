import type { FeatureMatrix, SavedModel, Trainer } from '../types.js'
import { checkOptionNames, checkTrainingData, numberOption } from './checks.js'
import { fitLeastSquares, LinearModel, loadLinearModel } from './least-squares.js'

export type LinearOptions = {
  /** Singular values of the standardized Gram matrix below rcond × the largest count as zero (collinear columns). Default 1e-10. */
  rcond: number
}

const DEFAULTS: LinearOptions = { rcond: 1e-10 }

/**
 * Ordinary least squares on standardized features (see least-squares.ts).
 *
 * @example
 * ```ts
 * const model = linear.train({ rows: 3, columns: ['x'], data: Float64Array.of(1, 2, 3) }, Float64Array.of(3, 5, 7))
 * model.coefficients() // { intercept: 1, weights: [2] }
 * ```
 */
export const linear = {
  algorithm: 'linear',
  train(features: FeatureMatrix, targets: Float64Array, options: Partial<LinearOptions> = {}): LinearModel {
    checkOptionNames('linear', options, Object.keys(DEFAULTS))
    const rcond = numberOption('rcond', options.rcond ?? DEFAULTS.rcond, 0, 1)
    checkTrainingData(features, targets)
    return new LinearModel('linear', [...features.columns], { rcond }, fitLeastSquares(features, targets, 0, rcond))
  },
  load(saved: SavedModel): LinearModel {
    return loadLinearModel(saved, 'linear')
  },
} satisfies Trainer<LinearOptions>
