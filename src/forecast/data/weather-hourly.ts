import type { WeatherHour } from '../types.js'
import { flagsFromDescription } from './weather-conditions.js'

/*
 * The hourly weather CSV of the shared data (OpenWeatherMap's history:
 * DateTime,Description,Temperature,Humidity,Pressure,WindSpeed,WindDirection).
 * DateTime is UTC; Temperature was computed as Kelvin − 273, which is 0.15 °C
 * warm: it is corrected here so that hourly and daily sources agree. The
 * description maps onto the flags by flagsFromDescription. Only the time, the
 * description and the temperature are read, so a missing humidity or wind
 * changes nothing; a row without a readable temperature is rejected.
 */

/** The columns an hourly file must have (lower case). */
export const HOURLY_COLUMNS = ['datetime', 'description', 'temperature'] as const

export type HourlyRejectReason = 'bad-time' | 'missing-temperature' | 'short-row'

/** The file's Celsius is Kelvin − 273; true Celsius is Kelvin − 273.15. */
const KELVIN_ROUNDING = 0.15

const UTC_TIME = /^\s*(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?\s*$/

/** Reads one row's fields (by lower-case column name) as an hour, or says why not. */
export function readWeatherHour(field: (column: string) => string | undefined): WeatherHour | HourlyRejectReason {
  const time = field('datetime')
  const description = field('description')
  const temperatureText = field('temperature')
  if (time === undefined || description === undefined || temperatureText === undefined) return 'short-row'
  const match = UTC_TIME.exec(time)
  if (!match) return 'bad-time'
  const [year, month, day, hour, minute, second] = match.slice(1).map((v) => Number(v ?? 0)) as [number, number, number, number, number, number]
  const instant = Date.UTC(year, month - 1, day, hour, minute, second)
  const check = new Date(instant)
  if (month < 1 || month > 12 || check.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) return 'bad-time'
  const temperature = temperatureText.trim() === '' ? Number.NaN : Number(temperatureText)
  if (!Number.isFinite(temperature)) return 'missing-temperature'
  return {
    hour: Math.floor(instant / 3_600_000) * 3_600_000,
    // Rounded to the hundredth: 9.23 − 0.15 is 9.080000000000018 in binary floating point.
    temperature: Math.round((temperature - KELVIN_ROUNDING) * 100) / 100,
    ...flagsFromDescription(description),
    source: 'hourly',
  }
}
