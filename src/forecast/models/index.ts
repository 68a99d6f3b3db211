import { kooberError } from '../../errors.js'
import type { Model, SavedModel, Trainer } from '../types.js'
import { historicalAverage, lastWeek, persistence } from './column-model.js'
import { gbt } from './gbt.js'
import { linear } from './linear.js'
import { randomForest } from './random-forest.js'
import { ridge } from './ridge.js'
import { isRecord } from './saved.js'

/**
 * The forecasting algorithms, learned and naive, by name. Every one trains
 * on a feature matrix and predicts one value per row, so evaluation runs
 * them all the same way.
 *
 * @example
 * ```ts
 * const model = TRAINERS.gbt!.train(features, targets, { rounds: 300 })
 * const again = loadModel(JSON.parse(JSON.stringify(model.save())))
 * ```
 */
export const TRAINERS: Readonly<Record<string, Trainer>> = Object.freeze({
  linear,
  ridge,
  random_forest: randomForest,
  gbt,
  persistence,
  historical_average: historicalAverage,
  last_week: lastWeek,
})

/**
 * Rebuilds a saved model with the trainer its `algorithm` names. When
 * `columns` is given (the features the caller will predict from), the saved
 * model must have been trained on exactly those, in that order, so a model
 * that does not fit is refused on loading, not on its first prediction.
 */
export function loadModel(saved: SavedModel, columns?: readonly string[]): Model {
  if (!isRecord(saved) || typeof saved.algorithm !== 'string') {
    throw kooberError('KOOBER_FORECAST_SAVED_MODEL', 'cannot load a saved model: it is not an object naming its algorithm')
  }
  const trainer = Object.hasOwn(TRAINERS, saved.algorithm) ? TRAINERS[saved.algorithm] : undefined
  if (!trainer) {
    throw kooberError('KOOBER_FORECAST_UNKNOWN_ALGORITHM', `cannot load a saved model of algorithm "${saved.algorithm}": known are ${Object.keys(TRAINERS).join(', ')}`)
  }
  const model = trainer.load(saved)
  if (columns && (columns.length !== model.columns.length || columns.some((name, i) => name !== model.columns[i]))) {
    throw kooberError('KOOBER_FORECAST_COLUMNS', `the saved ${saved.algorithm} model was trained on columns [${model.columns.join(', ')}], not [${columns.join(', ')}]`)
  }
  return model
}

export { ColumnModel, columnModelTrainer, historicalAverage, lastWeek, persistence, type ColumnModelOptions } from './column-model.js'
export { gbt, type GbtOptions } from './gbt.js'
export { LinearModel } from './least-squares.js'
export { linear, type LinearOptions } from './linear.js'
export { randomForest, type RandomForestOptions } from './random-forest.js'
export { ridge, type RidgeOptions } from './ridge.js'
export { TreeEnsembleModel } from './tree-ensemble.js'
