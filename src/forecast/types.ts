/**
 * The shapes shared across the forecast layer: what the importers produce,
 * what the feature builder hands the models, and what a trained model is.
 * The forecast layer knows nothing of Koober; Koober feeds it pickups and
 * weather and serves its predictions.
 */

/** Demand is counted per place per half hour, as the original PredictionIO engine did. */
export const SLOT_MS = 30 * 60_000

/** One pickup: when (epoch ms, UTC) and where (WGS84 degrees). */
export interface Pickup {
  time: number
  lat: number
  lng: number
}

/** The weather flags of the original Koober model, plus the temperature. */
export interface WeatherConditions {
  /** °C. */
  temperature: number
  clear: boolean
  fog: boolean
  rain: boolean
  snow: boolean
  hail: boolean
  thunder: boolean
  tornado: boolean
}

/** One hour of weather; `hour` is the epoch ms (UTC) at the start of the hour. */
export interface WeatherHour extends WeatherConditions {
  hour: number
  /**
   * Where it comes from: an hourly record, or a daily one spread over the
   * day's hours, whose flags and extremes describe the whole day (so they
   * are known only once the day is over). Absent: hourly.
   */
  source?: 'hourly' | 'daily'
}

/**
 * A dense feature matrix, row-major: row r, column c is `data[r * columns.length + c]`.
 * Column names say what each feature is (`lag_1`, `same_slot_last_week`, `hour_sin`, ...),
 * so a saved model can be checked against the features it is given.
 */
export interface FeatureMatrix {
  rows: number
  columns: readonly string[]
  data: Float64Array
}

/** A trained model: predicts one value (demand in a place and slot) per row. */
export interface Model {
  /** The algorithm, e.g. `ridge`. */
  readonly algorithm: string
  /** The feature columns it was trained on, in order. */
  readonly columns: readonly string[]
  predict(features: FeatureMatrix): Float64Array
  /** Everything needed to rebuild it with its trainer's `load` (plain JSON). */
  save(): SavedModel
}

export interface SavedModel {
  algorithm: string
  columns: string[]
  parameters: Record<string, unknown>
  /** The fitted state (weights, trees, ...), plain JSON. */
  state: unknown
}

/** An algorithm: trains a model from features and targets, or rebuilds a saved one. */
export interface Trainer<Options = Record<string, unknown>> {
  readonly algorithm: string
  train(features: FeatureMatrix, targets: Float64Array, options?: Partial<Options>): Model
  load(saved: SavedModel): Model
}
