import { Command } from 'commander'
import { runMicroBatches } from '../../ingest/index.js'
import { createIngestTables, INGEST_GROUP, INGEST_TOPICS, ingestRows } from '../../koober/ingest-job.js'
import { cassandraOption, dataDirOption, describeLog, integerArg, kafkaOption, type LogOptions, type StoreOptions } from '../options.js'
import { runStoreRole } from '../store-role.js'

interface IngestOptions extends LogOptions, StoreOptions {
  once?: boolean
  intervalMs: number
  maxRecords: number
}

export function ingestCommand(): Command {
  return new Command('ingest')
    .summary('save the driver, rider and rides topics into the routes, events and pickups tables')
    .description(
      'Koober\'s ingestion job: micro-batches from the driver, rider and rides topics into the routes and events tables (and each ride request into the pickups table, for the forecast), ' +
        'committing offsets only after each write. Invalid events go to the dead-letters topic. Runs until Ctrl-C, or with --once ' +
        'until everything in the log when it started is saved.',
    )
    .option('--once', 'ingest what the log holds now, commit, and exit')
    .option('--interval-ms <ms>', 'the longest a micro-batch waits to fill', integerArg(1), 1000)
    .option('--max-records <n>', 'the most records in one micro-batch', integerArg(1), 10_000)
    .addOption(dataDirOption())
    .addOption(kafkaOption())
    .addOption(cassandraOption())
    .action(async (options: IngestOptions) => {
      const totals = await runStoreRole(options, [...INGEST_TOPICS, 'dead-letters'], async (log, store, signal) => {
        await createIngestTables(store)
        process.stderr.write(`ingesting ${INGEST_TOPICS.join(', ')} from ${describeLog(log, options)} into the ${store.backend} store${options.once ? ' (once)' : ''}\n`)
        return runMicroBatches({
          log,
          store,
          topics: [...INGEST_TOPICS],
          group: INGEST_GROUP,
          toRows: ingestRows,
          intervalMs: options.intervalMs,
          maxRecords: options.maxRecords,
          signal,
          untilCaughtUp: options.once ?? false,
          onBatch: (b) =>
            process.stderr.write(
              `batch: ${b.records} records (${b.bytes} B), ${b.rows} rows, ${b.deadLetters} dead letters, ${b.durationMs} ms, lag ${b.lag}\n`,
            ),
        })
      })
      process.stdout.write(`${JSON.stringify(totals)}\n`)
    })
}
