import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { localMidnight } from '../../forecast/calendar.js'
import { demoPickups } from '../../forecast/data/demo-data.js'
import type { DemandForecaster } from '../../forecast/serving.js'
import type { Pickup, WeatherHour } from '../../forecast/types.js'
import { openKooberForecaster } from '../../koober/forecast/forecaster.js'
import { createPickupTables, pickupRow, PICKUPS_TABLE, weatherRow, WEATHER_TABLE } from '../../koober/forecast/pickup-tables.js'
import { trainFromStore } from '../../koober/forecast/train-job.js'
import { CITY_TIME_ZONE } from '../../koober/geo.js'
import { openSqliteStore, type Store } from '../../store/index.js'

/*
 * What the forecast web tests share: a real SQLite store in a temp dir with
 * two and a half weeks of generated pickups (six places with the demo
 * generator's daily and weekly rhythm) and hourly weather, a version trained
 * on them the way `koober forecast train` does (seconds, on a worker
 * thread), and Koober's forecaster over it.
 */

/** Monday 3 to Thursday 20 March 2014, New York time: every day of the week twice, and then some. */
export const FROM = localMidnight('2014-03-03', CITY_TIME_ZONE)
export const UNTIL = localMidnight('2014-03-20', CITY_TIME_ZONE)
export const PLACES = 6

const HOUR = 3_600_000

export interface ForecastStore {
  store: Store
  forecaster: DemandForecaster
  /** The pickups in the store, in time order. */
  pickups: Pickup[]
  /** The trained version, or undefined when asked for none. */
  version: number | undefined
  close(): Promise<void>
}

/** Rain on the evenings of odd days, cooler then: the weather varies, so a model can use it. */
function weatherHours(): WeatherHour[] {
  const hours: WeatherHour[] = []
  for (let hour = FROM - 2 * 86_400_000; hour < UNTIL + 14 * 86_400_000; hour += HOUR) {
    const rain = new Date(hour).getUTCDate() % 2 === 1 && new Date(hour).getUTCHours() >= 20
    hours.push({ hour, temperature: rain ? 6 : 12, clear: !rain, fog: false, rain, snow: false, hail: false, thunder: false, tornado: false })
  }
  return hours
}

/** A store with the pickups and weather, trained unless `trained: false`, and a forecaster over it. */
export async function openForecastStore(options: { trained?: boolean } = {}): Promise<ForecastStore> {
  const dir = mkdtempSync(join(tmpdir(), 'koober-web-forecast-'))
  const store = openSqliteStore({ dataDir: dir })
  try {
    const pickups = [...demoPickups({ records: 40_000, months: 1, clusters: PLACES, seed: 8, start: FROM })].flat().filter((p) => p.time < UNTIL)
    await createPickupTables(store)
    await store.upsert(PICKUPS_TABLE.name, pickups.map((p, i) => pickupRow(p, `web-test:${i}`)))
    await store.upsert(WEATHER_TABLE.name, weatherHours().map(weatherRow))
    const version = options.trained === false ? undefined : (await trainFromStore(store, { from: FROM, until: UNTIL, places: { kind: 'kmeans', k: PLACES }, holdoutDays: 3 })).version
    const forecaster = await openKooberForecaster(store)
    return {
      store,
      forecaster,
      pickups,
      version,
      async close() {
        await store.close()
        rmSync(dir, { recursive: true, force: true })
      },
    }
  } catch (error) {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
    throw error
  }
}
