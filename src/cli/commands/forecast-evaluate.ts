import { basename } from 'node:path'
import { Command, InvalidArgumentError, Option } from 'commander'
import { kooberError } from '../../errors.js'
import { loadPickups, loadWeather } from '../../forecast/data/index.js'
import { evaluate, type Evaluation, type ModelEvaluation } from '../../forecast/evaluate.js'
import { QUESTIONS, type Question } from '../../forecast/features.js'
import { TRAINERS } from '../../forecast/models/index.js'
import type { PlacesSpec } from '../../forecast/places.js'
import type { Pickup } from '../../forecast/types.js'
import { dateArg, placesOption } from '../forecast-options.js'
import { describe, resolvePeriods, type DataSpan } from '../forecast-periods.js'
import { ProgressBar } from '../progress-bar.js'
import { CITY_TIME_ZONE } from '../../koober/geo.js'

/** The pickup files hold New York local times, and demand follows New York's clock. */
const TIME_ZONE = CITY_TIME_ZONE
/** The naive baselines a model must beat, per question. */
const BASELINES: Record<Question, string[]> = { next: ['persistence', 'historical_average', 'last_week'], calendar: ['historical_average'] }

interface EvaluateFlags {
  train: string[]
  test?: string[]
  weather?: string[]
  question: Question
  places: PlacesSpec
  trainFrom?: string
  trainUntil?: string
  testFrom?: string
  testUntil?: string
  seed: number
}

export function forecastEvaluateCommand(): Command {
  return new Command('evaluate')
    .summary('train every model on one period of pickups and score it on the next')
    .description(
      'fits places (k-means clusters or a grid) and every model (the baselines persistence, historical_average and last_week; linear, ridge, ' +
        'random_forest, gbt) to the training period, predicts the demand of every place in every half hour of the test period, and prints per ' +
        'model RMSE, MAE, and RMSE and MAPE over the (place, half hour) pairs with more than 10 pickups; last, one JSON line with the figures. ' +
        '--question next predicts each half hour from everything observed before it; --question calendar from the calendar, the weather and ' +
        'the training period alone. Periods are whole New York days: --train-from/--test-from DATE start at its midnight, --train-until/--test-until ' +
        'DATE include that day. Without --test, the --train files are split by time at --test-from (or after --train-until).',
    )
    .requiredOption('--train <files...>', 'pickup files to learn from (.csv or .csv.gz, the formats `koober import pickups` reads)')
    .option('--test <files...>', 'pickup files to score on (default: the --train files, split by the date flags)')
    .option('--weather <files...>', 'weather files (hourly UTC or NOAA daily); without them the models get no weather')
    .addOption(new Option('--question <question>', 'next: the next half hour from what was observed; calendar: any time from calendar and weather').choices(QUESTIONS).default('next'))
    .addOption(placesOption())
    .option('--train-from <date>', 'first day of training (YYYY-MM-DD, New York)', dateArg)
    .option('--train-until <date>', 'last day of training, included', dateArg)
    .option('--test-from <date>', 'first day of the test', dateArg)
    .option('--test-until <date>', 'last day of the test, included', dateArg)
    .option('--seed <n>', 'seeds the k-means places (the same seed gives the same places)', seedArg, 1)
    .action(async (flags: EvaluateFlags) => {
      const trainSet = await load(flags.train, 'training')
      const testSet = flags.test ? await load(flags.test, 'test') : undefined
      const periods = resolvePeriods(flags, span(trainSet, flags.train), testSet ? span(testSet, flags.test!) : undefined, TIME_ZONE)
      const weather = flags.weather ? await loadWeather(flags.weather) : undefined
      if (weather) say(`weather: ${weather.length.toLocaleString('en-US')} hours from ${flags.weather!.map((f) => basename(f)).join(', ')}`)
      say(`training ${describe(periods.train, TIME_ZONE)}, testing ${describe(periods.test, TIME_ZONE)} (${flags.question})`)
      const evaluation = evaluate({
        question: flags.question,
        train: { pickups: trainSet, ...periods.train },
        test: { pickups: testSet ?? trainSet, ...periods.test },
        ...(weather ? { weather } : {}),
        places: flags.places,
        trainers: TRAINERS,
        timeZone: TIME_ZONE,
        seed: flags.seed,
        onProgress: say,
      })
      process.stdout.write(table(evaluation, `${describe(periods.test, TIME_ZONE)}`))
      process.stdout.write(`${JSON.stringify(benchLine(evaluation))}\n`)
    })
}

