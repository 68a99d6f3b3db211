import type { Question } from '../forecast/features.js'
import type { ForecastAnswer, ModelScores, ModelSummary, SeriesPoint } from '../forecast/serving.js'

/*
 * What the /api/forecast routes send, as types the server and the /forecast
 * page share (the page imports this file; it must stay free of server code).
 */

/** The weather flags `conditions=` takes, as the original Koober model named them. */
export const WEATHER_FLAGS = ['clear', 'fog', 'rain', 'snow', 'hail', 'thunder', 'tornado'] as const
export type WeatherFlag = (typeof WEATHER_FLAGS)[number]

/** The circle a forecast was asked around. */
export interface Near {
  lat: number
  lng: number
  radiusMeters: number
}

/** One place's forecast as an RFC 7946 Point feature: coordinates in [longitude, latitude] order. */
export interface PlaceFeature {
  type: 'Feature'
  id: number
  geometry: { type: 'Point'; coordinates: [number, number] }
  properties: { place: number; demand: number }
}

/**
 * GET /api/forecast: a GeoJSON FeatureCollection of the places, with what
 * was forecast as foreign members (RFC 7946 §6.1), so one document says both
 * where and under which model, slot and weather.
 */
export interface ForecastCollection extends Omit<ForecastAnswer, 'places'> {
  type: 'FeatureCollection'
  /** Null: every place. */
  near: Near | null
  features: PlaceFeature[]
}

/** A model's scores as JSON has them: null where a score is undefined (no pair above the mask's threshold has no masked score). */
export type ScoresReply = { [K in keyof ModelScores]: number | null }

export type ModelReply = Omit<ModelSummary, 'evaluation'> & { evaluation: ScoresReply | null }

/** GET /api/forecast/models. */
export interface ModelsReply {
  /** The newest version trained, null before the first training. */
  newestVersion: number | null
  models: ModelReply[]
}

/**
 * The forecaster's model list as GET /api/forecast/models sends it.
 *
 * @example
 * ```ts
 * toModelsReply(await forecaster.models()) // { newestVersion: 3, models: [{ version: 3, algorithm: 'gbt', evaluation: { rmse: 4.1, ..., masked_mape: null }, ... }] }
 * ```
 */
export function toModelsReply(models: ModelSummary[]): ModelsReply {
  const finite = (value: number): number | null => (Number.isFinite(value) ? value : null)
  return {
    newestVersion: models.length === 0 ? null : Math.max(...models.map((m) => m.version)),
    models: models.map((m) => ({
      ...m,
      evaluation: m.evaluation && { rmse: finite(m.evaluation.rmse), mae: finite(m.evaluation.mae), masked_rmse: finite(m.evaluation.masked_rmse), masked_mape: finite(m.evaluation.masked_mape) },
    })),
  }
}

/** GET /api/forecast/series. */
export interface SeriesReply {
  place: number
  question: Question
  /** As asked; null for the best model of the newest version. */
  algorithm: string | null
  from: number
  until: number
  points: SeriesPoint[]
}

/** An error reply of every route: a message for a person and, when there is one, the KooberError code for a program. */
export interface ErrorReply {
  error: string
  code?: string
}

/**
 * A forecaster's answer as GeoJSON.
 *
 * @example
 * ```ts
 * toForecastCollection(await forecaster.forecast({ at, question: 'next' }), null).features[0]
 * // { type: 'Feature', id: 7, geometry: { type: 'Point', coordinates: [-73.98, 40.75] }, properties: { place: 7, demand: 12.3 } }
 * ```
 */
export function toForecastCollection(answer: ForecastAnswer, near: Near | null): ForecastCollection {
  return {
    type: 'FeatureCollection',
    question: answer.question,
    algorithm: answer.algorithm,
    version: answer.version,
    slotStart: answer.slotStart,
    slotEnd: answer.slotEnd,
    weather: answer.weather,
    weatherSource: answer.weatherSource,
    near,
    features: answer.places.map((p) => ({
      type: 'Feature',
      id: p.place,
      geometry: { type: 'Point', coordinates: [p.lng, p.lat] },
      properties: { place: p.place, demand: p.demand },
    })),
  }
}
