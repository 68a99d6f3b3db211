/**
 * Crash safety of the embedded log: a child process (`testing/crash-writer.ts`)
 * appends, with group commit, until it is killed with SIGKILL at a random
 * moment; the test then reopens the log as the writer (so recovery runs), reads
 * it all back and checks that nothing acknowledged was lost, moved or
 * duplicated, and that recovery left a clean log. Over and over, on the same
 * data directory: each child continues the log the last one left.
 *
 * Kills: KOOBER_CRASH_KILLS, else 200 under CI and 40 otherwise.
 * Replay the random choices with KOOBER_CRASH_SEED (the kill moments differ).
 */
import assert from 'node:assert/strict'
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { openEmbeddedLog, type EventLog, type LogRecord } from './index.js'
import { partitionForKey } from './partitioner.js'
import { runChildWorker, type KillPlan } from './testing/child-worker.js'
import { inLanes } from './testing/lanes.js'
import { seededRandom } from './testing/seeded-random.js'
import { nonNegativeIntegerSetting, seedSetting, withSeed } from './testing/seed-settings.js'

const SCRIPT = fileURLToPath(new URL('./testing/crash-writer.ts', import.meta.url))

// Must match testing/crash-writer.ts.
const APPEND_TOPIC = 'crash'
const APPEND_PARTITIONS = 3
const COMMIT_TOPIC = 'commits'
const COMMIT_GROUP = 'crash-group'

const KILLS = nonNegativeIntegerSetting('KOOBER_CRASH_KILLS', process.env.CI ? 200 : 40)
/** The append scenario runs this many independent data directories at once, its kills shared among them. */
const LANES = 2
const COMMIT_KILLS = KILLS === 0 ? 0 : Math.max(3, Math.round(KILLS / 10))
const SEED = seedSetting('KOOBER_CRASH_SEED')
/** A child not killed by then (its trigger line never came) fails the test. */
const CHILD_WATCHDOG_MS = 30_000

/** A kill plan, and how a failure names it. */
interface CrashPlan extends KillPlan {
  describe: string
}

/**
 * Starts the writer and SIGKILLs it `plan.delayMs` after the first line
 * matching `plan.after`. Resolves with the complete lines it wrote (a line cut
 * by the kill is dropped: its records were acknowledged, but we cannot tell).
 * A child that ends any other way fails the test with its stderr.
 */
async function runChild(mode: 'append' | 'commit', dataDir: string, run: number, seed: number, plan: CrashPlan): Promise<string[]> {
  const { lines, exit, stderr, killedByPlan } = await runChildWorker(SCRIPT, [mode, dataDir, String(run), String(seed)], { kill: plan, watchdogMs: CHILD_WATCHDOG_MS })
  if (exit.signal === 'SIGKILL' && killedByPlan) return lines
  const why = exit.signal === 'SIGKILL' ? `was never killed as planned (${plan.describe})` : `exited by itself (code ${exit.code}, signal ${exit.signal})`
  throw new Error(`crash-writer run ${run} ${why}; stderr:\n${stderr}`)
}

const SEMICOLON = 0x3b
const ID = /^\d+-\d+$/

interface FoundRecords {
  /** Per partition, the id of the record at each offset. */
  ids: string[][]
  total: number
}

/**
 * Reads the whole topic with a consumer without a group and checks every
 * record: offsets contiguous from 0 up to the partition's end offset, the
 * value intact and consistent with the key, a keyed record on its key's
 * partition, and no id twice in the topic.
 */
