import { Command, Option } from 'commander'
import { runForecastRole } from '../../koober/forecast/forecast-role.js'
import { openStore } from '../options.js'
import { untilSignal } from '../signals.js'
import { forecastEvaluateCommand } from './forecast-evaluate.js'
import { checkTrainingDays, describeVersion, durationArg, forecastTrainCommand, trainingOptions, type TrainFlags } from './forecast-train.js'

/**
 * `koober forecast`: the forecast role (retrains on a schedule), and its
 * commands: `train` once, `evaluate` on pickup files.
 */
export function forecastCommand(): Command {
  const command = new Command('forecast')
    .summary('run the forecast role: retrain the demand models from the pickups table on a schedule')
    .description(
      'the forecast role: whenever the newest model version is older than --every (at once when there is none), trains every model on the ' +
        'last --days of the pickups table (on a worker thread) and saves a new version, which the web role serves. Runs until Ctrl-C. ' +
        'Its commands: `train` (once, over chosen days) and `evaluate` (on pickup files, with a table of scores).',
    )
    .addOption(new Option('--every <duration>', 'how often to retrain: 30m, 6h, 1d').default(6 * 3_600_000, '6h').argParser(durationArg))
    // The role's flags come before a subcommand, the subcommand's after it: both have --data-dir, --places, ...
    .enablePositionalOptions()
  for (const option of trainingOptions().filter((o) => o.long !== '--from' && o.long !== '--until')) command.addOption(option)
  command.action(async (flags: TrainFlags & { every: number }) => {
    checkTrainingDays(flags.days, flags.holdoutDays)
    const store = await openStore(flags, { readOnly: false })
    const stop = new AbortController()
    const role = runForecastRole({
      store,
      everyMs: flags.every,
      days: flags.days,
      places: flags.places,
      holdoutDays: flags.holdoutDays,
      signal: stop.signal,
      onProgress: (m) => process.stderr.write(`${m}\n`),
      onVersion: (summary) => process.stdout.write(`${describeVersion(summary)}\n`),
      onSkipped: (reason) => process.stderr.write(`forecast: no training this time: ${reason}\n`),
    })
    process.stdout.write(`forecast role: retraining every ${flags.every / 60_000} minutes on the last ${flags.days} days of pickups (Ctrl-C stops)\n`)
    try {
      await Promise.race([untilSignal(), role])
    } finally {
      stop.abort()
      await role.catch(() => undefined)
      await store.close()
    }
  })
  return command.addCommand(forecastTrainCommand()).addCommand(forecastEvaluateCommand())
}
