/**
 * The child process of `crash.test.ts`: it writes to an embedded log until the
 * test kills it with SIGKILL, and reports on stdout only what the log has
 * acknowledged, so the test can check that a crash never loses it.
 *
 *   node --import tsx crash-writer.ts <mode> <dataDir> <run> <seed>
 *
 * Modes:
 * - `append`: several appends in flight at once (so group commit shares syncs)
 *   of 1 to 200 records, keyed and unkeyed, of random sizes, to a topic of
 *   three partitions with small segments. After each append resolves, one line
 *   per record: `<partition> <offset> <id>`, the id being `<run>-<sequence>`.
 * - `commit`: appends to a topic of one partition while a consumer of a group
 *   reads it and commits; after each commit resolves: `committed <offset>`.
 *
 * Both print `opening` before opening the log and `ready` once it is open and
 * the topic exists, so the test can also kill it during recovery. A record's
 * value is `<id>;<key or ->;<padding length>;<padding>`.
 */
import { openEmbeddedLog } from '../index.js'
import type { ProducerRecord } from '../event-log.js'
import { seededRandom } from './seeded-random.js'
import { printLine, printLines, runWorker } from './worker-process.js'

const APPEND_TOPIC = 'crash'
const APPEND_TOPIC_CONFIG = { partitions: 3, segmentBytes: 64 * 1024 }
const COMMIT_TOPIC = 'commits'
const COMMIT_TOPIC_CONFIG = { partitions: 1, segmentBytes: 64 * 1024 }
const COMMIT_GROUP = 'crash-group'

const APPENDS_IN_FLIGHT = 4
const PAD = 'abcdefghijklmnopqrstuvwxyz0123456789'.repeat(200)

runWorker('crash-writer', { maxLifetimeMs: 60_000 }, async () => {
  const [mode, dataDir, runText, seedText] = process.argv.slice(2)
  if ((mode !== 'append' && mode !== 'commit') || !dataDir || !runText || !seedText) {
    throw new Error('usage: crash-writer.ts append|commit <dataDir> <run> <seed>')
  }
  const run = Number(runText)
  const random = seededRandom(Number(seedText))
  const int = (n: number): number => Math.floor(random() * n)

  printLine('opening')
  const log = await openEmbeddedLog({ dataDir })
  const topic = mode === 'append' ? APPEND_TOPIC : COMMIT_TOPIC
  await log.ensureTopic(topic, mode === 'append' ? APPEND_TOPIC_CONFIG : COMMIT_TOPIC_CONFIG)
  printLine('ready')

  let sequence = 0
  const makeBatch = (): { records: ProducerRecord[]; ids: string[] } => {
    // 1 to 200 records, mostly few (which keeps the log small enough to read back after every kill).
    const count = 1 + (random() < 0.25 ? int(200) : int(20))
    const records: ProducerRecord[] = []
    const ids: string[] = []
    // Mostly small values, now and then a large one.
    const maxPad = random() < 0.1 ? 4000 : 300
    for (let i = 0; i < count; i++) {
      const id = `${run}-${sequence++}`
      const key = random() < 0.5 ? `k${int(64)}` : null
      const padLength = int(maxPad)
      const padStart = int(PAD.length - padLength)
      records.push({ key, value: `${id};${key ?? '-'};${padLength};${PAD.slice(padStart, padStart + padLength)}` })
      ids.push(id)
    }
    return { records, ids }
  }

  const appendLoop = async (onAck: (ids: string[], meta: { partition: number; offset: number }[]) => void): Promise<never> => {
    while (true) {
      const { records, ids } = makeBatch()
      const meta = await log.append(topic, records)
      onAck(ids, meta)
      // Now and then a pause, so the appends in flight vary between one and all of them.
      if (random() < 0.5) await new Promise((resolve) => setTimeout(resolve, int(6)))
    }
  }

  if (mode === 'append') {
    const ack = (ids: string[], meta: { partition: number; offset: number }[]): void => {
      printLines(ids.map((id, i) => `${meta[i]!.partition} ${meta[i]!.offset} ${id}`))
    }
    await Promise.all(Array.from({ length: APPENDS_IN_FLIGHT }, () => appendLoop(ack)))
    return
  }

  const consumer = await log.consumer({ topics: [COMMIT_TOPIC], group: COMMIT_GROUP, maxPollRecords: 1 + int(500) })
  const consume = async (): Promise<never> => {
    while (true) {
      await consumer.poll({ timeoutMs: 50, maxRecords: 1 + int(300) })
      await consumer.commit()
      const committed = await consumer.committed([{ topic: COMMIT_TOPIC, partition: 0 }])
      if (committed[0] !== undefined) printLine(`committed ${committed[0].offset}`)
    }
  }
  await Promise.all([appendLoop(() => undefined), appendLoop(() => undefined), consume()])
})
