import { CholeskyDecomposition, Matrix, pseudoInverse } from 'ml-matrix'
import type { FeatureMatrix, Model, SavedModel } from '../types.js'
import { checkPredictionFeatures } from './checks.js'
import { plainNumbers, readNumber, readNumbers, readSavedModel, savedModelError } from './saved.js'
import { meanOf } from './targets.js'

/**
 * Least squares on standardized features, shared by `linear` and `ridge`.
 *
 * Each column is centred and scaled to unit variance inside the model (the
 * scaling is part of the saved state), so one penalty fits every column and
 * the normal equations stay well conditioned on raw feature scales (counts in
 * the hundreds beside sin/cos in [-1, 1]). The original fitted by SGD, which
 * needs a learning rate tuned to those scales; a closed form over the
 * columns × columns Gram matrix is exact and takes one pass over the rows.
 *
 * The fit minimises (1/n)·Σ(y − ŷ)² + λ·‖w‖² over the standardized weights w,
 * the intercept unpenalized: for uncorrelated columns ridge shrinks each
 * weight by 1/(1 + λ), whatever the number of rows.
 */
export interface LeastSquaresState {
  /** Per column: the mean and the scale (standard deviation, 1 for a constant column) it is standardized with. */
  means: Float64Array
  scales: Float64Array
  /** Weights of the standardized columns. */
  weights: Float64Array
  /** The mean target: the prediction for a row of column means. */
  intercept: number
}

/**
 * Fits the weights. λ = 0 solves through the pseudo-inverse (columns that
 * repeat or combine others get the minimum-norm weights, as numpy's lstsq
 * does, singular values below `rcond` × the largest dropped); λ > 0 through
 * Cholesky, the penalized Gram matrix being positive definite.
 */
export function fitLeastSquares(features: FeatureMatrix, targets: Float64Array, lambda: number, rcond: number): LeastSquaresState {
  const { rows: n, data } = features
  const width = features.columns.length
  const { means, scales } = standardization(features)
  const intercept = meanOf(targets)

  const gram = new Float64Array(width * width)
  const rhs = new Float64Array(width)
  const z = new Float64Array(width)
  for (let r = 0; r < n; r++) {
    const base = r * width
    for (let c = 0; c < width; c++) z[c] = (data[base + c]! - means[c]!) / scales[c]!
    const y = targets[r]! - intercept
    for (let i = 0; i < width; i++) {
      const zi = z[i]!
      if (zi === 0) continue
      rhs[i] = rhs[i]! + zi * y
      const row = i * width
      for (let j = i; j < width; j++) gram[row + j] = gram[row + j]! + zi * z[j]!
    }
  }
  const a = Matrix.zeros(width, width)
  const b = Matrix.zeros(width, 1)
  for (let i = 0; i < width; i++) {
    b.set(i, 0, rhs[i]! / n)
    for (let j = i; j < width; j++) {
      const g = gram[i * width + j]! / n + (i === j ? lambda : 0)
      a.set(i, j, g)
      a.set(j, i, g)
    }
  }
  let solution: Matrix
  const cholesky = lambda > 0 ? new CholeskyDecomposition(a) : undefined
  if (cholesky?.isPositiveDefinite()) solution = cholesky.solve(b)
  else solution = width === 0 ? b : pseudoInverse(a, rcond).mmul(b)
  const weights = new Float64Array(width)
  for (let i = 0; i < width; i++) weights[i] = solution.get(i, 0)
  return { means, scales, weights, intercept }
}

/** Column means and standard deviations; a constant column gets its exact value as mean and scale 1, so it standardizes to exactly 0. */
function standardization(features: FeatureMatrix): { means: Float64Array; scales: Float64Array } {
  const { rows: n, data } = features
  const width = features.columns.length
  const means = new Float64Array(width)
  const scales = new Float64Array(width)
  const min = new Float64Array(width).fill(Infinity)
  const max = new Float64Array(width).fill(-Infinity)
  for (let r = 0; r < n; r++) {
    const base = r * width
    for (let c = 0; c < width; c++) {
      const x = data[base + c]!
      means[c] = means[c]! + x
      if (x < min[c]!) min[c] = x
      if (x > max[c]!) max[c] = x
    }
  }
  for (let c = 0; c < width; c++) means[c] = min[c] === max[c] ? min[c]! : means[c]! / n
  for (let r = 0; r < n; r++) {
    const base = r * width
    for (let c = 0; c < width; c++) {
      const d = data[base + c]! - means[c]!
      scales[c] = scales[c]! + d * d
    }
  }
  for (let c = 0; c < width; c++) {
    const sd = Math.sqrt(scales[c]! / n)
    scales[c] = min[c] === max[c] || !(sd > 0) ? 1 : sd
  }
  return { means, scales }
}

/** A fitted linear model; `linear` and `ridge` differ only in how the weights were found. */
export class LinearModel implements Model {
  constructor(
    readonly algorithm: string,
    readonly columns: readonly string[],
    private readonly parameters: Record<string, unknown>,
    private readonly state: LeastSquaresState,
  ) {}

  predict(features: FeatureMatrix): Float64Array {
    checkPredictionFeatures(features, this)
    const { means, scales, weights, intercept } = this.state
    const { rows, data } = features
    const width = this.columns.length
    const out = new Float64Array(rows)
    for (let r = 0; r < rows; r++) {
      const base = r * width
      let y = intercept
      for (let c = 0; c < width; c++) y += (weights[c]! * (data[base + c]! - means[c]!)) / scales[c]!
      out[r] = y
    }
    return out
  }

  /**
   * The model on the original column scales: y = intercept + Σ weights[c]·x[c].
   *
   * @example
   * ```ts
   * linear.train(features, targets).coefficients() // { intercept: 3.1, weights: Float64Array [2, -1, ...] }
   * ```
   */
  coefficients(): { intercept: number; weights: Float64Array } {
    const { means, scales, weights } = this.state
    const raw = new Float64Array(weights.length)
    let intercept = this.state.intercept
    for (let c = 0; c < weights.length; c++) {
      raw[c] = weights[c]! / scales[c]!
      intercept -= raw[c]! * means[c]!
    }
    return { intercept, weights: raw }
  }

  save(): SavedModel {
    const { means, scales, weights, intercept } = this.state
    return {
      algorithm: this.algorithm,
      columns: [...this.columns],
      parameters: { ...this.parameters },
      state: { means: plainNumbers(means), scales: plainNumbers(scales), weights: plainNumbers(weights), intercept },
    }
  }
}

/** Rebuilds a saved linear or ridge model, checking every number in it. */
export function loadLinearModel(saved: SavedModel, algorithm: string): LinearModel {
  const { columns, state } = readSavedModel(saved, algorithm)
  const width = columns.length
  const scales = readNumbers(state, 'scales', algorithm, width)
  if (scales.some((s) => !(s > 0))) throw savedModelError(algorithm, 'a scale is not positive')
  return new LinearModel(algorithm, columns, { ...saved.parameters }, {
    means: readNumbers(state, 'means', algorithm, width),
    scales,
    weights: readNumbers(state, 'weights', algorithm, width),
    intercept: readNumber(state, 'intercept', algorithm),
  })
}