async function readAll(log: EventLog, topic: string): Promise<FoundRecords> {
  const description = await log.describeTopic(topic)
  const partitions = description.partitions.length
  const ids: string[][] = description.partitions.map(() => [])
  const partitionOfKey = new Map<string, number>()
  const where = (record: LogRecord): string => `${topic}-${record.partition} offset ${record.offset}`
  const consumer = await log.consumer({ topics: [topic], maxPollRecords: 100_000 })
  try {
    while (true) {
      const records = await consumer.poll({ timeoutMs: 0 })
      if (records.length === 0) break
      for (const record of records) {
        const list = ids[record.partition]!
        if (record.offset !== list.length) {
          assert.fail(`${topic}-${record.partition}: read offset ${record.offset} where ${list.length} was next`)
        }
        // The value is `<id>;<key or ->;<padding length>;<padding>`.
        const value = record.value
        const end1 = value.indexOf(SEMICOLON)
        const end2 = end1 < 0 ? -1 : value.indexOf(SEMICOLON, end1 + 1)
        const end3 = end2 < 0 ? -1 : value.indexOf(SEMICOLON, end2 + 1)
        const id = value.toString('latin1', 0, Math.max(end1, 0))
        if (end3 < 0 || !ID.test(id) || value.length - end3 - 1 !== Number(value.toString('latin1', end2 + 1, end3))) {
          assert.fail(`${where(record)}: malformed value ${JSON.stringify(value.toString('latin1', 0, 80))}`)
        }
        const key = value.toString('latin1', end1 + 1, end2)
        const recordKey = record.key === null ? '-' : record.key.toString('latin1')
        if (recordKey !== key) assert.fail(`${where(record)}: key ${recordKey} but the value says ${key}`)
        if (record.key !== null) {
          let partition = partitionOfKey.get(key)
          if (partition === undefined) partitionOfKey.set(key, (partition = partitionForKey(record.key, partitions)))
          if (partition !== record.partition) assert.fail(`${where(record)}: key ${key} belongs on partition ${partition}`)
        }
        list.push(id)
      }
    }
  } finally {
    await consumer.close()
  }
  const seen = new Set<string>()
  let total = 0
  for (const { partition, startOffset, endOffset } of description.partitions) {
    const list = ids[partition]!
    assert.equal(startOffset, 0, `${topic}-${partition} starts at ${startOffset}`)
    assert.equal(list.length, endOffset, `${topic}-${partition}: read ${list.length} records, end offset is ${endOffset}`)
    for (const id of list) {
      if (seen.has(id)) assert.fail(`id ${id} is twice in ${topic}: ${JSON.stringify(ids.map((l) => l.flatMap((other, offset) => (other === id ? [offset] : []))))}`)
      seen.add(id)
    }
    total += endOffset
  }
  return { ids, total }
}

/** The bytes of every segment file of a topic, as a killed writer left them. */
function segmentBytesOnDisk(topicDir: string): number {
  let total = 0
  for (let partition = 0; partition < APPEND_PARTITIONS; partition++) {
    const dir = join(topicDir, String(partition))
    let names: string[]
    try {
      names = readdirSync(dir)
    } catch {
      continue
    }
    for (const name of names) if (name.endsWith('.log')) total += statSync(join(dir, name)).size
  }
  return total
}

/** One data directory that children write to and crash in, one after the other. */
class AppendLane {
  readonly dataDir = mkdtempSync(join(tmpdir(), 'koober-crash-'))
  /** Per partition: acknowledged offset -> id. */
  private readonly acked = Array.from({ length: APPEND_PARTITIONS }, () => new Map<number, string>())
  private ackedCount = 0
  /** What the last check found: every later check must find it again, unchanged. */
  private found: string[][] = Array.from({ length: APPEND_PARTITIONS }, () => [])
  foundTotal = 0
  kills = 0
  killsBeforeAnyAck = 0
  /** Recoveries that found bytes past the last whole batch and cut them. */
  tailsCut = 0
  private readonly random: () => number

  constructor(
    readonly lane: number,
    readonly seed: number,
  ) {
    this.random = seededRandom(seed)
  }

  get acknowledged(): number {
    return this.ackedCount
  }

  private plan(): CrashPlan {
    const roll = this.random()
    if (roll < 0.1) {
      // While it opens the log: recovery, the lock, creating the topic, the first appends.
      const delayMs = Math.floor(this.random() * 15)
      return { after: (line) => line === 'opening', delayMs, describe: `${delayMs} ms after opening` }
    }
    if (roll < 0.2) {
      const delayMs = Math.floor(this.random() * 3)
      return { after: (line) => line === 'ready', delayMs, describe: `${delayMs} ms after ready` }
    }
    const delayMs = 5 + Math.floor(this.random() * 116)
    return { after: (line) => /^\d/.test(line), delayMs, describe: `${delayMs} ms after the first ack` }
  }

