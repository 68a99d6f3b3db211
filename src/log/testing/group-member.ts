/**
 * The child process of `kafka/kafka-failover.test.ts`: one member of a Kafka
 * consumer group, in its own process, that the test can SIGKILL. It reads its
 * share of a topic's partitions and reports on stdout everything the test
 * needs to check that a takeover loses nothing and respects committed offsets.
 *
 *   node --import tsx group-member.ts <brokers> <topic> <group> <name> <sessionTimeoutMs> <commitDelayMs>
 *
 * Lines, each written synchronously (stdout is a pipe: synchronous on Linux),
 * so a line is out before the next step starts:
 * - `assignment <p>,<p>,...` (or `assignment -`): the whole assignment, once
 *   joined and after every rebalance;
 * - `ready`: joined the group, polling;
 * - `record <partition> <offset> <value>`: one per record polled, in order;
 * - `committed <partition> <offset>`: after a commit of `offset` (the next
 *   record to read) resolved. Each poll's records are printed first, then
 *   committed, `commitDelayMs` later (a window for a kill to fall into), so a
 *   member killed between the two leaves printed records uncommitted (the next
 *   owner reads them again);
 * - `commit-failed <partition>:<offset>,... <message>`: a commit rejected;
 * - `closed`: after SIGTERM, it left the group and closed the log (then exits 0).
 *
 * It stops by itself after a while, or when its stdin closes (the test died).
 */
import type { TopicPartitionOffset } from '../event-log.js'
import { openKafkaLog } from '../kafka/kafka-log.js'
import { followAssignment } from './consumer-reports.js'
import { printLine, printLines, runWorker } from './worker-process.js'

const POLL_TIMEOUT_MS = 200

runWorker('group-member', { maxLifetimeMs: 120_000, followParent: true }, async () => {
  const [brokersText, topic, group, name, sessionText, delayText] = process.argv.slice(2)
  const sessionTimeoutMs = Number(sessionText)
  const commitDelayMs = Number(delayText)
  if (!brokersText || !topic || !group || !name || !Number.isSafeInteger(sessionTimeoutMs) || !Number.isSafeInteger(commitDelayMs)) {
    throw new Error('usage: group-member.ts <brokers> <topic> <group> <name> <sessionTimeoutMs> <commitDelayMs>')
  }

  const log = await openKafkaLog({ brokers: brokersText.split(','), sessionTimeoutMs, clientId: `koober-failover-${name}` })
  const consumer = await log.consumer({ topics: [topic], group, maxPollRecords: 50 })
  followAssignment(consumer, (assignment) => {
    const partitions = assignment.map((p) => p.partition).sort((a, b) => a - b)
    printLine(`assignment ${partitions.length === 0 ? '-' : partitions.join(',')}`)
  })
  let stopping = false
  process.on('SIGTERM', () => (stopping = true))
  printLine('ready')

  while (!stopping) {
    const records = await consumer.poll({ timeoutMs: POLL_TIMEOUT_MS })
    if (records.length === 0) continue
    const next = new Map<number, number>()
    printLines(records.map((record) => `record ${record.partition} ${record.offset} ${record.value.toString('utf8')}`))
    for (const record of records) next.set(record.partition, record.offset + 1)
    if (commitDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, commitDelayMs))
    // Only what is still ours: a rebalance during the poll may have taken a partition away.
    const owned = new Set(consumer.assignment().map((p) => p.partition))
    const offsets: TopicPartitionOffset[] = [...next]
      .filter(([partition]) => owned.has(partition))
      .map(([partition, offset]) => ({ topic, partition, offset }))
    if (offsets.length === 0) continue
    try {
      await consumer.commit(offsets)
      printLines(offsets.map((o) => `committed ${o.partition} ${o.offset}`))
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err)
      printLine(`commit-failed ${offsets.map((o) => `${o.partition}:${o.offset}`).join(',')} ${message.replace(/\s+/g, ' ')}`)
    }
  }
  await log.close()
  printLine('closed')
  process.exit(0)
})
