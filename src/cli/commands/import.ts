import { basename } from 'node:path'
import { Command } from 'commander'
import { addRejects, checkPickupFiles, noRejects, nonZeroRejects, readPickupFiles, readWeatherFile, type WeatherFile } from '../../forecast/data/index.js'
import { importPickups, type IdentifiedPickups } from '../../koober/forecast/pickup-import.js'
import { createPickupTables, weatherRow } from '../../koober/forecast/pickup-tables.js'
import { cassandraOption, dataDirOption, kafkaOption, type LogOptions, type StoreOptions } from '../options.js'
import { ProgressBar } from '../progress-bar.js'
import { runStoreRole } from '../store-role.js'

type ImportOptions = LogOptions & StoreOptions

/** Weather rows per upsert: a year of hours in one transaction. */
const WEATHER_BATCH = 10_000

export function importCommand(): Command {
  const command = new Command('import').description('import New York pickups and weather for the demand forecast')

  command
    .command('pickups')
    .summary('import pickup files into the pickups topic and table')
    .description(
      'reads pickup CSV files, plain or gzip: the FiveThirtyEight/TLC FOIL Uber files (Date/Time,Lat,Lon,Base), the other for-hire-vehicle ' +
        'FOIL files (time_of_trip,start_lat,start_lng) and the TLC yellow (2009–2016) and green trip records, told apart by their header. ' +
        'Times are New York local time. Each pickup goes to the pickups topic (keyed by area cell) and the pickups table (by New York day). ' +
        'Rows that cannot be read or lie outside the city are counted by reason, never fatal. A pickup is known by its file name and line, ' +
        'so importing a file again overwrites its rows. Prints a progress bar on a terminal, then a summary, and the totals as one JSON line on standard output.',
    )
    .argument('<files...>', 'pickup files (.csv or .csv.gz)')
    .addOption(dataDirOption())
    .addOption(kafkaOption())
    .addOption(cassandraOption())
    .action(async (files: string[], options: ImportOptions) => {
      // A missing file or an unknown header fails here, before the log or the store is opened.
      await checkPickupFiles(files)
      const report = await runStoreRole(options, ['pickups'], async (log, store, signal) => {
        await createPickupTables(store)
        const bar = new ProgressBar()
        const rejected = noRejects()
        let rows = 0
        const started = performance.now()
        async function* identified(): AsyncGenerator<IdentifiedPickups> {
          const chunks = readPickupFiles(files, {
            onProgress: (p) =>
              bar.update({
                fraction: p.totalBytes > 0 ? p.bytesRead / p.totalBytes : 1,
                rows: p.rows,
                rowsPerSecond: p.rowsPerSecond,
                detail: `${megabytes(p.bytesRead)} of ${megabytes(p.totalBytes)} MB  ${basename(p.path)}`,
              }),
          })
          for await (const chunk of chunks) {
            addRejects(rejected, chunk.rejected)
            rows += chunk.rows
            const name = basename(chunk.path)
            yield { pickups: chunk.pickups, ids: chunk.lines.map((line) => `${name}:${line}`) }
          }
        }
        const imported = await importPickups(log, store, identified(), { signal })
        const seconds = (performance.now() - started) / 1000
        const report = { files: files.length, rows, imported, rejected: nonZeroRejects(rejected), seconds: round(seconds, 2), rows_per_s: Math.round(rows / seconds) }
        bar.done(
          `imported ${imported.toLocaleString('en-US')} pickups of ${rows.toLocaleString('en-US')} rows from ${files.length} file${files.length === 1 ? '' : 's'} ` +
            `in ${report.seconds} s (${report.rows_per_s.toLocaleString('en-US')} rows/s)${signal.aborted ? ', stopped early' : ''}; rejected: ${describeRejects(report.rejected)}`,
        )
        return report
      })
      process.stdout.write(`${JSON.stringify(report)}\n`)
    })

  command
    .command('weather')
    .summary('import weather files into the weather table')
    .description(
      'reads weather CSV files, plain or gzip: NOAA GHCN-Daily (STATION,NAME,DATE,AWND,PRCP,SNOW,SNWD,TMAX,TMIN; °F, inches; each day spread over its ' +
        'New York hours, coldest at 06:00 and warmest at 15:00) or hourly UTC weather (DateTime,Description,Temperature,...; °C). Writes one row per hour ' +
        'to the weather table with the temperature in °C and the flags clear, fog, rain, snow, hail, thunder, tornado; where files overlap, the later one wins. ' +
        'Every file is read and checked before anything is written. Prints a summary, and the totals as one JSON line on standard output.',
    )
    .argument('<files...>', 'weather files')
    .addOption(dataDirOption())
    .addOption(kafkaOption())
    .addOption(cassandraOption())
    .action(async (files: string[], options: ImportOptions) => {
      const read: WeatherFile[] = []
      for (const file of files) read.push(await readWeatherFile(file))
      const report = await runStoreRole(options, [], async (_log, store) => {
        await createPickupTables(store)
        const rows = read.flatMap((file) => file.hours.map(weatherRow))
        for (let start = 0; start < rows.length; start += WEATHER_BATCH) await store.upsert('weather', rows.slice(start, start + WEATHER_BATCH))
        const rejected: Record<string, number> = {}
        for (const file of read) for (const [reason, n] of Object.entries(file.rejected)) rejected[reason] = (rejected[reason] ?? 0) + n
        return {
          files: files.length,
          formats: read.map((file) => file.format),
          rows: read.reduce((n, file) => n + file.rows, 0),
          hours: new Set(rows.map((row) => row.hour)).size,
          rejected,
        }
      })
      process.stderr.write(
        `imported ${report.hours.toLocaleString('en-US')} hours of weather from ${report.rows.toLocaleString('en-US')} rows (${report.formats.join(', ')}); ` +
          `rejected: ${describeRejects(report.rejected)}\n`,
      )
      process.stdout.write(`${JSON.stringify(report)}\n`)
    })

  return command
}

function megabytes(bytes: number): string {
  return (bytes / 1_000_000).toFixed(1)
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits
  return Math.round(value * scale) / scale
}

function describeRejects(rejected: Record<string, number>): string {
  const entries = Object.entries(rejected)
  return entries.length === 0 ? 'none' : entries.map(([reason, n]) => `${n.toLocaleString('en-US')} ${reason}`).join(', ')
}
