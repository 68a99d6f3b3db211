/**
 * The child process of `../analytics/analytics-kafka.test.ts`: one copy of
 * Koober's analytics (`runCityAnalytics`, continuous) on Apache Kafka, with
 * its checkpoints and results in a keyspace of Apache Cassandra that every
 * copy shares, until SIGTERM (it stops its jobs, closes the log and the
 * store) or SIGKILL.
 *
 *   node --import tsx analytics-kafka-worker.ts <brokers> <cassandraContactPoints> <keyspace> <name> <sessionTimeoutMs> <checkpointIntervalMs>
 *
 * It prints one JSON line per step (stdout is a pipe: written synchronously):
 * - `{"type":"assignment","group","partitions":["<topic>/<p>",...]}`: once a job's consumer joined its group, and after every rebalance;
 * - `{"type":"checkpoint","job","partition","id"}`: once a partition's checkpoint is saved in the store;
 * - `{"type":"done","totals":{...}}`: after SIGTERM, once both jobs stopped and the log and store are closed (then exits 0).
 */
import { openKafkaLog } from '../../log/index.js'
import { printAssignments } from '../../log/testing/consumer-reports.js'
import { printJson, runWorker } from '../../log/testing/worker-process.js'
import { openCassandraStore } from '../../store/index.js'
import { runCityAnalytics } from '../analytics/city-analytics.js'

runWorker('analytics-kafka-worker', { maxLifetimeMs: 180_000, followParent: true }, async () => {
  const [brokersText, contactText, keyspace, name, sessionText, intervalText] = process.argv.slice(2)
  const sessionTimeoutMs = Number(sessionText)
  const checkpointIntervalMs = Number(intervalText)
  if (!brokersText || !contactText || !keyspace || !name || !Number.isSafeInteger(sessionTimeoutMs) || !Number.isSafeInteger(checkpointIntervalMs)) {
    throw new Error('usage: analytics-kafka-worker.ts <brokers> <cassandraContactPoints> <keyspace> <name> <sessionTimeoutMs> <checkpointIntervalMs>')
  }

  const log = await openKafkaLog({ brokers: brokersText.split(','), sessionTimeoutMs, clientId: `koober-analytics-${name}` })
  const store = await openCassandraStore({ contactPoints: contactText.split(','), keyspace })
  // Each job makes its own consumer: report what the group gives this copy.
  printAssignments(log)

  const stop = new AbortController()
  process.on('SIGTERM', () => stop.abort())
  const totals = await runCityAnalytics({
    log,
    store,
    signal: stop.signal,
    checkpointIntervalMs,
    onCheckpoint: (job, partition, id) => printJson({ type: 'checkpoint', job, partition, id }),
  })
  await store.close()
  await log.close()
  printJson({ type: 'done', totals })
  process.exit(0)
})