  async crashOnce(run: number): Promise<void> {
    const plan = this.plan()
    const lines = await runChild('append', this.dataDir, run, Math.floor(this.random() * 2 ** 31), plan)
    let acks = 0
    for (const line of lines) {
      if (line === 'opening' || line === 'ready') continue
      const [p, o, id, ...rest] = line.split(' ')
      const partition = Number(p)
      const offset = Number(o)
      if (id === undefined || rest.length > 0 || !(partition >= 0 && partition < APPEND_PARTITIONS) || !Number.isSafeInteger(offset)) {
        assert.fail(`run ${run}: unexpected line from the writer: ${JSON.stringify(line)}`)
      }
      const earlier = this.acked[partition]!.get(offset)
      if (earlier !== undefined) assert.fail(`run ${run}: offset ${partition}/${offset} acknowledged twice, for ${earlier} and for ${id}`)
      this.acked[partition]!.set(offset, id)
      acks++
    }
    this.ackedCount += acks
    this.kills++
    if (acks === 0) this.killsBeforeAnyAck++
    await this.check(run, plan)
  }

  /** Reopens the log as the writer (recovery runs), reads it all and checks it against what was acknowledged. */
  private async check(run: number, plan: CrashPlan): Promise<void> {
    const context = `lane ${this.lane}, after run ${run} was killed ${plan.describe}`
    const bytesBefore = segmentBytesOnDisk(join(this.dataDir, 'topics', APPEND_TOPIC))
    const log = await openEmbeddedLog({ dataDir: this.dataDir })
    try {
      if (!(await log.listTopics()).includes(APPEND_TOPIC)) {
        assert.equal(this.ackedCount, 0, `${context}: topic ${APPEND_TOPIC} is gone, yet ${this.ackedCount} records were acknowledged`)
        return
      }
      const { ids, total } = await readAll(log, APPEND_TOPIC)
      for (let partition = 0; partition < APPEND_PARTITIONS; partition++) {
        const list = ids[partition]!
        for (const [offset, id] of this.acked[partition]!) {
          if (list[offset] !== id) {
            assert.fail(`${context}: acknowledged ${id} at ${partition}/${offset}, found ${list[offset] ?? 'nothing'} (partition ends at ${list.length})`)
          }
        }
        const before = this.found[partition]!
        if (list.length < before.length) assert.fail(`${context}: partition ${partition} shrank from ${before.length} to ${list.length} records`)
        for (let offset = 0; offset < before.length; offset++) {
          if (list[offset] !== before[offset]) assert.fail(`${context}: ${partition}/${offset} held ${before[offset]}, now ${list[offset]}`)
        }
      }
      this.found = ids
      this.foundTotal = total
      const description = await log.describeTopic(APPEND_TOPIC)
      if (description.partitions.reduce((sum, p) => sum + p.sizeBytes, 0) < bytesBefore) this.tailsCut++
    } catch (err) {
      if (err instanceof Error && !err.message.startsWith('lane')) throw new Error(`${context}: ${err.message}`, { cause: err })
      throw err
    } finally {
      await log.close()
    }
  }

  dispose(): void {
    rmSync(this.dataDir, { recursive: true, force: true })
  }
}

