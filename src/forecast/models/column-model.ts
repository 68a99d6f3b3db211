import { kooberError } from '../../errors.js'
import type { FeatureMatrix, Model, SavedModel, Trainer } from '../types.js'
import { checkOptionNames, checkPredictionFeatures, checkTrainingData } from './checks.js'
import { readSavedModel, savedModelError } from './saved.js'

/** The naive baselines take no options. */
export type ColumnModelOptions = Record<string, never>

/**
 * A naive baseline as a model: it predicts one named feature column as it
 * is, so evaluation scores it exactly like the learned models, on the same
 * rows. The feature builder names the columns these read.
 */
export class ColumnModel implements Model {
  private readonly index: number

  constructor(
    readonly algorithm: string,
    readonly columns: readonly string[],
    /** The column it predicts. */
    readonly column: string,
  ) {
    this.index = columns.indexOf(column)
  }

  predict(features: FeatureMatrix): Float64Array {
    checkPredictionFeatures(features, this)
    const width = this.columns.length
    const out = new Float64Array(features.rows)
    for (let r = 0; r < features.rows; r++) out[r] = features.data[r * width + this.index]!
    return out
  }

  save(): SavedModel {
    return { algorithm: this.algorithm, columns: [...this.columns], parameters: {}, state: { column: this.column } }
  }
}

/**
 * A trainer for the baseline that predicts `column`. Training learns
 * nothing; it checks the column is there.
 *
 * @example
 * ```ts
 * const persistence = columnModelTrainer('persistence', 'lag_1')
 * persistence.train(features, targets).predict(features) // the lag_1 column
 * ```
 */
export function columnModelTrainer(algorithm: string, column: string): Trainer<ColumnModelOptions> {
  return {
    algorithm,
    train(features: FeatureMatrix, targets: Float64Array, options: Partial<ColumnModelOptions> = {}): ColumnModel {
      checkOptionNames(algorithm, options, [])
      checkTrainingData(features, targets)
      if (!features.columns.includes(column)) {
        throw kooberError('KOOBER_FORECAST_COLUMNS', `the ${algorithm} baseline predicts column "${column}", which the features [${features.columns.join(', ')}] lack`)
      }
      return new ColumnModel(algorithm, [...features.columns], column)
    },
    load(saved: SavedModel): ColumnModel {
      const { columns, state } = readSavedModel(saved, algorithm)
      if (state.column !== column) throw savedModelError(algorithm, `it predicts column ${JSON.stringify(state.column)}, not "${column}"`)
      if (!columns.includes(column)) throw savedModelError(algorithm, `its columns lack "${column}"`)
      return new ColumnModel(algorithm, columns, column)
    },
  }
}

/** Demand in the next slot = demand in the last one. */
export const persistence = columnModelTrainer('persistence', 'lag_1')
/** Demand = the mean of the same place and slot of the week over the training weeks. */
export const historicalAverage = columnModelTrainer('historical_average', 'historical_average')
/** Demand = the same place and slot a week before. */
export const lastWeek = columnModelTrainer('last_week', 'same_slot_last_week')
