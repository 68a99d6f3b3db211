import { kooberError } from '../errors.js'
import type { WeatherConditions, WeatherHour } from './types.js'

/**
 * Looks up hourly weather for a slot, two ways: the weather of the slot
 * itself (what a forecast for a chosen time is given), or the last hour
 * fully observed before it (all a next-slot prediction may know). An hour
 * spread from a daily record (`source: 'daily'`) is known only once its day
 * and the next are over: observedBefore then answers with the hour 48 h
 * before the last one over, the same time of day two days back.
 *
 * Hours missing from the record are bridged from the nearest hour within
 * `maxGapMs` (default 6 h); a longer hole is an error, never made-up weather.
 *
 * @example
 * ```ts
 * const weather = weatherIndex(hours)
 * weather.at(Date.parse('2014-04-17T13:30:00Z'))             // the hour 13:00–14:00
 * weather.observedBefore(Date.parse('2014-04-17T13:30:00Z')) // the hour 12:00–13:00, over by 13:00
 * ```
 */
export interface WeatherIndex {
  at(time: number): WeatherConditions
  observedBefore(time: number): WeatherConditions
}

const HOUR_MS = 3_600_000
/**
 * How far back a daily record's hour is known: its flags and extremes are the
 * whole day's, and its evening temperature falls toward the next day's
 * minimum, so only the hours of two days back are wholly over (one day back
 * would read today's minimum after 15:00).
 */
const DAILY_DELAY_MS = 48 * HOUR_MS

export const WEATHER_COLUMNS = ['temperature', 'clear', 'fog', 'rain', 'snow', 'hail', 'thunder', 'tornado'] as const

/** The weather as feature values, in WEATHER_COLUMNS order (flags as 0 or 1). */
export function weatherValues(w: WeatherConditions): number[] {
  return [w.temperature, +w.clear, +w.fog, +w.rain, +w.snow, +w.hail, +w.thunder, +w.tornado]
}

export function weatherIndex(hours: readonly WeatherHour[], options: { maxGapMs?: number } = {}): WeatherIndex {
  if (hours.length === 0) throw kooberError('KOOBER_FORECAST_NO_DATA', 'no weather hours were given')
  const sorted = [...hours].sort((a, b) => a.hour - b.hour)
  const maxGap = options.maxGapMs ?? 6 * HOUR_MS
  const starts = Float64Array.from(sorted, (h) => h.hour)

  /** Index of the last hour starting at or before `time`, or −1. */
  const lastAtOrBefore = (time: number): number => {
    let low = 0
    let high = starts.length - 1
    let found = -1
    while (low <= high) {
      const middle = (low + high) >> 1
      if (starts[middle]! <= time) {
        found = middle
        low = middle + 1
      } else high = middle - 1
    }
    return found
  }
  const describe = (time: number): string => new Date(time).toISOString().slice(0, 16).replace('T', ' ')
  const hole = (time: number, what: string): never => {
    const before = lastAtOrBefore(time)
    const around = [before >= 0 ? `the last hour before it is ${describe(starts[before]!)}` : 'no hour comes before it', before + 1 < starts.length ? `the next ${describe(starts[before + 1]!)}` : 'none comes after']
    throw kooberError('KOOBER_FORECAST_NO_DATA', `no weather ${what} ${describe(time)} UTC (within ${maxGap / HOUR_MS} h): ${around.join(', ')} (UTC)`)
  }

  return {
    at(time) {
      const before = lastAtOrBefore(time)
      const after = before + 1 < sorted.length ? before + 1 : -1
      // The hour holding the time, else whichever neighbour is nearer.
      const distanceBefore = before >= 0 ? Math.max(0, time - (starts[before]! + HOUR_MS) + 1) : Infinity
      const distanceAfter = after >= 0 ? starts[after]! - time : Infinity
      const best = distanceBefore <= distanceAfter ? before : after
      if (best < 0 || Math.min(distanceBefore, distanceAfter) > maxGap) return hole(time, 'for')
      return sorted[best]!
    },
    observedBefore(time) {
      const last = lastAtOrBefore(time - HOUR_MS)
      if (last < 0 || time - (starts[last]! + HOUR_MS) > maxGap) return hole(time, 'observed before')
      if (sorted[last]!.source !== 'daily') return sorted[last]!
      const known = starts[last]! - DAILY_DELAY_MS
      const earlier = lastAtOrBefore(known)
      if (earlier < 0 || known - starts[earlier]! > maxGap) return hole(time, `known ${DAILY_DELAY_MS / HOUR_MS} h back (daily records) before`)
      return sorted[earlier]!
    },
  }
}
