import { isKooberError, kooberError } from '../errors.js'
import { slotCalendar, type SlotCalendar } from './calendar.js'
import { calendarFeatures } from './calendar-features.js'
import { concatDemand, countDemand, slotsOf, type TimeRange } from './demand.js'
import { SLOTS_PER_DAY, type FeatureRows, type Question } from './features.js'
import { scoreDemand, type DemandScores } from './metrics.js'
import { nextFeatures } from './next-features.js'
import { describePlacesSpec, fitPlaces, type Places, type PlacesSpec } from './places.js'
import { SLOT_MS, type Model, type Pickup, type Trainer, type WeatherHour } from './types.js'
import { weatherIndex, type WeatherIndex } from './weather-index.js'

/**
 * Scores every model on a time split: places and models learn from the
 * training period only, then every (place, slot) of the test period is
 * predicted and compared with what happened.
 *
 * For `next`, a test slot's features read everything observed before it
 * (training period and earlier test slots), never the slot itself or later;
 * the test period must then follow the training period directly. For
 * `calendar`, test features come from the training period's demand and the
 * test slot's calendar and weather alone, so the test period may lie
 * anywhere after the training period.
 *
 * @example
 * ```ts
 * const day = (date: string) => localMidnight(date, 'America/New_York')
 * const evaluation = evaluate({
 *   question: 'next', trainers: TRAINERS, places: { kind: 'kmeans', k: 200 }, timeZone: 'America/New_York', weather,
 *   train: { pickups, from: day('2014-04-01'), until: day('2014-04-17') },
 *   test: { pickups, from: day('2014-04-17'), until: day('2014-04-24') },
 * })
 * evaluation.best // e.g. 'gbt'; evaluation.models.gbt.rmse
 * ```
 */
export interface EvaluationPeriod extends TimeRange {
  /** Pickups outside [from, until) are left out, so one set of pickups can serve both periods. */
  pickups: readonly Pickup[]
}

export interface EvaluateOptions {
  question: Question
  train: EvaluationPeriod
  test: EvaluationPeriod
  /** Hourly weather covering both periods; without it the weather columns are left out. */
  weather?: readonly WeatherHour[]
  places: PlacesSpec
  /** Places already fitted to the training pickups (two questions of one version share them); default: fitted here. */
  fittedPlaces?: Places
  /** The models to compare, by name (the baselines are trainers too). */
  trainers: Readonly<Record<string, Trainer>>
  /** Options for some trainers, by name. */
  trainerOptions?: Readonly<Record<string, Record<string, unknown>>>
  /** The local time zone of the city: the calendar features follow its clock. */
  timeZone: string
  /** Seeds the places' k-means (default 1). */
  seed?: number
  onProgress?: (message: string) => void
}

export interface ModelEvaluation extends DemandScores {
  train_seconds: number
}

export interface Evaluation {
  question: Question
  places: string
  placeCount: number
  /** Half-hour slots in the test period; every place is predicted in each. */
  testSlots: number
  trainRows: number
  testRows: number
  models: Record<string, ModelEvaluation>
  /** Models that do not apply to the question (a baseline whose column its features lack), with why. */
  skipped: Record<string, string>
  /** The model with the lowest RMSE. */
  best: string
  /** The places and the trained models, to serve (not part of the printed evaluation). */
  trained: { places: Places; models: Record<string, Model>; columns: readonly string[] }
}

/**
 * The least training each question needs: every slot of the week once, so
 * each baseline has something to go on; `calendar` a day more, since the
 * features of a training row come from the training weeks other than its own.
 */
export const MIN_TRAINING_DAYS: Readonly<Record<Question, number>> = { next: 7, calendar: 8 }
const WHY_MIN_TRAINING_DAYS: Readonly<Record<Question, string>> = {
  next: 'every slot of the week once',
  calendar: 'every slot of the week, and a training week learns its features from the others',
}

/** The training days some questions need, and why (the most any of them needs). */
export function trainingNeed(questions: readonly Question[]): { days: number; why: string } {
  const question = questions.reduce((a, b) => (MIN_TRAINING_DAYS[b] > MIN_TRAINING_DAYS[a] ? b : a))
  return { days: MIN_TRAINING_DAYS[question], why: `the ${question} question needs ${MIN_TRAINING_DAYS[question]}: ${WHY_MIN_TRAINING_DAYS[question]}` }
}

/** Refuses a training period of fewer days than the question needs, saying how many it needs and why. */
function checkTrainingDays(question: Question, trainingSlots: number): void {
  const needed = MIN_TRAINING_DAYS[question]
  if (trainingSlots < needed * SLOTS_PER_DAY) {
    throw kooberError(
      'KOOBER_FORECAST_NO_DATA',
      `the ${question} question needs at least ${needed} training days (${WHY_MIN_TRAINING_DAYS[question]}); the training period covers ${(trainingSlots / SLOTS_PER_DAY).toFixed(1)}`,
    )
  }
}

/**
 * `next` trains on the rows of its training period that have a day of
 * history before them (the lags and yesterday's slot need it); the first
 * week lacks last week's slot, for which its features fall back on the place's
 * daily mean, and the models see `weeks_of_history`.
 */
const NEXT_WARM_UP_SLOTS = SLOTS_PER_DAY

