import { kooberError } from '../../errors.js'
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
/** Weather that covers less of the period than this is left out: a model must not learn from made-up hours. */
const WEATHER_COVERAGE = 0.95

/**
 * Trains a forecast version from the `pickups` and `weather` tables over a
 * period, on a worker thread, and saves it in the store, where the serving
 * side picks it up. The weather is used when the table covers the period.
 */
export async function trainFromStore(store: Store, options: TrainFromStoreOptions): Promise<VersionSummary> {
  const progress = options.onProgress ?? (() => {})
  if (options.from % SLOT_MS !== 0 || options.until % SLOT_MS !== 0 || !(options.until > options.from)) {
    throw kooberError('KOOBER_INVALID_ARGUMENT', 'a training period starts and ends on half hours, start before end')
  }
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
  const saved = await trainInWorker({
    pickups,
    ...(weather ? { weather } : {}),
    from: options.from,
    until: options.until,
    places: options.places,
    timeZone: CITY_TIME_ZONE,
    ...(options.holdoutDays !== undefined ? { holdoutDays: options.holdoutDays } : {}),
    onProgress: progress,
  })
  return saveVersion(store, saved)
}
