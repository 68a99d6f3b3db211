import type { Question } from './features.js'
import type { WeatherConditions } from './types.js'

/*
 * What the serving side answers: the web role's /api/forecast routes and
 * the /forecast page ask a `DemandForecaster` (Koober's reads its models,
 * pickups and weather from the store).
 */

/** A model's scores on its test period, as `koober forecast evaluate` prints them. */
export interface ModelScores {
  rmse: number
  mae: number
  masked_rmse: number
  masked_mape: number
}

/** One trained model as the serving side lists it. */
export interface ModelSummary {
  version: number
  question: Question
  algorithm: string
  /** Epoch ms. */
  trainedAt: number
  /** The period it learned from (epoch ms, end exclusive). */
  trainedFrom: number
  trainedUntil: number
  /** How places are drawn, e.g. `kmeans:200`. */
  places: string
  /** Its scores on the period held out when it was trained; null when none was. */
  evaluation: ModelScores | null
  /** The best of its version and question, the one served by default. */
  best: boolean
}

export interface ForecastQuery {
  /** Any time in the slot to forecast (epoch ms). */
  at: number
  question: Question
  /** Default: the best model of the newest version for the question. */
  algorithm?: string
  /** Only the places within `radiusMeters` of a point (default: every place). */
  near?: { lat: number; lng: number; radiusMeters: number }
  /** The what-if weather (`calendar`); default: the weather table's, or a mild clear day. */
  weather?: WeatherConditions
}

export interface PlaceForecast {
  place: number
  /** The place's centre. */
  lat: number
  lng: number
  /** Predicted pickups in the slot (never below 0). */
  demand: number
}

/**
 * Where a forecast's weather came from: the query's what-if, the weather
 * table, or assumed (a mild clear hour: the table has no weather near the slot).
 */
export type WeatherSource = 'what-if' | 'table' | 'assumed'

export interface ForecastAnswer {
  question: Question
  algorithm: string
  version: number
  /** The half hour forecast (epoch ms, end exclusive). */
  slotStart: number
  slotEnd: number
  /** The weather the prediction used, when the model uses weather. */
  weather: WeatherConditions | null
  /** Where that weather came from; null when the model uses none. */
  weatherSource: WeatherSource | null
  places: PlaceForecast[]
}

export interface SeriesPoint {
  slotStart: number
  predicted: number
  /** What happened (pickups in the place and slot), or null for a slot not yet over. */
  actual: number | null
}

/** Answers the serving side's questions; every method rejects with a coded error (no model yet, an unknown algorithm, a bad range). */
export interface DemandForecaster {
  models(): Promise<ModelSummary[]>
  forecast(query: ForecastQuery): Promise<ForecastAnswer>
  /** Predicted against actual demand of one place, slot by slot. */
  series(query: { place: number; from: number; until: number; question: Question; algorithm?: string }): Promise<SeriesPoint[]>
}