export function evaluate(options: EvaluateOptions): Evaluation {
  const { question, train, test, trainers, timeZone } = options
  const progress = options.onProgress ?? (() => {})
  const names = Object.keys(trainers)
  if (names.length === 0) throw kooberError('KOOBER_INVALID_ARGUMENT', 'no models to evaluate')
  const trainSlots = slotsOf(train)
  const testSlots = slotsOf(test)
  checkTrainingDays(question, trainSlots.slots)
  if (test.from < train.until) throw kooberError('KOOBER_INVALID_ARGUMENT', 'the test period must start after the training period ends: a model must not be tested on what it learned from')
  if (question === 'next' && test.from !== train.until) {
    throw kooberError(
      'KOOBER_INVALID_ARGUMENT',
      `the next question predicts each slot from the slots just before it, so the test period must start where the training period ends (there is a gap of ${((test.from - train.until) / 86_400_000).toFixed(1)} days)`,
    )
  }
  const trainPickups = within(train)
  const testPickups = within(test)
  if (trainPickups.length === 0) throw kooberError('KOOBER_FORECAST_NO_DATA', `no pickups in the training period ${span(train)}`)
  if (testPickups.length === 0) throw kooberError('KOOBER_FORECAST_NO_DATA', `no pickups in the test period ${span(test)}`)

  const places = options.fittedPlaces ?? fitTrainingPlaces(options.places, trainPickups, options.seed ?? 1, progress)
  const calendar = slotCalendar(timeZone)
  const weather = options.weather ? weatherIndex(options.weather) : undefined
  const { trainRows, testRows } = buildRows(question, places, trainPickups, testPickups, options, calendar, weather)
  progress(`features (${question}): ${trainRows.features.rows.toLocaleString('en-US')} training rows, ${testRows.features.rows.toLocaleString('en-US')} test rows, ${trainRows.features.columns.length} columns`)

  const models: Record<string, ModelEvaluation> = {}
  const trained: Record<string, Model> = {}
  const skipped: Record<string, string> = {}
  for (const name of names) {
    progress(`training ${name}`)
    const started = performance.now()
    let model: Model
    try {
      model = trainers[name]!.train(trainRows.features, trainRows.targets, options.trainerOptions?.[name])
    } catch (err) {
      // A baseline that reads a column this question does not have (persistence's lag_1 in `calendar`) does not apply to it.
      if (!isKooberError(err, 'KOOBER_FORECAST_COLUMNS')) throw err
      skipped[name] = err.message
      progress(`  ${name}: does not apply to the ${question} question (the column it predicts is not among its features)`)
      continue
    }
    const trainSeconds = (performance.now() - started) / 1000
    trained[name] = model
    const predicted = model.predict(testRows.features)
    // Demand is never negative: a linear model's dip below zero is clipped, as any user of it would.
    for (let i = 0; i < predicted.length; i++) if (predicted[i]! < 0) predicted[i] = 0
    models[name] = { ...scoreDemand(predicted, testRows.targets), train_seconds: trainSeconds }
    progress(`  ${name}: RMSE ${models[name].rmse.toFixed(3)}, trained in ${trainSeconds.toFixed(2)} s`)
  }
  const scored = Object.keys(models)
  if (scored.length === 0) throw kooberError('KOOBER_FORECAST_COLUMNS', `no model applies to the ${question} question: ${Object.values(skipped).join('; ')}`)
  const best = scored.reduce((a, b) => (models[b]!.rmse < models[a]!.rmse ? b : a))
  return {
    question,
    places: describePlacesSpec(options.places),
    placeCount: places.count,
    testSlots: testSlots.slots,
    trainRows: trainRows.features.rows,
    testRows: testRows.features.rows,
    models,
    skipped,
    best,
    trained: { places, models: trained, columns: trainRows.features.columns },
  }

  function within(period: EvaluationPeriod): Pickup[] {
    return period.pickups.filter((p) => p.time >= period.from && p.time < period.until)
  }
}

/** K-means (or a grid) over the training pickups, telling its progress. */
export function fitTrainingPlaces(spec: PlacesSpec, pickups: readonly Pickup[], seed: number, progress: (message: string) => void): Places {
  progress(`fitting ${describePlacesSpec(spec)} places to ${pickups.length.toLocaleString('en-US')} training pickups`)
  return fitPlaces(spec, pickups, {
    seed,
    onIteration: (iteration, moved) => {
      if (iteration % 10 === 0) progress(`  k-means iteration ${iteration}: ${moved.toLocaleString('en-US')} pickups changed place`)
    },
  })
}

function buildRows(
  question: Question,
  places: Places,
  trainPickups: readonly Pickup[],
  testPickups: readonly Pickup[],
  options: EvaluateOptions,
  calendar: SlotCalendar,
  weather: WeatherIndex | undefined,
): { trainRows: FeatureRows; testRows: FeatureRows } {
  const { train, test } = options
  const training = countDemand(trainPickups, places, train)
  const tested = countDemand(testPickups, places, test)
  const withWeather = weather ? { weather } : {}
  if (question === 'next') {
    const demand = concatDemand(training, tested)
    return {
      trainRows: nextFeatures({ demand, fromSlot: train.from / SLOT_MS + NEXT_WARM_UP_SLOTS, untilSlot: train.until / SLOT_MS, calendar, ...withWeather }),
      testRows: nextFeatures({ demand, fromSlot: test.from / SLOT_MS, untilSlot: test.until / SLOT_MS, calendar, ...withWeather }),
    }
  }
  return {
    trainRows: calendarFeatures({ training, fromSlot: train.from / SLOT_MS, untilSlot: train.until / SLOT_MS, calendar, ...withWeather }),
    testRows: calendarFeatures({ training, fromSlot: test.from / SLOT_MS, untilSlot: test.until / SLOT_MS, calendar, actual: tested, ...withWeather }),
  }
}

function span(range: TimeRange): string {
  return `${new Date(range.from).toISOString()} … ${new Date(range.until).toISOString()}`
}
