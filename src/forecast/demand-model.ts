import { kooberError } from '../errors.js'
import { slotCalendar } from './calendar.js'
import { calendarFeatures } from './calendar-features.js'
import { countDemand, sliceDemand, slotsOf, type DemandSeries } from './demand.js'
import { evaluate, fitTrainingPlaces, trainingNeed, type ModelEvaluation } from './evaluate.js'
import { QUESTIONS, SLOTS_PER_DAY, type FeatureRows, type Question } from './features.js'
import { loadModel, TRAINERS } from './models/index.js'
import { nextFeatures } from './next-features.js'
import { describePlacesSpec, loadPlaces, type Places, type PlacesSpec, type SavedPlaces } from './places.js'
import { SLOT_MS, type Model, type Pickup, type SavedModel, type Trainer, type WeatherConditions, type WeatherHour } from './types.js'
import type { WeatherIndex } from './weather-index.js'

/*
 * A trained version of the demand forecast: the places, the demand they saw,
 * and for each question every model with its scores on the held-out last
 * days. The serving side predicts from it; `koober forecast train` and the
 * forecast role make one and save it in the store.
 */

export interface TrainDemandModelOptions {
  /** Pickups of the period (others are left out). */
  pickups: readonly Pickup[]
  /** Hourly weather over the period; without it the models use none. */
  weather?: readonly WeatherHour[]
  /** The period, on half-hour boundaries (epoch ms, end exclusive). */
  from: number
  until: number
  /** The last days, held out to score the models (default 7). They learn from the days before; the places' demand is counted over the whole period. */
  holdoutDays?: number
  places: PlacesSpec
  /** The city's time zone (its calendar drives demand). */
  timeZone: string
  /** Default: every algorithm of the registry. */
  trainers?: Readonly<Record<string, Trainer>>
  questions?: readonly Question[]
  seed?: number
  onProgress?: (message: string) => void
  /** Default Date.now(): the version's time. */
  now?: number
}

export interface TrainedModel {
  model: Model
  scores: ModelEvaluation
}

export interface QuestionModels {
  /** The lowest RMSE on the held-out days. */
  best: string
  models: Record<string, TrainedModel>
}

/** What a version says of itself, the same trained and saved. */
export interface VersionFacts {
  trainedAt: number
  from: number
  until: number
  holdoutDays: number
  timeZone: string
  placesSpec: string
  withWeather: boolean
}

const versionFacts = (v: VersionFacts): VersionFacts => ({
  trainedAt: v.trainedAt,
  from: v.from,
  until: v.until,
  holdoutDays: v.holdoutDays,
  timeZone: v.timeZone,
  placesSpec: v.placesSpec,
  withWeather: v.withWeather,
})

export interface DemandModel extends VersionFacts {
  places: Places
  /** What the places saw over the whole period (the charts' actual demand); its training part alone teaches the calendar features (trainingDemand). */
  demand: DemandSeries
  questions: Partial<Record<Question, QuestionModels>>
}

export const DEFAULT_HOLDOUT_DAYS = 7
/** A mild, clear hour: the weather of a forecast when none is known or given. */
export const MILD_CLEAR_WEATHER: WeatherConditions = { temperature: 15, clear: true, fog: false, rain: false, snow: false, hail: false, thunder: false, tornado: false }
/** `next` reads up to a few weeks back (same slot last week, the historical average of the weeks before). */
export const NEXT_HISTORY_DAYS = 22
const DAY_MS = 86_400_000

/**
 * Trains every model for each question on the period less its last
 * `holdoutDays`, scores them on those days (the same split `koober forecast
 * evaluate` makes), and keeps them with their scores.
 *
 * @example
 * ```ts
 * const version = trainDemandModel({ pickups, weather, from, until, places: { kind: 'kmeans', k: 200 }, timeZone: 'America/New_York' })
 * version.questions.next?.best // e.g. 'random_forest'
 * const demand = predictDemand(version, { question: 'calendar', fromSlot: slot, untilSlot: slot + 1, weather: whatIf })
 * ```
 */
