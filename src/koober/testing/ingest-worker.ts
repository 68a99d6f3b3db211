/**
 * The child process of `../ingest-crash.test.ts`: Koober's ingestion job
 * (`runMicroBatches` with `ingestRows`) from the embedded log into the SQLite
 * store of one data directory, in small, quick micro-batches, until the test
 * kills it with SIGKILL.
 *
 *   node --import tsx ingest-worker.ts <dataDir> loop|once [<phase> <nth>]
 *
 * It prints one line per step it reaches, written synchronously so a line is
 * out before the step runs on:
 * - `opening` before it opens the log and the store, `ready` once both are open;
 * - `before-write <table>` / `after-write <table>` around each table's upsert;
 * - `before-commit` / `after-commit` around the consumer's commit.
 *
 * With `<phase> <nth>` (a step line such as `after-write routes`), at the
 * nth time it reaches that step it prints `stopped` and waits there for the
 * kill, so the test can crash it at exactly that point of a batch.
 * `once` ingests what the log holds (`untilCaughtUp`), prints `done <totals JSON>`
 * and exits 0.
 */
import { runMicroBatches } from '../../ingest/index.js'
import { createIngestTables, INGEST_GROUP, INGEST_TOPICS, ingestRows } from '../ingest-job.js'
import { openEmbeddedLog } from '../../log/index.js'
import { onEachConsumer } from '../../log/testing/consumer-reports.js'
import { printLine, runWorker } from '../../log/testing/worker-process.js'
import { openSqliteStore, type Row, type WriteOptions } from '../../store/index.js'

runWorker('ingest-worker', { maxLifetimeMs: 60_000 }, async () => {
  const [dataDir, mode, stopPhase, nthText] = process.argv.slice(2)
  if (!dataDir || (mode !== 'loop' && mode !== 'once') || (stopPhase !== undefined && !(Number(nthText) >= 1))) {
    throw new Error('usage: ingest-worker.ts <dataDir> loop|once [<phase> <nth>]')
  }
  let reached = 0
  /** Prints the step; at the planned one, stops there until killed. */
  const step = async (line: string): Promise<void> => {
    printLine(line)
    if (line === stopPhase && ++reached === Number(nthText)) {
      printLine('stopped')
      setInterval(() => undefined, 1000)
      await new Promise<never>(() => undefined)
    }
  }

  await step('opening')
  const log = await openEmbeddedLog({ dataDir })
  const store = openSqliteStore({ dataDir })
  for (const topic of [...INGEST_TOPICS, 'dead-letters']) await log.ensureTopic(topic, { partitions: topic === 'dead-letters' ? 1 : 4 })
  await createIngestTables(store)

  const upsert = store.upsert.bind(store)
  store.upsert = async (table: string, rows: Row[], options?: WriteOptions): Promise<void> => {
    await step(`before-write ${table}`)
    await upsert(table, rows, options)
    await step(`after-write ${table}`)
  }
  onEachConsumer(log, (consumer) => {
    const commit = consumer.commit.bind(consumer)
    consumer.commit = async (offsets) => {
      await step('before-commit')
      await commit(offsets)
      await step('after-commit')
    }
  })
  await step('ready')

  const totals = await runMicroBatches({
    log,
    store,
    topics: [...INGEST_TOPICS],
    group: INGEST_GROUP,
    toRows: ingestRows,
    intervalMs: 20,
    maxRecords: 50,
    untilCaughtUp: mode === 'once',
  })
  await store.close()
  await log.close()
  printLine(`done ${JSON.stringify(totals)}`)
})
