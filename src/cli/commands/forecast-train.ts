import { Command, InvalidArgumentError, Option } from 'commander'
import { kooberError } from '../../errors.js'
import { localMidnight } from '../../forecast/calendar.js'
import { DEFAULT_HOLDOUT_DAYS, minPeriodDays } from '../../forecast/demand-model.js'
import type { PlacesSpec } from '../../forecast/places.js'
import { SLOT_MS } from '../../forecast/types.js'
import type { VersionSummary } from '../../koober/forecast/forecast-versions.js'
import { MAX_TRAINING_DAYS, trainFromStore } from '../../koober/forecast/train-job.js'
import { CITY_TIME_ZONE } from '../../koober/geo.js'
import { dateArg, placesOption } from '../forecast-options.js'
import { nextDate } from '../forecast-periods.js'
import { cassandraOption, dataDirOption, integerArg, openStore, type StoreOptions } from '../options.js'

export interface TrainFlags extends StoreOptions {
  from?: string
  until?: string
  days: number
  places: PlacesSpec
  holdoutDays: number
}

const DAY_MS = 86_400_000
export const DEFAULT_TRAINING_DAYS = 28

/** The flags every training command takes: the period, the places, the held-out days, and the store. */
export function trainingOptions(): Option[] {
  return [
    new Option('--from <date>', 'first day to learn from (YYYY-MM-DD, New York; default: --days before --until)').argParser(dateArg),
    new Option('--until <date>', 'last day to learn from, included (default: up to now)').argParser(dateArg),
    new Option('--days <n>', `days to learn from when --from is not given: the held-out days and at least ${minPeriodDays(0)} more, at most ${MAX_TRAINING_DAYS}`)
      .default(DEFAULT_TRAINING_DAYS)
      .argParser(integerArg(2, MAX_TRAINING_DAYS)),
    placesOption(),
    new Option('--holdout-days <n>', 'the last days, held out to score the models').default(DEFAULT_HOLDOUT_DAYS).argParser(integerArg(1, 365)),
    dataDirOption(),
    cassandraOption(),
  ]
}

/**
 * The period of the flags: whole New York days (--until's day included, to
 * its local midnight), or up to the last half hour over when --until is not
 * given. Refused up front when it cannot train: shorter than the held-out
 * days and the 8 the calendar question trains on, or longer than
 * MAX_TRAINING_DAYS.
 *
 * @example
 * ```ts
 * trainingPeriod({ from: '2014-04-01', until: '2014-04-23', days: 28, holdoutDays: 7, places }) // 04-01 00:00 … 04-24 00:00, New York
 * ```
 */
export function trainingPeriod(flags: TrainFlags, now = Date.now()): { from: number; until: number } {
  const until = flags.until !== undefined ? localMidnight(nextDate(flags.until), CITY_TIME_ZONE) : Math.floor(now / SLOT_MS) * SLOT_MS
  const from = flags.from !== undefined ? localMidnight(flags.from, CITY_TIME_ZONE) : until - flags.days * DAY_MS
  if (!(until > from)) throw kooberError('KOOBER_CLI_USAGE', `--from ${flags.from} comes after --until ${flags.until ?? 'now'}`)
  checkTrainingDays((until - from) / DAY_MS, flags.holdoutDays)
  return { from, until: Math.floor(until / SLOT_MS) * SLOT_MS }
}

/** Refuses a training period (days) too short for the held-out days and the training days, or too long to hold in memory. */
export function checkTrainingDays(days: number, holdoutDays: number): void {
  const least = minPeriodDays(holdoutDays)
  const trainingDays = least - holdoutDays
  const shown = Number.isInteger(days) ? String(days) : days.toFixed(1)
  if (days < least) {
    throw kooberError(
      'KOOBER_CLI_USAGE',
      `the training period holds ${shown} days: it needs at least ${least}, the ${holdoutDays} held out (--holdout-days) and ${trainingDays} to train on (the calendar question learns each training week from the others); choose a longer period or fewer held-out days`,
    )
  }
  if (days > MAX_TRAINING_DAYS) {
    throw kooberError('KOOBER_CLI_USAGE', `the training period holds ${shown} days: at most ${MAX_TRAINING_DAYS} (its pickups and features are held in memory)`)
  }
}

export function forecastTrainCommand(): Command {
  const command = new Command('train')
    .summary('train the forecast models on the pickups table and save them for serving')
    .description(
      'reads the pickups (and weather) tables over a period of New York days, fits places and every model for both questions (next: the next ' +
        'half hour from what was observed; calendar: any time from calendar and weather), scores each on the last --holdout-days, and saves them ' +
        'as a new version in the store: the web role serves the newest (/api/forecast, /forecast). Training runs on a worker thread.',
    )
  for (const option of trainingOptions()) command.addOption(option)
  return command.action(async (flags: TrainFlags) => {
    const period = trainingPeriod(flags)
    const store = await openStore(flags, { readOnly: false })
    try {
      const started = performance.now()
      const summary = await trainFromStore(store, { ...period, places: flags.places, holdoutDays: flags.holdoutDays, onProgress: (m) => process.stderr.write(`${m}\n`) })
      process.stderr.write(`${describeVersion(summary)} (${((performance.now() - started) / 1000).toFixed(1)} s)\n`)
      process.stdout.write(`${JSON.stringify(summary)}\n`)
    } finally {
      await store.close()
    }
  })
}

/** One line on a saved version: its number and each question's best model with its RMSE. */
export function describeVersion(summary: VersionSummary): string {
  const questions = Object.entries(summary.questions).map(([question, q]) => `${question}: ${q.best} (RMSE ${q.scores[q.best]!.rmse.toFixed(3)})`)
  return `forecast version ${summary.version} saved: ${summary.placesSpec}, ${questions.join('; ')}`
}

export function durationArg(value: string): number {
  const match = /^(\d+)(m|h|d)$/.exec(value)
  if (!match) throw new InvalidArgumentError(`expected a duration such as 30m, 6h or 1d, got ${JSON.stringify(value)}`)
  const ms = Number(match[1]) * { m: 60_000, h: 3_600_000, d: DAY_MS }[match[2] as 'm' | 'h' | 'd']
  if (ms < 60_000) throw new InvalidArgumentError('the shortest schedule is 1m')
  return ms
}
