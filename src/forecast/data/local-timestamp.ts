import { newYorkToEpoch } from './new-york-time.js'

/*
 * The date-times of the New York pickup files, read by hand from their
 * characters: a regular expression or Date.parse per row would cost more
 * than all the rest of a row's parsing. Accepted shapes:
 *
 *   M/D/YYYY H:MM:SS   (the FOIL Uber and for-hire-vehicle files)
 *   M/D/YYYY H:MM
 *   YYYY-MM-DD HH:MM:SS (the TLC trip records; `T` between date and time also goes)
 *
 * Fractions of a second are dropped. Leading and trailing spaces are allowed.
 */

const SPACE = 32
const SLASH = 47
const DASH = 45
const COLON = 58
const DOT = 46
const LETTER_T = 84

/** Accepted years: the TLC's records start in 2009; a year far off is a broken row. */
const MIN_YEAR = 1900
const MAX_YEAR = 2200

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const

function daysInMonth(year: number, month: number): number {
  if (month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)) return 29
  return DAYS_IN_MONTH[month - 1]!
}

/**
 * A New York local date-time to epoch ms (UTC), or NaN when the text is not
 * one of the accepted shapes or names no real date and time.
 *
 * @example
 * ```ts
 * parseNewYorkTimestamp('4/1/2014 0:11:00')    // 1396325460000
 * parseNewYorkTimestamp('2015-01-15 19:05:39') // 1421366739000
 * parseNewYorkTimestamp('13/1/2014 0:11')      // NaN
 * ```
 */
export function parseNewYorkTimestamp(text: string): number {
  const end = text.length
  let at = 0
  while (at < end && text.charCodeAt(at) === SPACE) at++

  // The first number decides the shape: a 4-digit year before '-', or a month before '/'.
  let first = 0
  const firstStart = at
  for (let c = text.charCodeAt(at) - 48; c >= 0 && c <= 9; c = text.charCodeAt(++at) - 48) first = first * 10 + c
  const firstDigits = at - firstStart
  const separator = text.charCodeAt(at)
  let year: number
  let month: number
  let day: number
  if (separator === SLASH && firstDigits >= 1 && firstDigits <= 2) {
    month = first
    let start = ++at
    day = 0
    for (let c = text.charCodeAt(at) - 48; c >= 0 && c <= 9; c = text.charCodeAt(++at) - 48) day = day * 10 + c
    if (at - start < 1 || at - start > 2 || text.charCodeAt(at) !== SLASH) return Number.NaN
    start = ++at
    year = 0
    for (let c = text.charCodeAt(at) - 48; c >= 0 && c <= 9; c = text.charCodeAt(++at) - 48) year = year * 10 + c
    if (at - start !== 4) return Number.NaN
  } else if (separator === DASH && firstDigits === 4) {
    year = first
    let start = ++at
    month = 0
    for (let c = text.charCodeAt(at) - 48; c >= 0 && c <= 9; c = text.charCodeAt(++at) - 48) month = month * 10 + c
    if (at - start !== 2 || text.charCodeAt(at) !== DASH) return Number.NaN
    start = ++at
    day = 0
    for (let c = text.charCodeAt(at) - 48; c >= 0 && c <= 9; c = text.charCodeAt(++at) - 48) day = day * 10 + c
    if (at - start !== 2) return Number.NaN
  } else return Number.NaN

  const between = text.charCodeAt(at)
  if (between !== SPACE && between !== LETTER_T) return Number.NaN
  at++
  while (text.charCodeAt(at) === SPACE) at++

  let start = at
  let hour = 0
  for (let c = text.charCodeAt(at) - 48; c >= 0 && c <= 9; c = text.charCodeAt(++at) - 48) hour = hour * 10 + c
  if (at - start < 1 || at - start > 2 || text.charCodeAt(at) !== COLON) return Number.NaN
  start = ++at
  let minute = 0
  for (let c = text.charCodeAt(at) - 48; c >= 0 && c <= 9; c = text.charCodeAt(++at) - 48) minute = minute * 10 + c
  if (at - start !== 2) return Number.NaN
  let second = 0
  if (text.charCodeAt(at) === COLON) {
    start = ++at
    for (let c = text.charCodeAt(at) - 48; c >= 0 && c <= 9; c = text.charCodeAt(++at) - 48) second = second * 10 + c
    if (at - start !== 2) return Number.NaN
    if (text.charCodeAt(at) === DOT) for (let c = text.charCodeAt(++at) - 48; c >= 0 && c <= 9; c = text.charCodeAt(++at) - 48);
  }
  while (at < end && text.charCodeAt(at) === SPACE) at++
  if (at !== end) return Number.NaN

  if (year < MIN_YEAR || year > MAX_YEAR || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return Number.NaN
  if (hour > 23 || minute > 59 || second > 59) return Number.NaN
  return newYorkToEpoch(year, month, day, hour, minute, second)
}
