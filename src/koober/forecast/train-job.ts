import { kooberError } from '../../errors.js'
import { checkTrainingPeriod, DEFAULT_HOLDOUT_DAYS } from '../../forecast/demand-model.js'
import type { PlacesSpec } from '../../forecast/places.js'
import { trainInWorker } from '../../forecast/train-in-worker.js'
import { SLOT_MS, type WeatherHour } from '../../forecast/types.js'
import type { Store } from '../../store/index.js'
import { CITY_TIME_ZONE } from '../geo.js'
import { createForecastTables, saveVersion, type VersionSummary } from './forecast-versions.js'
import { createPickupTables, readPickups, readWeather } from './pickup-tables.js'

export interface TrainFromStoreOptions {
  /** The period (epoch ms, on half hours; end exclusive). */
  from: number
  until: number
  places: PlacesSpec
  /** The last days held out to score the models (default 7). */
  holdoutDays?: number
  onProgress?: (message: string) => void
}

const HOUR_MS = 3_600_000
const DAY_MS = 86_400_000
/** Weather that covers less of the period than this is left out: a model must not learn from made-up hours. */
const WEATHER_COVERAGE = 0.95
/**
 * The longest training period: its pickups, demand and feature matrices are
 * held in memory at once. With 200 places, each training day adds about
 * 2.5 MB of `next` features (9,600 rows of 32 columns) and the trainers copy
 * them: 120 days make some 300 MB per question, plus the pickups.
 */
export const MAX_TRAINING_DAYS = 120

/**
 * Trains a forecast version from the `pickups` and `weather` tables over a
 * period, on a worker thread, and saves it in the store, where the serving
 * side picks it up. The weather is used when the table covers the period.
 * A period off the half hours, too short for the held-out days and the
 * training days the questions need, or longer than MAX_TRAINING_DAYS is
 * refused before anything is read.
 *
 * @example
 * ```ts
 * const summary = await trainFromStore(store, { from, until, places: { kind: 'kmeans', k: 200 }, holdoutDays: 7, onProgress: console.error })
 * ```
 */
export async function trainFromStore(store: Store, options: TrainFromStoreOptions): Promise<VersionSummary> {
  const progress = options.onProgress ?? (() => {})
  if (options.from % SLOT_MS !== 0 || options.until % SLOT_MS !== 0 || !(options.until > options.from)) {
    throw kooberError('KOOBER_INVALID_ARGUMENT', 'a training period starts and ends on half hours, start before end')
  }
  if (options.until - options.from > MAX_TRAINING_DAYS * DAY_MS) {
    throw kooberError('KOOBER_INVALID_ARGUMENT', `a training period covers at most ${MAX_TRAINING_DAYS} days (its pickups and features are held in memory); this one covers ${((options.until - options.from) / DAY_MS).toFixed(1)}`)
  }
  checkTrainingPeriod({ from: options.from, until: options.until, holdoutDays: options.holdoutDays ?? DEFAULT_HOLDOUT_DAYS })
  await createPickupTables(store)
  await createForecastTables(store)
  progress(`reading pickups ${new Date(options.from).toISOString()} … ${new Date(options.until).toISOString()}`)
  const pickups = await readPickups(store, options.from, options.until)
  if (pickups.length === 0) {
    throw kooberError('KOOBER_FORECAST_NO_DATA', 'no pickups in that period: import some (`koober import pickups`, `koober demo-data`) or choose the period with --from and --until')
  }
  const hours: WeatherHour[] = await readWeather(store, options.from, options.until)
  const covered = hours.length / ((options.until - options.from) / HOUR_MS)
  const weather = covered >= WEATHER_COVERAGE ? hours : undefined
  progress(`${pickups.length.toLocaleString('en-US')} pickups; ${weather ? `${hours.length} hours of weather` : `weather covers ${(covered * 100).toFixed(0)} % of the period: training without it`}`)
  const packed = await trainInWorker({
    pickups,
    ...(weather ? { weather } : {}),
    from: options.from,
    until: options.until,
    places: options.places,
    timeZone: CITY_TIME_ZONE,
    ...(options.holdoutDays !== undefined ? { holdoutDays: options.holdoutDays } : {}),
    onProgress: progress,
  })
  return saveVersion(store, packed)
}
