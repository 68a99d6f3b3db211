import type { Pickup, WeatherHour } from '../types.js'
import type { ImportProgress } from './import-progress.js'
import { noRejects } from './pickup-csv.js'
import { addRejects, nonZeroRejects, readPickupFiles } from './pickup-files.js'
import { readWeatherFile } from './weather-csv.js'

/**
 * Every pickup of some files, in memory, in time order, with the rows left
 * out counted by reason (`short-row`, `bad-time`, `bad-coordinates`,
 * `outside-city`; a reason that left out nothing is absent). Every file is
 * checked before any is read: a missing one is KOOBER_IMPORT_IO, one of no
 * known format KOOBER_IMPORT_FORMAT.
 *
 * @example
 * ```ts
 * const { pickups, rejected } = await loadPickups(['../shared/data/nyc/uber-pickups-2014-04-01_23.csv.gz'])
 * // pickups.length 401,8xx; rejected { 'outside-city': ... }
 * ```
 */
export async function loadPickups(
  paths: string[],
  options: { onProgress?: (p: ImportProgress) => void } = {},
): Promise<{ pickups: Pickup[]; rejected: Record<string, number> }> {
  const pickups: Pickup[] = []
  const rejected = noRejects()
  let ordered = true
  let last = -Infinity
  for await (const chunk of readPickupFiles(paths, options)) {
    for (const pickup of chunk.pickups) {
      if (pickup.time < last) ordered = false
      last = pickup.time
      pickups.push(pickup)
    }
    addRejects(rejected, chunk.rejected)
  }
  if (!ordered) pickups.sort((a, b) => a.time - b.time)
  return { pickups, rejected: nonZeroRejects(rejected) }
}

/**
 * The weather of some files (daily or hourly, see readWeatherFile), one row
 * per hour, in time order; where files overlap, the later file wins. Hours no
 * file covers are absent (nothing is invented between them).
 *
 * @example
 * ```ts
 * const weather = await loadWeather(['central-park-weather-daily.csv', 'nyc-weather-hourly-utc.csv']) // hourly readings where they exist
 * ```
 */
export async function loadWeather(paths: string[]): Promise<WeatherHour[]> {
  const files = []
  for (const path of paths) files.push(await readWeatherFile(path))
  const byHour = new Map<number, WeatherHour>()
  for (const file of files) for (const hour of file.hours) byHour.set(hour.hour, hour)
  return [...byHour.values()].sort((a, b) => a.hour - b.hour)
}
