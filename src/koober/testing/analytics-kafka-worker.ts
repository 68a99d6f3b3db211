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
import { inspect } from 'node:util'
import { openKafkaLog, type Consumer, type ConsumerOptions } from '../../log/index.js'
import { openCassandraStore } from '../../store/index.js'
import { runCityAnalytics } from '../analytics/city-analytics.js'

/** A child the test forgot to kill stops by itself. */
const MAX_LIFETIME_MS = 180_000

function out(line: object): void {
  process.stdout.write(`${JSON.stringify(line)}\n`)
}

async function main(): Promise<void> {
  const [brokersText, contactText, keyspace, name, sessionText, intervalText] = process.argv.slice(2)
  const sessionTimeoutMs = Number(sessionText)
  const checkpointIntervalMs = Number(intervalText)
  if (!brokersText || !contactText || !keyspace || !name || !Number.isSafeInteger(sessionTimeoutMs) || !Number.isSafeInteger(checkpointIntervalMs)) {
    throw new Error('usage: analytics-kafka-worker.ts <brokers> <cassandraContactPoints> <keyspace> <name> <sessionTimeoutMs> <checkpointIntervalMs>')
  }
  setTimeout(() => process.exit(3), MAX_LIFETIME_MS).unref()
  // The test holds our stdin: when it goes away, so do we.
  process.stdin.on('end', () => process.exit(4))
  process.stdin.resume()
  process.stdout.on('error', () => process.exit(5))

  const log = await openKafkaLog({ brokers: brokersText.split(','), sessionTimeoutMs, clientId: `koober-analytics-${name}` })
  const store = await openCassandraStore({ contactPoints: contactText.split(','), keyspace })

  // Each job makes its own consumer: wrap them to report what the group gives this copy.
  const consumerOf = log.consumer.bind(log)
  ;(log as { consumer: (options: ConsumerOptions) => Promise<Consumer> }).consumer = async (options: ConsumerOptions): Promise<Consumer> => {
    const consumer = await consumerOf(options)
    const printAssignment = (): void =>
      out({
        type: 'assignment',
        group: options.group,
        partitions: consumer
          .assignment()
          .map((tp) => `${tp.topic}/${tp.partition}`)
          .sort(),
      })
    printAssignment()
    consumer.onRebalance(printAssignment)
    return consumer
  }

  const stop = new AbortController()
  process.on('SIGTERM', () => stop.abort())
  const totals = await runCityAnalytics({
    log,
    store,
    signal: stop.signal,
    checkpointIntervalMs,
    onCheckpoint: (job, partition, id) => out({ type: 'checkpoint', job, partition, id }),
  })
  await store.close()
  await log.close()
  out({ type: 'done', totals })
  process.exit(0)
}

main().catch((err: unknown) => {
  // With its causes: a Kafka client error says what the broker answered only there.
  process.stderr.write(`analytics-kafka-worker failed: ${inspect(err, { depth: 8 })}\n`)
  process.exit(2)
})