describe('embedded log: SIGKILL at random moments', () => {
  it(`loses no acknowledged record over ${KILLS} kills`, { timeout: 15 * 60_000 }, async (t) => {
    const random = seededRandom(SEED)
    const lanes = Array.from({ length: Math.min(LANES, Math.max(KILLS, 1)) }, (_, lane) => new AppendLane(lane, Math.floor(random() * 2 ** 31)))
    const started = Date.now()
    try {
      await withSeed(t, 'KOOBER_CRASH_SEED', SEED, () =>
        inLanes(lanes, KILLS, async (lane, kills, failed) => {
          for (let run = 1; run <= kills && !failed(); run++) await lane.crashOnce(run)
        }),
      )
    } finally {
      for (const lane of lanes) lane.dispose()
    }
    const sum = (f: (lane: AppendLane) => number): number => lanes.reduce((total, lane) => total + f(lane), 0)
    t.diagnostic(
      `kills=${sum((l) => l.kills)} (before any ack: ${sum((l) => l.killsBeforeAnyAck)}) ` +
        `acked=${sum((l) => l.acknowledged)} found=${sum((l) => l.foundTotal)} torn tails cut=${sum((l) => l.tailsCut)} ` +
        `lanes=${lanes.length} seed=${SEED} seconds=${((Date.now() - started) / 1000).toFixed(1)}`,
    )
    assert.equal(sum((l) => l.kills), KILLS)
    if (KILLS >= 20) assert.ok(sum((l) => l.acknowledged) > 0, 'no child ever got an append acknowledged')
  })

  it(`keeps committed group offsets within the log and monotonic over ${COMMIT_KILLS} kills`, { timeout: 5 * 60_000 }, async (t) => {
    const random = seededRandom(SEED ^ 0x5bd1e995)
    const dataDir = mkdtempSync(join(tmpdir(), 'koober-crash-commit-'))
    let lastSeen: number | undefined
    let lastAcked: number | undefined
    let endOffset = 0
    try {
      await withSeed(t, 'KOOBER_CRASH_SEED', SEED, async () => {
        for (let run = 1; run <= COMMIT_KILLS; run++) {
          const early = random() < 0.2
          const delayMs = early ? Math.floor(random() * 20) : 5 + Math.floor(random() * 150)
          const plan: CrashPlan = early
            ? { after: (line) => line === 'ready', delayMs, describe: `${delayMs} ms after ready` }
            : { after: (line) => line.startsWith('committed '), delayMs, describe: `${delayMs} ms after the first commit` }
          const lines = await runChild('commit', dataDir, run, Math.floor(random() * 2 ** 31), plan)
          for (const line of lines) {
            if (!line.startsWith('committed ')) continue
            const offset = Number(line.slice('committed '.length))
            assert.ok(lastAcked === undefined || offset >= lastAcked, `run ${run}: the child committed ${offset} after ${lastAcked}`)
            lastAcked = offset
          }

          const context = `after run ${run} was killed ${plan.describe}`
          const log = await openEmbeddedLog({ dataDir })
          try {
            if (!(await log.listTopics()).includes(COMMIT_TOPIC)) {
              assert.equal(lastAcked, undefined, `${context}: topic ${COMMIT_TOPIC} is gone, yet commits were acknowledged`)
              continue
            }
            const { total } = await readAll(log, COMMIT_TOPIC)
            endOffset = total
            const consumer = await log.consumer({ topics: [COMMIT_TOPIC], group: COMMIT_GROUP })
            const committed = (await consumer.committed([{ topic: COMMIT_TOPIC, partition: 0 }]))[0]?.offset
            await consumer.close()
            if (committed === undefined) {
              assert.equal(lastAcked, undefined, `${context}: no committed offset, yet ${lastAcked} was acknowledged`)
              assert.equal(lastSeen, undefined, `${context}: the committed offset ${lastSeen} is gone`)
              continue
            }
            assert.ok(committed <= endOffset, `${context}: committed ${committed} is past the end offset ${endOffset}`)
            assert.ok(lastSeen === undefined || committed >= lastSeen, `${context}: committed ${committed} went back from ${lastSeen}`)
            assert.ok(lastAcked === undefined || committed >= lastAcked, `${context}: committed ${committed} is behind the acknowledged ${lastAcked}`)
            lastSeen = committed
          } finally {
            await log.close()
          }
        }
      })
    } finally {
      rmSync(dataDir, { recursive: true, force: true })
    }
    t.diagnostic(`kills=${COMMIT_KILLS} committed=${lastSeen ?? 'none'} endOffset=${endOffset}`)
  })
})
