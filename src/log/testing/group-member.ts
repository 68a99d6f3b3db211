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

/** A member the test forgot to kill stops by itself. */
const MAX_LIFETIME_MS = 120_000
const POLL_TIMEOUT_MS = 200

function out(text: string): void {
  process.stdout.write(text)
}

async function main(): Promise<void> {
  const [brokersText, topic, group, name, sessionText, delayText] = process.argv.slice(2)
  const sessionTimeoutMs = Number(sessionText)
  const commitDelayMs = Number(delayText)
  if (!brokersText || !topic || !group || !name || !Number.isSafeInteger(sessionTimeoutMs) || !Number.isSafeInteger(commitDelayMs)) {
    throw new Error('usage: group-member.ts <brokers> <topic> <group> <name> <sessionTimeoutMs> <commitDelayMs>')
  }
  setTimeout(() => process.exit(3), MAX_LIFETIME_MS).unref()
  // The test holds our stdin: when it goes away, so do we.
  process.stdin.on('end', () => process.exit(4))
  process.stdin.resume()
  process.stdout.on('error', () => process.exit(5))

  const log = await openKafkaLog({ brokers: brokersText.split(','), sessionTimeoutMs, clientId: `koober-failover-${name}` })
  const consumer = await log.consumer({ topics: [topic], group, maxPollRecords: 50 })
  const printAssignment = (): void => {
    const partitions = consumer
      .assignment()
      .map((p) => p.partition)
      .sort((a, b) => a - b)
    out(`assignment ${partitions.length === 0 ? '-' : partitions.join(',')}\n`)
  }
  printAssignment()
  consumer.onRebalance(printAssignment)
  let stopping = false
  process.on('SIGTERM', () => (stopping = true))
  out('ready\n')

  while (!stopping) {
    const records = await consumer.poll({ timeoutMs: POLL_TIMEOUT_MS })
    if (records.length === 0) continue
    const next = new Map<number, number>()
    let lines = ''
    for (const record of records) {
      lines += `record ${record.partition} ${record.offset} ${record.value.toString('utf8')}\n`
      next.set(record.partition, record.offset + 1)
    }
    out(lines)
    if (commitDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, commitDelayMs))
    // Only what is still ours: a rebalance during the poll may have taken a partition away.
    const owned = new Set(consumer.assignment().map((p) => p.partition))
    const offsets: TopicPartitionOffset[] = [...next]
      .filter(([partition]) => owned.has(partition))
      .map(([partition, offset]) => ({ topic, partition, offset }))
    if (offsets.length === 0) continue
    try {
      await consumer.commit(offsets)
      out(offsets.map((o) => `committed ${o.partition} ${o.offset}\n`).join(''))
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err)
      out(`commit-failed ${offsets.map((o) => `${o.partition}:${o.offset}`).join(',')} ${message.replace(/\s+/g, ' ')}\n`)
    }
  }
  await log.close()
  out('closed\n')
  process.exit(0)
}

main().catch((err: unknown) => {
  process.stderr.write(`group-member failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
  process.exit(2)
})