export function trainDemandModel(options: TrainDemandModelOptions): DemandModel {
  const holdoutDays = options.holdoutDays ?? DEFAULT_HOLDOUT_DAYS
  const questionsAsked = options.questions ?? QUESTIONS
  const testFrom = checkTrainingPeriod({ ...options, holdoutDays, questions: questionsAsked })
  const progress = options.onProgress ?? (() => {})
  const pickups = options.pickups.filter((p) => p.time >= options.from && p.time < options.until)
  const trainPickups = pickups.filter((p) => p.time < testFrom)
  if (trainPickups.length === 0) throw kooberError('KOOBER_FORECAST_NO_DATA', `no pickups before the held-out days (${new Date(options.from).toISOString()} … ${new Date(testFrom).toISOString()})`)
  const places = fitTrainingPlaces(options.places, trainPickups, options.seed ?? 1, progress)
  const questions: Partial<Record<Question, QuestionModels>> = {}
  for (const question of questionsAsked) {
    progress(`${question}: training on the days before ${new Date(testFrom).toISOString().slice(0, 10)}, scoring on the ${holdoutDays} after`)
    const evaluation = evaluate({
      question,
      train: { pickups, from: options.from, until: testFrom },
      test: { pickups, from: testFrom, until: options.until },
      ...(options.weather ? { weather: options.weather } : {}),
      places: options.places,
      fittedPlaces: places,
      trainers: options.trainers ?? TRAINERS,
      timeZone: options.timeZone,
      onProgress: (message) => progress(`  ${message}`),
    })
    const models: Record<string, TrainedModel> = {}
    for (const [name, scores] of Object.entries(evaluation.models)) models[name] = { model: evaluation.trained.models[name]!, scores }
    questions[question] = { best: evaluation.best, models }
  }
  return {
    trainedAt: options.now ?? Date.now(),
    from: options.from,
    until: options.until,
    holdoutDays,
    timeZone: options.timeZone,
    placesSpec: describePlacesSpec(options.places),
    places,
    withWeather: options.weather !== undefined,
    demand: countDemand(pickups, places, options),
    questions,
  }
}

/**
 * Checks a period before anything is read or trained: on half hours, and
 * long enough for the held-out days and the training days each question
 * needs (MIN_TRAINING_DAYS). Returns where the held-out days start.
 *
 * @example
 * ```ts
 * checkTrainingPeriod({ from, until, holdoutDays: 7, questions: QUESTIONS }) // throws unless until − from ≥ 15 days
 * ```
 */
export function checkTrainingPeriod(period: { from: number; until: number; holdoutDays: number; questions?: readonly Question[] }): number {
  const { from, until, holdoutDays } = period
  if (!Number.isInteger(holdoutDays) || holdoutDays < 1) throw kooberError('KOOBER_INVALID_ARGUMENT', `holdoutDays must be a whole number of days >= 1, got ${holdoutDays}`)
  slotsOf(period)
  const need = trainingNeed(period.questions ?? QUESTIONS)
  if (until - from < (holdoutDays + need.days) * DAY_MS) {
    throw kooberError(
      'KOOBER_FORECAST_NO_DATA',
      `the period holds ${((until - from) / DAY_MS).toFixed(1)} days: it needs at least ${holdoutDays + need.days}, the ${holdoutDays} held out and ${need.days} to train on (${need.why})`,
    )
  }
  return until - holdoutDays * DAY_MS
}

/** The shortest period (days) that holds `holdoutDays` and the training days of every question asked. */
export function minPeriodDays(holdoutDays: number, questions: readonly Question[] = QUESTIONS): number {
  return holdoutDays + trainingNeed(questions).days
}

/** The training part of a version's demand: the days before the held-out ones, all its calendar features learn from (as when it was scored). */
export function trainingDemand(version: DemandModel): DemandSeries {
  const testFrom = version.until - version.holdoutDays * DAY_MS
  return sliceDemand(version.demand, version.from / SLOT_MS, testFrom / SLOT_MS)
}

export interface PredictDemandOptions {
  question: Question
  /** Default: the question's best model. */
  algorithm?: string
  /** The slots to predict, every place of each (absolute slot numbers). */
  fromSlot: number
  untilSlot: number
  /** `next`: what was observed before the slots: at least a day of it, ending at or after fromSlot (later slots are never read). */
  recent?: DemandSeries
  /** The weather the slots had or are given (a what-if); default mild and clear. Used when the version learned with weather. */
  weather?: WeatherIndex | WeatherConditions
}

export interface DemandPrediction {
  algorithm: string
  /** Slot-major: every place of fromSlot, then of the next slot. Never below 0. */
  predicted: Float64Array
  rows: FeatureRows
}

