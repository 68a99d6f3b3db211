/**
 * The child process of `../ingest-kafka.test.ts`: Koober's ingestion job
 * (`runMicroBatches` with `ingestRows`) as one member of a consumer group on
 * Apache Kafka, writing to the SQLite store of its own data directory, until
 * SIGTERM (it stops after the batch in progress) or SIGKILL.
 *
 *   node --import tsx ingest-kafka-worker.ts <brokers> <dataDir> <group> <driverTopic> <riderTopic> <deadLetterTopic> <name> <sessionTimeoutMs>
 *
 * The test's topics have unique names, but `ingestRows` knows the driver and
 * rider topics by their production names: each record is handed to it under
 * the name of the role its topic plays, so rows say `driver` or `rider`.
 *
 * It prints one JSON line per step, written synchronously (stdout is a pipe):
 * - `{"type":"assignment","group","partitions":["<topic>/<p>",...]}`: once joined, and after every rebalance;
 * - `{"type":"committed","offsets":[{"topic","partition","offset"},...]}`: after a commit resolved;
 * - `{"type":"batch","records","rows","deadLetters","lag","partitions":[...]}`: per batch (onBatch), with
 *   the topic-partitions its records came from;
 * - `{"type":"done","totals":{...}}`: after SIGTERM, once the loop stopped and the log and store are closed (then exits 0).
 */
import { runMicroBatches } from '../../ingest/index.js'
import { openKafkaLog, type LogRecord, type TopicPartitionOffset } from '../../log/index.js'
import { onEachConsumer, printAssignments } from '../../log/testing/consumer-reports.js'
import { printJson, runWorker } from '../../log/testing/worker-process.js'
import { openSqliteStore } from '../../store/index.js'
import { createIngestTables, INGEST_TOPICS, ingestRows } from '../ingest-job.js'

runWorker('ingest-kafka-worker', { maxLifetimeMs: 120_000, followParent: true }, async () => {
  const [brokersText, dataDir, group, driverTopic, riderTopic, deadLetterTopic, name, sessionText] = process.argv.slice(2)
  const sessionTimeoutMs = Number(sessionText)
  if (!brokersText || !dataDir || !group || !driverTopic || !riderTopic || !deadLetterTopic || !name || !Number.isSafeInteger(sessionTimeoutMs)) {
    throw new Error('usage: ingest-kafka-worker.ts <brokers> <dataDir> <group> <driverTopic> <riderTopic> <deadLetterTopic> <name> <sessionTimeoutMs>')
  }

  const roles = new Map<string, (typeof INGEST_TOPICS)[number]>([
    [driverTopic, 'driver'],
    [riderTopic, 'rider'],
  ])
  const log = await openKafkaLog({ brokers: brokersText.split(','), sessionTimeoutMs, clientId: `koober-ingest-${name}` })
  const store = openSqliteStore({ dataDir })
  await createIngestTables(store)

  // runMicroBatches makes its own consumer: report its assignment, and what each commit covered.
  printAssignments(log)
  let lastCommitted: TopicPartitionOffset[] = []
  onEachConsumer(log, (consumer) => {
    const commit = consumer.commit.bind(consumer)
    consumer.commit = async (offsets) => {
      await commit(offsets)
      lastCommitted = offsets ?? []
      printJson({ type: 'committed', offsets: lastCommitted })
    }
  })

  const stop = new AbortController()
  process.on('SIGTERM', () => stop.abort())
  const totals = await runMicroBatches({
    log,
    store,
    topics: [driverTopic, riderTopic],
    group,
    toRows: (record: LogRecord) => ingestRows({ ...record, topic: roles.get(record.topic) ?? record.topic }),
    deadLetterTopic,
    // Small, quick batches: a kill falls inside the run, and often between a write and its commit.
    intervalMs: 50,
    maxRecords: 20,
    signal: stop.signal,
    // Commits are chained, and each batch is reported right after its own commit: lastCommitted is this batch's.
    onBatch: (report) =>
      printJson({
        type: 'batch',
        records: report.records,
        rows: report.rows,
        deadLetters: report.deadLetters,
        lag: report.lag,
        partitions: lastCommitted.map((tp) => `${tp.topic}/${tp.partition}`).sort(),
      }),
  })
  await store.close()
  await log.close()
  printJson({ type: 'done', totals })
  process.exit(0)
})