/** The last line: the figures as one JSON object (NaN, when no pair passed the mask, as null). */
export function benchLine(evaluation: Evaluation): Record<string, unknown> {
  const round = (x: number): number | null => (Number.isFinite(x) ? Math.round(x * 10_000) / 10_000 : null)
  const models: Record<string, Record<string, number | null>> = {}
  for (const [name, m] of baselinesFirst(evaluation)) {
    models[name] = { rmse: round(m.rmse), mae: round(m.mae), masked_rmse: round(m.masked_rmse), masked_mape: round(m.masked_mape) }
  }
  return { bench: 'forecast', question: evaluation.question, test_slots: evaluation.testSlots, models, best: evaluation.best }
}

function table(evaluation: Evaluation, testDays: string): string {
  const lines = [
    `${evaluation.question}: ${evaluation.places} places, test ${testDays}: ${evaluation.testSlots} half hours × ${evaluation.placeCount} places = ` +
      `${evaluation.testRows.toLocaleString('en-US')} predictions (${evaluation.trainRows.toLocaleString('en-US')} training rows)`,
    `${'model'.padEnd(20)}${'RMSE'.padStart(9)}${'MAE'.padStart(9)}${'masked RMSE'.padStart(13)}${'masked MAPE'.padStart(13)}${'train s'.padStart(9)}`,
  ]
  const number = (x: number, digits: number, width: number): string => (Number.isFinite(x) ? x.toFixed(digits) : '–').padStart(width)
  const percent = (x: number): string => (Number.isFinite(x) ? `${x.toFixed(1)} %` : '–').padStart(13)
  for (const [name, m] of baselinesFirst(evaluation)) {
    lines.push(`${name.padEnd(20)}${number(m.rmse, 3, 9)}${number(m.mae, 3, 9)}${number(m.masked_rmse, 3, 13)}${percent(m.masked_mape)}${number(m.train_seconds, 2, 9)}`)
  }
  const pairs = Object.values(evaluation.models)[0]?.masked_pairs ?? 0
  lines.push(`masked: the ${pairs.toLocaleString('en-US')} (place, half hour) pairs with more than 10 pickups`)
  const baselines = BASELINES[evaluation.question].filter((name) => evaluation.models[name])
  const best = evaluation.models[evaluation.best]!
  if (baselines.length > 0) {
    const baseline = baselines.reduce((a, b) => (evaluation.models[b]!.rmse < evaluation.models[a]!.rmse ? b : a))
    const gain = 1 - best.rmse / evaluation.models[baseline]!.rmse
    lines.push(`best: ${evaluation.best}, RMSE ${(gain * 100).toFixed(1)} % below ${baseline === evaluation.best ? 'itself' : `the best baseline (${baseline})`}`)
  } else lines.push(`best: ${evaluation.best}`)
  return `${lines.join('\n')}\n`
}

/** The models in the order a reader compares them: the naive baselines, then the learned models. */
function baselinesFirst(evaluation: Evaluation): Array<[string, ModelEvaluation]> {
  const entries = Object.entries(evaluation.models)
  const naive = new Set(BASELINES.next)
  return [...entries.filter(([name]) => naive.has(name)), ...entries.filter(([name]) => !naive.has(name))]
}

async function load(files: string[], what: string): Promise<Pickup[]> {
  const bar = new ProgressBar()
  const { pickups, rejected } = await loadPickups(files, {
    onProgress: (p) => bar.update({ fraction: p.totalBytes > 0 ? p.bytesRead / p.totalBytes : 1, rows: p.rows, rowsPerSecond: p.rowsPerSecond, detail: basename(p.path) }),
  })
  const left = Object.entries(rejected).map(([reason, n]) => `${n.toLocaleString('en-US')} ${reason}`)
  bar.done(`${what}: ${pickups.length.toLocaleString('en-US')} pickups from ${files.map((f) => basename(f)).join(', ')}${left.length > 0 ? ` (left out: ${left.join(', ')})` : ''}`)
  if (pickups.length === 0) throw kooberError('KOOBER_CLI_INPUT', `no pickups in the ${what} files ${files.join(', ')}`)
  return pickups
}

function span(pickups: readonly Pickup[], files: string[]): DataSpan {
  let first = Infinity
  let last = -Infinity
  for (const p of pickups) {
    if (p.time < first) first = p.time
    if (p.time > last) last = p.time
  }
  if (!Number.isFinite(first)) throw kooberError('KOOBER_CLI_INPUT', `no pickups in ${files.join(', ')}`)
  return { first, last }
}

function say(line: string): void {
  process.stderr.write(`${line}\n`)
}

function seedArg(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 2 ** 32 - 1) throw new InvalidArgumentError(`expected a whole number from 0 to ${2 ** 32 - 1}, got ${JSON.stringify(value)}`)
  return Number(value)
}