/** Predicts every place's demand in each slot of a range, with one model of a version. */
export function predictDemand(version: DemandModel, options: PredictDemandOptions): DemandPrediction {
  const models = version.questions[options.question]
  if (!models) throw kooberError('KOOBER_FORECAST_UNKNOWN_ALGORITHM', `this forecast version has no model for the ${options.question} question`)
  const algorithm = options.algorithm ?? models.best
  const trained = Object.hasOwn(models.models, algorithm) ? models.models[algorithm] : undefined
  if (!trained) throw kooberError('KOOBER_FORECAST_UNKNOWN_ALGORITHM', `no ${algorithm} model for the ${options.question} question; there are ${Object.keys(models.models).join(', ')}`)
  const calendar = slotCalendar(version.timeZone)
  const weather = version.withWeather ? asIndex(options.weather ?? MILD_CLEAR_WEATHER) : undefined
  const withWeather = weather ? { weather } : {}
  let rows: FeatureRows
  if (options.question === 'next') {
    if (!options.recent) throw kooberError('KOOBER_INVALID_ARGUMENT', 'a next-slot forecast needs the demand observed before it')
    rows = nextFeatures({ demand: options.recent, fromSlot: options.fromSlot, untilSlot: options.untilSlot, calendar, ...withWeather })
  } else {
    rows = calendarFeatures({ training: trainingDemand(version), fromSlot: options.fromSlot, untilSlot: options.untilSlot, calendar, ...withWeather })
  }
  const predicted = trained.model.predict(rows.features)
  for (let i = 0; i < predicted.length; i++) if (!(predicted[i]! > 0)) predicted[i] = 0
  return { algorithm, predicted, rows }
}

/** The slots a next-slot forecast of `fromSlot … untilSlot` reads: from NEXT_HISTORY_DAYS before, to untilSlot − 1. */
export function recentRange(fromSlot: number, untilSlot: number): { from: number; until: number } {
  return { from: (fromSlot - NEXT_HISTORY_DAYS * SLOTS_PER_DAY) * SLOT_MS, until: Math.max(fromSlot, untilSlot - 1) * SLOT_MS }
}

function asIndex(weather: WeatherIndex | WeatherConditions): WeatherIndex {
  if ('at' in weather) return weather
  return { at: () => weather, observedBefore: () => weather }
}

/** A version as plain JSON (the demand counts as base64 of 32-bit floats: they are small whole numbers). */
export interface SavedDemandModel extends VersionFacts {
  format: 1
  places: SavedPlaces
  demand: { places: number; fromSlot: number; slots: number; counts: string }
  questions: Partial<Record<Question, { best: string; models: Record<string, { saved: SavedModel; scores: ModelEvaluation }> }>>
}

export function saveDemandModel(version: DemandModel): SavedDemandModel {
  const questions: SavedDemandModel['questions'] = {}
  for (const [question, models] of Object.entries(version.questions) as Array<[Question, QuestionModels]>) {
    questions[question] = { best: models.best, models: Object.fromEntries(Object.entries(models.models).map(([name, t]) => [name, { saved: t.model.save(), scores: t.scores }])) }
  }
  const { demand } = version
  return {
    format: 1,
    ...versionFacts(version),
    places: version.places.save(),
    demand: { places: demand.places, fromSlot: demand.fromSlot, slots: demand.slots, counts: Buffer.from(Float32Array.from(demand.counts).buffer).toString('base64') },
    questions,
  }
}

/** Rebuilds a saved version; anything that does not fit is KOOBER_FORECAST_SAVED_MODEL. */
export function loadDemandModel(saved: SavedDemandModel): DemandModel {
  const bad = (why: string): never => {
    throw kooberError('KOOBER_FORECAST_SAVED_MODEL', `cannot load the forecast version: ${why}`)
  }
  if (typeof saved !== 'object' || saved === null || saved.format !== 1) bad('it is not a saved version of format 1')
  let places: Places
  try {
    places = loadPlaces(saved.places)
  } catch (err) {
    throw kooberError('KOOBER_FORECAST_SAVED_MODEL', `cannot load the forecast version: its places: ${(err as Error).message}`, err)
  }
  const { demand } = saved
  const bytes = Buffer.from(demand?.counts ?? '', 'base64')
  if (!demand || demand.places !== places.count || bytes.length !== demand.places * demand.slots * 4) bad('its demand does not fit its places')
  const counts = Float64Array.from(new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)))
  const questions: DemandModel['questions'] = {}
  for (const [question, models] of Object.entries(saved.questions ?? {}) as Array<[Question, NonNullable<SavedDemandModel['questions'][Question]>]>) {
    if (!QUESTIONS.includes(question)) bad(`unknown question ${JSON.stringify(question)}`)
    const loaded: Record<string, TrainedModel> = {}
    for (const [name, { saved: model, scores }] of Object.entries(models.models)) loaded[name] = { model: loadModel(model), scores }
    if (!loaded[models.best]) bad(`its best ${question} model ${JSON.stringify(models.best)} is not among its models`)
    questions[question] = { best: models.best, models: loaded }
  }
  return {
    ...versionFacts(saved),
    places,
    demand: { places: demand.places, fromSlot: demand.fromSlot, slots: demand.slots, counts },
    questions,
  }
}
