import { Command, Option } from 'commander'
import { runMicroBatches } from '../../ingest/index.js'
import { runCityAnalytics } from '../../koober/analytics/index.js'
import { createIngestTables, INGEST_GROUP, INGEST_TOPICS, ingestRows } from '../../koober/ingest-job.js'
import { startSimulator, type Simulator } from '../../koober/simulator/index.js'
import { KOOBER_TOPICS } from '../../koober/topics.js'
import { openEmbeddedLog } from '../../log/index.js'
import { openSqliteStore } from '../../store/index.js'
import { parsePlacesSpec } from '../../forecast/places.js'
import { openKooberForecaster } from '../../koober/forecast/forecaster.js'
import { runForecastRole } from '../../koober/forecast/forecast-role.js'
import { startWebServer } from '../../web/server.js'
import { DEFAULT_PLACES } from '../forecast-options.js'
import { DEFAULT_TRAINING_DAYS, describeVersion } from './forecast-train.js'
import { dataDirOption, integerArg, type LogOptions } from '../options.js'
import { untilSignal } from '../signals.js'
import { webOptions, webServerOptions, type WebFlags } from '../web-options.js'

/** How often `koober start` retrains the forecast. */
const FORECAST_EVERY_MS = 6 * 3_600_000

interface StartOptions extends LogOptions, WebFlags {
  drivers: number
  ridersPerMinute: number
}

export function startCommand(): Command {
  const command = new Command('start')
    .summary('run all of Koober on one machine until Ctrl-C')
    .description(
      'run Koober on one machine, in one process: the embedded log (creating Koober\'s topics), the web role (pages, WebSockets, REST API), ' +
        'the ingestion job into SQLite, the analytics job, the forecast role, and a few simulated drivers and riders so the city is alive. Prints the URL to open. ' +
        'Runs until Ctrl-C.',
    )
    .addOption(dataDirOption())
    .addOption(new Option('--drivers <n>', 'simulated drivers (0 for none)').env('KOOBER_SIM_DRIVERS').default(15).argParser(integerArg(0, 10_000)))
    .addOption(new Option('--riders-per-minute <n>', 'simulated riders arriving per minute (0 for none)').env('KOOBER_SIM_RIDERS_PER_MINUTE').default(3).argParser(integerArg(0, 60_000)))
  for (const option of webOptions()) command.addOption(option)
  return command.action(async (options: StartOptions) => {
    const out = process.stdout
    const log = await openEmbeddedLog({ dataDir: options.dataDir })
    const created: string[] = []
    const stopIngest = new AbortController()
    let ingesting: Promise<unknown> = Promise.resolve()
    let analyzing: Promise<unknown> = Promise.resolve()
    let forecasting: Promise<unknown> = Promise.resolve()
    let store: ReturnType<typeof openSqliteStore> | undefined
    let server: Awaited<ReturnType<typeof startWebServer>> | undefined
    let simulator: Simulator | undefined
    try {
      for (const [name, { partitions }] of Object.entries(KOOBER_TOPICS)) {
        if (await log.ensureTopic(name, { partitions })) created.push(name)
      }
      out.write(`Koober is running on the embedded log in ${log.dataDir} (process ${process.pid})\n`)
      for (const topic of await Promise.all(Object.keys(KOOBER_TOPICS).map((name) => log.describeTopic(name)))) {
        const records = topic.partitions.reduce((sum, p) => sum + p.endOffset - p.startOffset, 0)
        out.write(`  topic ${topic.name.padEnd(15)} ${topic.config.partitions} partitions, ${records} records${created.includes(topic.name) ? ' (new)' : ''}\n`)
      }

      store = openSqliteStore({ dataDir: options.dataDir })
      await createIngestTables(store)
      let ingested = 0
      ingesting = runMicroBatches({
        log,
        store,
        topics: [...INGEST_TOPICS],
        group: INGEST_GROUP,
        toRows: ingestRows,
        signal: stopIngest.signal,
        onBatch: (batch) => void (ingested += batch.rows),
      }).catch((error: unknown) => {
        process.stderr.write(`koober: the ingestion job stopped: ${(error as Error).message}\n`)
      })
      out.write(`  ingest        driver, rider and rides topics into the routes, events and pickups tables of ${store.path}\n`)
      analyzing = runCityAnalytics({ log, store, signal: stopIngest.signal }).catch((error: unknown) => {
        process.stderr.write(`koober: the analytics job stopped: ${(error as Error).message}\n`)
      })
      out.write('  analytics     demand, supply, waits and trips per area and minute, into the analytics table and topic\n')
      forecasting = runForecastRole({
        store,
        everyMs: FORECAST_EVERY_MS,
        days: DEFAULT_TRAINING_DAYS,
        places: parsePlacesSpec(DEFAULT_PLACES),
        signal: stopIngest.signal,
        onVersion: (summary) => out.write(`${describeVersion(summary)}\n`),
        onSkipped: (reason) => process.stderr.write(`forecast: no training this time (${reason}); next try within the hour\n`),
      }).catch((error: unknown) => {
        process.stderr.write(`koober: the forecast role stopped: ${(error as Error).message}\n`)
      })
      out.write(`  forecast      the demand models, retrained every ${FORECAST_EVERY_MS / 3_600_000} h on the last ${DEFAULT_TRAINING_DAYS} days of the pickups table\n`)

      server = await startWebServer({ log, forecaster: await openKooberForecaster(store), ...webServerOptions(options) })
      if (options.drivers > 0 || options.ridersPerMinute > 0) {
        simulator = await startSimulator({ url: server.url, drivers: options.drivers, ridersPerMinute: options.ridersPerMinute, seed: Date.now() % 2 ** 32 })
        out.write(`  simulate      ${options.drivers} drivers, ${options.ridersPerMinute} riders a minute (--drivers, --riders-per-minute)\n`)
      }
      out.write(`\nOpen ${server.url}  (rider: ${server.url}/rider, driver: ${server.url}/driver, dashboard: ${server.url}/dashboard, forecast: ${server.url}/forecast)\n`)
      out.write(`Watch the log from another terminal: npx koober consume rides --follow --data-dir ${log.dataDir}\n`)
      out.write('Stop with Ctrl-C.\n')
      const progress = setInterval(() => {
        const c = simulator?.counters()
        process.stderr.write(`city: ${JSON.stringify(c ? { completed: c.completed, requests: c.requests } : {})}, rows ingested ${ingested}\n`)
      }, 60_000)
      progress.unref()
      await untilSignal()
      clearInterval(progress)
      out.write('Koober is stopping: simulator, web server, ingestion, log\n')
    } finally {
      await simulator?.stop().catch(() => undefined)
      await server?.close().catch(() => undefined)
      stopIngest.abort()
      await ingesting
      await analyzing
      await forecasting
      await store?.close()
      await log.close()
    }
  })
}
