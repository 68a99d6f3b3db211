import { kooberError } from '../errors.js'
import { localDate, localMidnight } from '../forecast/calendar.js'
import type { TimeRange } from '../forecast/demand.js'

/**
 * The training and test periods of `koober forecast evaluate`, in whole
 * local days, from the date flags and the pickups' own span.
 *
 * `--train-from D` and `--test-from D` start a period at local midnight of
 * D; `--train-until D` and `--test-until D` end it at the end of D (D is
 * the period's last day, included). A bound not given comes from the data:
 * the first day holding a pickup, or the end of the last one. When the test
 * pickups are the training pickups (no --test files), one set is split by
 * time: the test period starts where training ends (and training ends
 * where the test starts), so `--test-from 2014-04-17` alone is a split.
 *
 * @example
 * ```ts
 * resolvePeriods({ testFrom: '2014-04-17' }, aprilSpan, undefined, 'America/New_York')
 * // train: 04-01 00:00 … 04-17 00:00, test: 04-17 00:00 … 04-24 00:00 (New York time)
 * ```
 */
export interface PeriodFlags {
  trainFrom?: string
  trainUntil?: string
  testFrom?: string
  testUntil?: string
}

/** The times of the first and last pickup of a set (epoch ms). */
export interface DataSpan {
  first: number
  last: number
}

export function resolvePeriods(flags: PeriodFlags, train: DataSpan, test: DataSpan | undefined, timeZone: string): { train: TimeRange; test: TimeRange } {
  const start = (date: string): number => localMidnight(date, timeZone)
  const end = (date: string): number => localMidnight(nextDate(date), timeZone)
  const firstDay = (span: DataSpan): number => start(localDate(span.first, timeZone))
  const afterLastDay = (span: DataSpan): number => end(localDate(span.last, timeZone))
  const trainFrom = flags.trainFrom !== undefined ? start(flags.trainFrom) : firstDay(train)
  let trainUntil = flags.trainUntil !== undefined ? end(flags.trainUntil) : undefined
  let testFrom = flags.testFrom !== undefined ? start(flags.testFrom) : undefined
  let testUntil = flags.testUntil !== undefined ? end(flags.testUntil) : undefined
  if (test === undefined) {
    if (trainUntil === undefined && testFrom === undefined) {
      throw kooberError('KOOBER_CLI_USAGE', 'give --test FILE... or split the --train files by time with --test-from DATE (or --train-until DATE)')
    }
    trainUntil ??= testFrom
    testFrom ??= trainUntil
    testUntil ??= afterLastDay(train)
  } else {
    trainUntil ??= afterLastDay(train)
    testFrom ??= firstDay(test)
    testUntil ??= afterLastDay(test)
  }
  const periods = { train: { from: trainFrom, until: trainUntil! }, test: { from: testFrom!, until: testUntil } }
  if (periods.train.until <= periods.train.from) throw kooberError('KOOBER_CLI_USAGE', `the training period is empty (${describe(periods.train, timeZone)})`)
  if (periods.test.until <= periods.test.from) throw kooberError('KOOBER_CLI_USAGE', `the test period is empty (${describe(periods.test, timeZone)})`)
  return periods
}

/** A period as its first and last local day: `2014-04-01 … 2014-04-16`. */
export function describe(range: TimeRange, timeZone: string): string {
  return `${localDate(range.from, timeZone)} … ${localDate(range.until - 1, timeZone)}`
}

/**
 * The date after a YYYY-MM-DD date: its local midnight ends the day, which
 * is 23 or 25 hours long on a clock change (unlike midnight + 24 h).
 *
 * @example
 * ```ts
 * nextDate('2014-11-02') // '2014-11-03'
 * ```
 */
export function nextDate(date: string): string {
  localMidnight(date, 'UTC') // checks the date
  return new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10)
}
