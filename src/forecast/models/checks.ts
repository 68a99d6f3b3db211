import { kooberError } from '../../errors.js'
import type { FeatureMatrix } from '../types.js'

/**
 * The checks every model makes on what it is given, so bad input is refused
 * up front with a coded error instead of poisoning a fit or a prediction.
 * Non-finite features are refused rather than imputed: which value stands in
 * for a missing lag is the feature builder's decision, not a model's.
 */

/** Refuses a matrix whose shape is inconsistent, whose column names repeat, or which holds NaN or ±Infinity. */
export function checkFeatureMatrix(features: FeatureMatrix): void {
  const { rows, columns, data } = features
  if (!Number.isSafeInteger(rows) || rows < 0) {
    throw kooberError('KOOBER_FORECAST_INVALID_DATA', `a feature matrix needs a whole, non-negative number of rows, got ${rows}`)
  }
  if (!(data instanceof Float64Array) || data.length !== rows * columns.length) {
    throw kooberError('KOOBER_FORECAST_INVALID_DATA', `a feature matrix of ${rows} rows × ${columns.length} columns needs ${rows * columns.length} values, got ${data?.length}`)
  }
  const seen = new Set<string>()
  for (const name of columns) {
    if (seen.has(name)) throw kooberError('KOOBER_FORECAST_INVALID_DATA', `feature column "${name}" appears twice`)
    seen.add(name)
  }
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]!)) {
      const width = columns.length
      throw kooberError('KOOBER_FORECAST_INVALID_DATA', `feature "${columns[i % width]}" of row ${Math.floor(i / width)} is ${data[i]}; models need finite features (fill missing values before training or predicting)`)
    }
  }
}

/** Refuses training data a model cannot learn from: no rows, targets that do not match the rows, or non-finite targets. */
export function checkTrainingData(features: FeatureMatrix, targets: Float64Array): void {
  checkFeatureMatrix(features)
  if (features.rows === 0) throw kooberError('KOOBER_FORECAST_INVALID_DATA', 'cannot train a model on no rows')
  if (!(targets instanceof Float64Array) || targets.length !== features.rows) {
    throw kooberError('KOOBER_FORECAST_INVALID_DATA', `${features.rows} feature rows need as many targets, got ${targets?.length}`)
  }
  for (let i = 0; i < targets.length; i++) {
    if (!Number.isFinite(targets[i]!)) throw kooberError('KOOBER_FORECAST_INVALID_DATA', `target of row ${i} is ${targets[i]}; targets must be finite`)
  }
}

/** Refuses features whose columns are not exactly the model's (same names, same order), then checks the matrix itself. */
export function checkPredictionFeatures(features: FeatureMatrix, model: { algorithm: string; columns: readonly string[] }): void {
  const expected = model.columns
  const given = features.columns
  if (given.length !== expected.length || given.some((name, i) => name !== expected[i])) {
    const missing = expected.filter((name) => !given.includes(name))
    const extra = given.filter((name) => !expected.includes(name))
    const detail = missing.length > 0 || extra.length > 0 ? `missing [${missing.join(', ')}], unexpected [${extra.join(', ')}]` : 'same names in another order'
    throw kooberError('KOOBER_FORECAST_COLUMNS', `the ${model.algorithm} model was trained on columns [${expected.join(', ')}] and was given [${given.join(', ')}]: ${detail}`)
  }
  checkFeatureMatrix(features)
}

/** An option that must be a whole number in [min, max]. */
export function wholeOption(name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw kooberError('KOOBER_INVALID_ARGUMENT', `option ${name} must be a whole number in [${min}, ${max}], got ${value}`)
  }
  return value
}

/** An option that must be a finite number in [min, max] (or (min, max] when `openMin`). */
export function numberOption(name: string, value: number, min: number, max: number, openMin = false): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max || (openMin && value === min)) {
    throw kooberError('KOOBER_INVALID_ARGUMENT', `option ${name} must be a number in ${openMin ? '(' : '['}${min}, ${max}], got ${value}`)
  }
  return value
}

/** Refuses option names a trainer does not know, so a typo is not silently ignored. */
export function checkOptionNames(algorithm: string, options: object, known: readonly string[]): void {
  for (const name of Object.keys(options)) {
    if (!known.includes(name)) throw kooberError('KOOBER_INVALID_ARGUMENT', `${algorithm} has no option "${name}" (it has ${known.join(', ')})`)
  }
}
