/**
 * New York wall-clock time (America/New_York) to epoch milliseconds and back,
 * fast enough for hundreds of thousands of rows a second.
 *
 * Asking Intl for every row costs microseconds; instead the offset is asked
 * once per hour and cached. That is exact for New York because its offset
 * only ever changes on a whole hour (02:00 local), so every minute of a
 * wall-clock hour, and every minute of a UTC hour, shares one offset.
 *
 * A wall-clock time that happens twice (01:00–01:59 on the first Sunday of
 * November) is read as the first one (daylight time); one that never happens
 * (02:00–02:59 on the second Sunday of March) is read with the offset from
 * before the change, so it lands an hour later on the clock (02:30 → 03:30
 * EDT). That is the `compatible` rule of java.time and JavaScript's Temporal.
 *
 * @example
 * ```ts
 * newYorkToEpoch(2014, 4, 1, 0, 11, 0) // 1396325460000 (2014-04-01T04:11:00Z)
 * newYorkDay(1396325460000)            // '2014-04-01'
 * ```
 */

import { utcOffset } from '../calendar.js'

const TIME_ZONE = 'America/New_York'
const HOUR_MS = 3_600_000
const DAY_MS = 86_400_000

/** New York's offset from UTC at an instant (ms; -4 h or -5 h), straight from Intl; cached by hour below, since Intl per row is slow. */
const offsetFromIntl = utcOffset(TIME_ZONE)

/** Offsets by UTC hour (epoch ms / HOUR_MS). */
const offsetByUtcHour = new Map<number, number>()
let lastUtcHour = Number.NaN
let lastUtcOffset = 0

/** New York's offset from UTC at an instant, in ms (-14,400,000 in summer, -18,000,000 in winter). */
export function newYorkOffsetAt(epochMs: number): number {
  const hour = Math.floor(epochMs / HOUR_MS)
  if (hour === lastUtcHour) return lastUtcOffset
  let offset = offsetByUtcHour.get(hour)
  if (offset === undefined) {
    offset = offsetFromIntl(hour * HOUR_MS)
    offsetByUtcHour.set(hour, offset)
  }
  lastUtcHour = hour
  lastUtcOffset = offset
  return offset
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year
  const era = Math.floor(y / 400)
  const yearOfEra = y - era * 400
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear
  return era * 146_097 + dayOfEra - 719_468
}

/** Offsets by wall-clock hour (the wall time read as if it were UTC, / HOUR_MS). */
const offsetByWallHour = new Map<number, number>()
let lastWallHour = Number.NaN
let lastWallOffset = 0

/** The offset that turns a wall-clock hour into an instant, by the `compatible` rule. */
function offsetForWallHour(wallHour: number): number {
  const wall = wallHour * HOUR_MS
  // New York changes its offset at most once within a day either side.
  const before = newYorkOffsetAt(wall - DAY_MS)
  const after = newYorkOffsetAt(wall + DAY_MS)
  if (before === after) return before
  const beforeFits = newYorkOffsetAt(wall - before) === before
  const afterFits = newYorkOffsetAt(wall - after) === after
  if (beforeFits && afterFits) return wall - before < wall - after ? before : after // repeated hour: the earlier instant
  if (afterFits) return after
  // A skipped hour (neither fits) or an hour before the change: the offset from before it.
  return before
}

/**
 * The instant (epoch ms, UTC) of a New York wall-clock time. Month is 1–12.
 * Does not check its arguments: out-of-range fields roll over as in Date.UTC.
 */
export function newYorkToEpoch(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  const wallHour = daysFromCivil(year, month, day) * 24 + hour
  let offset: number
  if (wallHour === lastWallHour) offset = lastWallOffset
  else {
    const known = offsetByWallHour.get(wallHour)
    offset = known ?? offsetForWallHour(wallHour)
    if (known === undefined) offsetByWallHour.set(wallHour, offset)
    lastWallHour = wallHour
    lastWallOffset = offset
  }
  return wallHour * HOUR_MS + minute * 60_000 + second * 1000 - offset
}

/** Days since 1970-01-01 of the New York local day of an instant. */
export function newYorkDayNumber(epochMs: number): number {
  return Math.floor((epochMs + newYorkOffsetAt(epochMs)) / DAY_MS)
}

const dayNames = new Map<number, string>()

/** The New York local day of an instant, as `YYYY-MM-DD`. */
export function newYorkDay(epochMs: number): string {
  const number = newYorkDayNumber(epochMs)
  let name = dayNames.get(number)
  if (name === undefined) {
    name = new Date(number * DAY_MS).toISOString().slice(0, 10)
    dayNames.set(number, name)
  }
  return name
}

/** The New York wall-clock fields of an instant (month 1–12, weekday 0 = Sunday). */
export function newYorkFields(epochMs: number): { year: number; month: number; day: number; hour: number; minute: number; weekday: number } {
  const local = new Date(epochMs + newYorkOffsetAt(epochMs))
  return {
    year: local.getUTCFullYear(),
    month: local.getUTCMonth() + 1,
    day: local.getUTCDate(),
    hour: local.getUTCHours(),
    minute: local.getUTCMinutes(),
    weekday: local.getUTCDay(),
  }
}
