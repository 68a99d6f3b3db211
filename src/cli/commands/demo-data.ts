import { Command, InvalidArgumentError } from 'commander'
import { addMonths, demoPickups, newYorkDay, newYorkFields, newYorkToEpoch, type DemoDataOptions } from '../../forecast/data/index.js'
import { importPickups, type IdentifiedPickups } from '../../koober/forecast/pickup-import.js'
import { createPickupTables } from '../../koober/forecast/pickup-tables.js'
import { cassandraOption, dataDirOption, integerArg, kafkaOption, type LogOptions, type StoreOptions } from '../options.js'
import { ProgressBar } from '../progress-bar.js'
import { runStoreRole } from '../store-role.js'

interface DemoDataCommandOptions extends LogOptions, StoreOptions {
  records: number
  months: number
  clusters: number
  seed?: number
  start?: number
}

/** A commander parser for `YYYY-MM-DD`: New York local midnight of that day, as epoch ms. */
function dayArg(value: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value.trim())
  const [year, month, day] = match ? [Number(match[1]), Number(match[2]), Number(match[3])] : [0, 0, 0]
  const date = new Date(Date.UTC(year, month - 1, day))
  if (!match || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day || year < 1970) {
    throw new InvalidArgumentError(`expected a date as YYYY-MM-DD, got ${JSON.stringify(value)}`)
  }
  return newYorkToEpoch(year, month, day, 0, 0, 0)
}

/** By default the demo ends today: it starts `months` months before this New York midnight. */
function defaultStart(months: number, now = Date.now()): number {
  const { year, month, day } = newYorkFields(now)
  const today = newYorkToEpoch(year, month, day, 0, 0, 0)
  return addMonths(today, -months)
}

export function demoDataCommand(): Command {
  return new Command('demo-data')
    .summary('generate fake clustered pickups into the pickups topic and table')
    .description(
      "the original Koober's demo-data generator: --clusters places in New York, each with its own size, spread and kind (offices, nightlife, homes), " +
        'and --records pickups scattered around them over --months months, with a daily rhythm (quiet nights, morning and evening peaks) and a ' +
        'weekly one (weekends differ). The same seed and start give the same pickups. They go to the pickups topic and table as imported pickups do, ' +
        'known by their seed and number, so running the same seed again overwrites them.',
    )
    .option('--records <n>', 'pickups in total', integerArg(1, 1_000_000_000), 100_000)
    .option('--months <n>', 'calendar months of pickups', integerArg(1, 1200), 1)
    .option('--clusters <n>', 'places the pickups gather around', integerArg(1, 100_000), 20)
    .option('--seed <n>', 'the same seed gives the same pickups (default: random, printed)', integerArg(0, 2 ** 32 - 1))
    .option('--start <YYYY-MM-DD>', 'the first New York day (default: --months months before today, so the demo ends today)', dayArg)
    .addOption(dataDirOption())
    .addOption(kafkaOption())
    .addOption(cassandraOption())
    .action(async (options: DemoDataCommandOptions) => {
      const demo: DemoDataOptions = {
        records: options.records,
        months: options.months,
        clusters: options.clusters,
        seed: options.seed ?? Math.floor(Math.random() * 2 ** 32),
        start: options.start ?? defaultStart(options.months),
      }
      const report = await runStoreRole(options, ['pickups'], async (log, store, signal) => {
        await createPickupTables(store)
        const end = addMonths(demo.start, demo.months)
        process.stderr.write(
          `generating ${demo.records.toLocaleString('en-US')} pickups around ${demo.clusters} places from ${newYorkDay(demo.start)} to ${newYorkDay(end - 1)} (seed ${demo.seed})\n`,
        )
        const bar = new ProgressBar()
        const started = performance.now()
        let made = 0
        function* identified(): Generator<IdentifiedPickups> {
          for (const pickups of demoPickups(demo)) {
            const ids = pickups.map((_, i) => `demo-${demo.seed}:${made + i}`)
            made += pickups.length
            yield { pickups, ids }
            const seconds = (performance.now() - started) / 1000
            bar.update({ fraction: made / demo.records, rows: made, rowsPerSecond: Math.round(made / seconds) })
          }
        }
        const imported = await importPickups(log, store, identified(), { signal })
        const seconds = (performance.now() - started) / 1000
        bar.done(`generated and imported ${imported.toLocaleString('en-US')} demo pickups in ${seconds.toFixed(2)} s${signal.aborted ? ', stopped early' : ''}`)
        return { ...demo, start: newYorkDay(demo.start), end: newYorkDay(end - 1), imported, seconds: Math.round(seconds * 100) / 100 }
      })
      process.stdout.write(`${JSON.stringify(report)}\n`)
    })
}
