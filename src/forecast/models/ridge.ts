import type { FeatureMatrix, SavedModel, Trainer } from '../types.js'
import { checkOptionNames, checkTrainingData, numberOption } from './checks.js'
import { fitLeastSquares, LinearModel, loadLinearModel } from './least-squares.js'

export type RidgeOptions = {
  /**
   * The L2 penalty on the standardized weights, per row: the fit minimises
   * mean squared error + lambda·‖w‖², the intercept unpenalized, so a
   * weight of uncorrelated columns shrinks by 1/(1 + lambda). Default 0.01.
   */
  lambda: number
}

const DEFAULTS: RidgeOptions = { lambda: 0.01 }

/**
 * Ridge regression (L2-penalized least squares) on standardized features (see least-squares.ts).
 *
 * @example
 * ```ts
 * const model = ridge.train(features, targets, { lambda: 1 })
 * model.predict(features)
 * ```
 */
export const ridge = {
  algorithm: 'ridge',
  train(features: FeatureMatrix, targets: Float64Array, options: Partial<RidgeOptions> = {}): LinearModel {
    checkOptionNames('ridge', options, Object.keys(DEFAULTS))
    const lambda = numberOption('lambda', options.lambda ?? DEFAULTS.lambda, 0, 1e12, true)
    checkTrainingData(features, targets)
    return new LinearModel('ridge', [...features.columns], { lambda }, fitLeastSquares(features, targets, lambda, 1e-10))
  },
  load(saved: SavedModel): LinearModel {
    return loadLinearModel(saved, 'ridge')
  },
} satisfies Trainer<RidgeOptions>
