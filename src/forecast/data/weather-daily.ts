import type { WeatherHour } from '../types.js'
import { daysFromCivil, newYorkFields, newYorkToEpoch } from './new-york-time.js'
import { fahrenheitToCelsius, type WeatherFlags } from './weather-conditions.js'

/*
 * NOAA GHCN-Daily as its CSV export spells it (STATION,NAME,DATE,AWND,PRCP,
 * SNOW,SNWD,TMAX,TMIN; °F, inches, one row per New York local day), spread
 * over the hours of each day.
 *
 * Temperature over a day: the coldest hour is at 06:00 (about sunrise) and the
 * warmest at 15:00, the usual shape of a clear day's curve. From 06:00 to
 * 15:00 it rises from the day's TMIN to its TMAX along half a cosine; from
 * 15:00 it falls along half a cosine to the next day's TMIN at 06:00 the next
 * morning, so midnight joins two days without a jump. Hours before 06:00
 * finish the fall from the day before's TMAX. Where the neighbouring day is
 * missing, the day's own value stands in for it.
 *
 * Conditions hold for the whole day (the file says no more):
 * - snow: SNOW ≥ 0.1 in (its resolution), or WT18
 * - rain: precipitation beyond the snow's water (about a tenth of its depth)
 *   of at least 0.01 in, or WT16
 * - fog: WT01 or WT02; thunder: WT03; hail: WT04 or WT05; tornado: WT10
 *   (these weather-type columns are in some exports, not in the shared file)
 * - clear: none of the others.
 * A missing or trace (`T`) PRCP or SNOW counts as none. A day without a
 * readable TMAX and TMIN is rejected.
 */

/** The columns a daily file must have (lower case). */
export const DAILY_COLUMNS = ['date', 'tmax', 'tmin', 'prcp'] as const

/** One day of the daily file, read. */
export interface WeatherDay {
  /** Days since 1970-01-01 of its New York local date. */
  day: number
  year: number
  month: number
  date: number
  maxCelsius: number
  minCelsius: number
  flags: WeatherFlags
}

export type DailyRejectReason = 'bad-date' | 'missing-temperature' | 'short-row'

/** Reads one row's fields (by lower-case column name) as a day, or says why not. */
export function readWeatherDay(field: (column: string) => string | undefined): WeatherDay | DailyRejectReason {
  const dateText = field('date')
  const tmax = field('tmax')
  const tmin = field('tmin')
  if (dateText === undefined || tmax === undefined || tmin === undefined) return 'short-row'
  const match = /^\s*(\d{4})-(\d{2})-(\d{2})\s*$/.exec(dateText)
  if (!match) return 'bad-date'
  const [year, month, date] = [Number(match[1]), Number(match[2]), Number(match[3])]
  const day = daysFromCivil(year, month, date)
  if (month < 1 || month > 12 || date < 1 || new Date(day * 86_400_000).getUTCDate() !== date) return 'bad-date'
  const max = measured(tmax)
  const min = measured(tmin)
  if (max === undefined || min === undefined) return 'missing-temperature'
  const precipitation = measured(field('prcp')) ?? 0
  const snowfall = measured(field('snow')) ?? 0
  const happened = (column: string): boolean => {
    const value = field(column)?.trim()
    return value !== undefined && value !== '' && value !== '0'
  }
  const snow = snowfall >= 0.1 || happened('wt18')
  const rain = precipitation - snowfall / 10 >= 0.01 || happened('wt16')
  const fog = happened('wt01') || happened('wt02')
  const thunder = happened('wt03')
  const hail = happened('wt04') || happened('wt05')
  const tornado = happened('wt10')
  return {
    day,
    year,
    month,
    date,
    maxCelsius: fahrenheitToCelsius(Math.max(max, min)),
    minCelsius: fahrenheitToCelsius(Math.min(max, min)),
    flags: { clear: !(snow || rain || fog || thunder || hail || tornado), fog, rain, snow, hail, thunder, tornado },
  }
}

/** A number as NOAA writes it; empty, `M` (missing) and `T` (trace) are undefined. */
function measured(text: string | undefined): number | undefined {
  const trimmed = text?.trim()
  if (!trimmed || trimmed === 'M' || trimmed === 'T') return undefined
  const value = Number(trimmed)
  return Number.isFinite(value) ? value : undefined
}

const COLDEST_HOUR = 6
const WARMEST_HOUR = 15

/**
 * The hours of each day (23, 24 or 25: New York local days, daylight saving
 * included), with the temperature curve described above, marked `daily`
 * (their values are known only once the next day is over: see
 * weatherIndex). Days may come in any order; the hours come out in time order.
 *
 * @example
 * ```ts
 * const hours = hoursOfDays([day1, day2]) // 48 WeatherHour rows, coldest at 06:00 and warmest at 15:00 local
 * ```
 */
export function hoursOfDays(days: readonly WeatherDay[]): WeatherHour[] {
  const byDay = new Map(days.map((d) => [d.day, d]))
  const sorted = [...byDay.values()].sort((a, b) => a.day - b.day)
  const hours: WeatherHour[] = []
  for (const today of sorted) {
    const yesterday = byDay.get(today.day - 1) ?? today
    const tomorrow = byDay.get(today.day + 1) ?? today
    const start = newYorkToEpoch(today.year, today.month, today.date, 0, 0, 0)
    const next = new Date((today.day + 1) * 86_400_000)
    const end = newYorkToEpoch(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), 0, 0, 0)
    for (let hour = start; hour < end; hour += 3_600_000) {
      const clock = newYorkFields(hour).hour
      hours.push({ hour, temperature: temperatureAt(clock, yesterday, today, tomorrow), ...today.flags, source: 'daily' })
    }
  }
  return hours
}

/** The temperature at a local clock hour of `today`, on the curve through its neighbours' extremes. */
export function temperatureAt(clock: number, yesterday: WeatherDay, today: WeatherDay, tomorrow: WeatherDay): number {
  const rise = (from: number, to: number, share: number): number => from + ((to - from) * (1 - Math.cos(Math.PI * share))) / 2
  const fallLength = 24 - (WARMEST_HOUR - COLDEST_HOUR)
  if (clock < COLDEST_HOUR) return rise(yesterday.maxCelsius, today.minCelsius, (clock + 24 - WARMEST_HOUR) / fallLength)
  if (clock <= WARMEST_HOUR) return rise(today.minCelsius, today.maxCelsius, (clock - COLDEST_HOUR) / (WARMEST_HOUR - COLDEST_HOUR))
  return rise(today.maxCelsius, tomorrow.minCelsius, (clock - WARMEST_HOUR) / fallLength)
}
