import { kooberError } from '../errors.js'

/**
 * How far predictions are from what happened, the way the published NYC
 * taxi-demand tables measure it: RMSE and MAE over every (place, slot), and
 * RMSE and MAPE over the pairs whose actual demand is above 10 pickups
 * (the mask of those tables; on quieter pairs a percentage error means little).
 *
 * @example
 * ```ts
 * scoreDemand(Float64Array.of(12, 0, 22), Float64Array.of(12, 2, 20))
 * // { rmse: 1.63, mae: 1.33, masked_rmse: 1.41, masked_mape: 5, masked_pairs: 2, pairs: 3 } (12 and 20 are above 10; MAPE in percent)
 * ```
 */
export interface DemandScores {
  rmse: number
  mae: number
  /** RMSE over the pairs with more than MASK_THRESHOLD pickups; NaN when there are none. */
  masked_rmse: number
  /** Mean absolute percentage error over those pairs, in percent; NaN when there are none. */
  masked_mape: number
  masked_pairs: number
  pairs: number
}

/** Pairs with more pickups than this enter the masked scores. */
export const MASK_THRESHOLD = 10

export function rmse(predicted: ArrayLike<number>, actual: ArrayLike<number>): number {
  checkLengths(predicted, actual)
  let sum = 0
  for (let i = 0; i < actual.length; i++) sum += (predicted[i]! - actual[i]!) ** 2
  return Math.sqrt(sum / actual.length)
}

export function mae(predicted: ArrayLike<number>, actual: ArrayLike<number>): number {
  checkLengths(predicted, actual)
  let sum = 0
  for (let i = 0; i < actual.length; i++) sum += Math.abs(predicted[i]! - actual[i]!)
  return sum / actual.length
}

export function scoreDemand(predicted: ArrayLike<number>, actual: ArrayLike<number>): DemandScores {
  checkLengths(predicted, actual)
  let squared = 0
  let absolute = 0
  let maskedSquared = 0
  let maskedPercent = 0
  let masked = 0
  for (let i = 0; i < actual.length; i++) {
    const error = predicted[i]! - actual[i]!
    squared += error * error
    absolute += Math.abs(error)
    if (actual[i]! > MASK_THRESHOLD) {
      masked++
      maskedSquared += error * error
      maskedPercent += Math.abs(error) / actual[i]!
    }
  }
  const n = actual.length
  return {
    rmse: Math.sqrt(squared / n),
    mae: absolute / n,
    masked_rmse: masked > 0 ? Math.sqrt(maskedSquared / masked) : Number.NaN,
    masked_mape: masked > 0 ? (100 * maskedPercent) / masked : Number.NaN,
    masked_pairs: masked,
    pairs: n,
  }
}

function checkLengths(predicted: ArrayLike<number>, actual: ArrayLike<number>): void {
  if (predicted.length !== actual.length) throw kooberError('KOOBER_INVALID_ARGUMENT', `${predicted.length} predictions for ${actual.length} actual values`)
  if (actual.length === 0) throw kooberError('KOOBER_INVALID_ARGUMENT', 'nothing to score: no actual values')
  for (let i = 0; i < actual.length; i++) {
    if (!Number.isFinite(predicted[i]!) || !Number.isFinite(actual[i]!)) {
      throw kooberError('KOOBER_INVALID_ARGUMENT', `cannot score a value that is not a finite number (row ${i}: predicted ${predicted[i]}, actual ${actual[i]})`)
    }
  }
}
