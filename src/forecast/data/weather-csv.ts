import { kooberError } from '../../errors.js'
import type { WeatherHour } from '../types.js'
import { csvHeaderNames, splitCsvLine } from './csv-fields.js'
import { readLines } from './text-file.js'
import { DAILY_COLUMNS, hoursOfDays, readWeatherDay, type WeatherDay } from './weather-daily.js'
import { HOURLY_COLUMNS, readWeatherHour } from './weather-hourly.js'

export type WeatherFormat = 'ghcn-daily' | 'hourly-utc'

export interface WeatherFile {
  format: WeatherFormat
  /** One per hour, in time order (a later row for the same hour wins). */
  hours: WeatherHour[]
  /** Data rows read, kept or rejected. */
  rows: number
  /** Rejected rows by reason (`bad-date`, `bad-time`, `missing-temperature`, `short-row`). */
  rejected: Record<string, number>
}

/** Which weather format a header is, or KOOBER_IMPORT_FORMAT naming the columns each format needs. */
export function detectWeatherFormat(names: readonly string[], path: string): WeatherFormat {
  if (DAILY_COLUMNS.every((c) => names.includes(c))) return 'ghcn-daily'
  if (HOURLY_COLUMNS.every((c) => names.includes(c))) return 'hourly-utc'
  throw kooberError(
    'KOOBER_IMPORT_FORMAT',
    `${path} is not a weather file this importer knows: its header has ${JSON.stringify(names.slice(0, 12))}${names.length > 12 ? '...' : ''}; ` +
      `expected NOAA GHCN-Daily (STATION,NAME,DATE,AWND,PRCP,SNOW,SNWD,TMAX,TMIN: needs ${DAILY_COLUMNS.join(', ').toUpperCase()}) ` +
      `or hourly UTC weather (DateTime,Description,Temperature,...: needs DateTime, Description, Temperature)`,
  )
}

/**
 * Reads a weather file, plain or gzip, of either format (told by its
 * header): NOAA GHCN-Daily, spread over each day's hours (weather-daily.ts),
 * or the hourly UTC file (weather-hourly.ts). A missing file is
 * KOOBER_IMPORT_IO, an unknown or missing header KOOBER_IMPORT_FORMAT; bad
 * rows are counted in `rejected`, never thrown.
 *
 * @example
 * ```ts
 * const { hours, rejected } = await readWeatherFile('central-park-weather-daily.csv')
 * ```
 */
export async function readWeatherFile(path: string): Promise<WeatherFile> {
  let format: WeatherFormat | undefined
  let index = new Map<string, number>()
  const fields: string[] = []
  let width = 0
  let count = 0
  const field = (column: string): string | undefined => {
    const at = index.get(column)
    return at === undefined || at >= count ? undefined : fields[at]
  }
  const days: WeatherDay[] = []
  const byHour = new Map<number, WeatherHour>()
  const rejected: Record<string, number> = {}
  let rows = 0
  for await (const { lines } of readLines(path)) {
    for (const line of lines) {
      if (line.trim().length === 0) continue
      if (!format) {
        const names = csvHeaderNames(line)
        format = detectWeatherFormat(names, path)
        index = new Map(names.map((name, i) => [name, i]))
        width = names.length
        continue
      }
      rows++
      count = splitCsvLine(line, fields, width)
      const read = format === 'ghcn-daily' ? readWeatherDay(field) : readWeatherHour(field)
      if (typeof read === 'string') rejected[read] = (rejected[read] ?? 0) + 1
      else if ('day' in read) days.push(read)
      else byHour.set(read.hour, read)
    }
  }
  if (!format) throw kooberError('KOOBER_IMPORT_FORMAT', `${path} is empty: a weather file starts with a header line`)
  const hours = format === 'ghcn-daily' ? hoursOfDays(days) : [...byHour.values()].sort((a, b) => a.hour - b.hour)
  return { format, hours, rows, rejected }
}
