/**
 * Recovery of damaged segment files, in the spirit of Kafka's LogSegmentTest
 * recovery tests: garbage written over the tail of the active segment, a file
 * cut short, a byte flipped inside a sealed segment. The log must come back
 * with exactly the intact prefix (nothing more, nothing less), keep appending
 * from there, and never hand out a record whose batch fails its CRC.
 *
 * Replay the random choices with KOOBER_CORRUPTION_SEED.
 */
import assert from 'node:assert/strict'
import { randomInt } from 'node:crypto'
import { closeSync, cpSync, existsSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it, type TestContext } from 'node:test'
import { isKooberError } from '../errors.js'
import { openEmbeddedLog, type EventLog, type LogRecord, type ProducerRecord, type TopicConfig } from './index.js'
import { seededRandom } from './testing/seeded-random.js'

const TOPIC = 'damaged'
const ITERATIONS = 50
const SEED = process.env.KOOBER_CORRUPTION_SEED !== undefined ? Number(process.env.KOOBER_CORRUPTION_SEED) : randomInt(2 ** 31)
if (!Number.isSafeInteger(SEED)) throw new Error(`KOOBER_CORRUPTION_SEED must be an integer, got ${process.env.KOOBER_CORRUPTION_SEED}`)


class Random {
  private readonly next: () => number
  constructor(seed: number) {
    this.next = seededRandom(seed)
  }
  float(): number {
    return this.next()
  }
  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1))
  }
  bytes(length: number): Buffer {
    const buf = Buffer.allocUnsafe(length)
    for (let i = 0; i < length; i++) buf[i] = Math.floor(this.next() * 256)
    return buf
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!
  }
}

/** Runs `body`; on failure, prints the seed to replay it before rethrowing. */
async function withSeed(t: TestContext, seed: number, body: () => Promise<void>): Promise<void> {
  try {
    await body()
  } catch (err) {
    t.diagnostic(`failed with seed ${seed}: rerun with KOOBER_CORRUPTION_SEED=${seed}`)
    throw err
  }
}

/** What a record must read back as. */
interface Expected {
  key: Buffer | null
  value: Buffer
  headers: Record<string, Buffer>
  timestamp: number
}

/**
 * Random batches of records: random sizes, keys, headers, and explicit
 * timestamps, some batches spanning more than 2^31 ms (stored as int64 each).
 */
function makeBatches(random: Random, count: number, maxRecords: number, maxValueBytes: number): ProducerRecord[][] {
  const batches: ProducerRecord[][] = []
  let timestamp = 1_700_000_000_000
  for (let b = 0; b < count; b++) {
    const records: ProducerRecord[] = []
    const wide = random.float() < 0.2
    for (let i = 0, n = random.int(1, maxRecords); i < n; i++) {
      timestamp += wide ? random.int(0, 2 ** 32) : random.int(0, 1000)
      const record: ProducerRecord = {
        // A unique prefix, so each value can be found in a segment file.
        value: Buffer.concat([Buffer.from(`b${b}r${i}:`), random.bytes(random.int(16, maxValueBytes))]),
        timestamp,
      }
      if (random.float() < 0.5) record.key = random.bytes(random.int(0, 40))
      if (random.float() < 0.2) record.headers = { trace: random.bytes(random.int(0, 20)), 'content-type': 'application/octet-stream' }
      records.push(record)
    }
    batches.push(records)
  }
  return batches
}

function expectedOf(record: ProducerRecord): Expected {
  const headers: Record<string, Buffer> = {}
  for (const [name, value] of Object.entries(record.headers ?? {})) headers[name] = Buffer.from(value)
  return {
    key: record.key === undefined || record.key === null ? null : Buffer.from(record.key),
    value: Buffer.from(record.value),
    headers,
    timestamp: record.timestamp!,
  }
}

function assertRecords(actual: LogRecord[], expected: Expected[], fromOffset: number, context: string): void {
  for (let i = 0; i < Math.min(actual.length, expected.length); i++) {
    const record = actual[i]!
    const want = expected[i]!
    const where = `${context}: record ${i} (offset ${fromOffset + i})`
    assert.equal(record.offset, fromOffset + i, `${where}: offset`)
    assert.equal(record.partition, 0, `${where}: partition`)
    assert.equal(record.timestamp, want.timestamp, `${where}: timestamp`)
    assert.ok(record.value.equals(want.value), `${where}: value differs`)
    assert.deepEqual(record.key === null ? null : Buffer.from(record.key), want.key, `${where}: key`)
    assert.deepEqual({ ...record.headers }, want.headers, `${where}: headers`)
  }
  assert.equal(actual.length, expected.length, `${context}: ${actual.length} records, expected ${expected.length}`)
}

/** Everything a new consumer without a group reads, from the first offset to the end. */
async function readAll(log: EventLog, maxRecords = 10_000): Promise<LogRecord[]> {
  const consumer = await log.consumer({ topics: [TOPIC] })
  try {
    const out: LogRecord[] = []
    while (true) {
      const records = await consumer.poll({ timeoutMs: 0, maxRecords })
      if (records.length === 0) return out
      for (const record of records) out.push(record)
    }
  } finally {
    await consumer.close()
  }
}

interface BuiltLog {
  /** `boundaries[k]`: the partition's size after k batches, so batch k spans [boundaries[k], boundaries[k + 1]). */
  boundaries: number[]
  /** `counts[k]`: the records in the first k batches (the base offset of batch k). */
  counts: number[]
  expected: Expected[]
}

/** Appends each batch in one call (each call under ~1 MiB is one batch) and notes where every batch ends. */
async function buildLog(dataDir: string, config: TopicConfig, batches: ProducerRecord[][]): Promise<BuiltLog> {
  const log = await openEmbeddedLog({ dataDir })
  try {
    await log.createTopic(TOPIC, config)
    const boundaries = [0]
    const counts = [0]
    const expected: Expected[] = []
    for (const batch of batches) {
      const meta = await log.append(TOPIC, batch)
      assert.deepEqual(
        meta,
        batch.map((_, i) => ({ partition: 0, offset: counts.at(-1)! + i })),
      )
      boundaries.push((await log.describeTopic(TOPIC)).partitions[0]!.sizeBytes)
      counts.push(counts.at(-1)! + batch.length)
      for (const record of batch) expected.push(expectedOf(record))
    }
    return { boundaries, counts, expected }
  } finally {
    await log.close()
  }
}

function partitionDir(dataDir: string): string {
  return join(dataDir, 'topics', TOPIC, '0')
}

function segmentPath(dataDir: string, baseOffset: number, extension: 'log' | 'index'): string {
  return join(partitionDir(dataDir), `${String(baseOffset).padStart(20, '0')}.${extension}`)
}

interface BatchOnDisk {
  baseOffset: number
  position: number
  sizeBytes: number
}

/** The batches of a segment file, from their offset and length fields. */
function batchesIn(file: string): BatchOnDisk[] {
  const bytes = readFileSync(file)
  const out: BatchOnDisk[] = []
  for (let position = 0; position < bytes.length; ) {
    const sizeBytes = bytes.readInt32BE(position + 8) + 12
    out.push({ baseOffset: bytes.readUInt32BE(position) * 2 ** 32 + bytes.readUInt32BE(position + 4), position, sizeBytes })
    position += sizeBytes
  }
  return out
}

/** How many whole batches lie before byte `position` of the (single) segment. */
function intactBatches(boundaries: number[], position: number): number {
  let k = 0
  while (k + 1 < boundaries.length && boundaries[k + 1]! <= position) k++
  return k
}

/**
 * Opens the damaged log as the writer and checks that it holds exactly the
 * first `intact` batches, then that appends continue from there, also after
 * another restart.
 */
async function assertRecoversTo(dataDir: string, built: BuiltLog, intact: number, random: Random, context: string): Promise<void> {
  const endOffset = built.counts[intact]!
  const file = segmentPath(dataDir, 0, 'log')
  let log = await openEmbeddedLog({ dataDir })
  const extra = makeBatches(random, 1, 5, 100)[0]!
  try {
    const [partition] = (await log.describeTopic(TOPIC)).partitions
    assert.equal(partition!.endOffset, endOffset, `${context}: end offset`)
    assert.equal(partition!.sizeBytes, built.boundaries[intact], `${context}: size`)
    assert.equal(statSync(file).size, built.boundaries[intact], `${context}: the writer cut the file after the last whole batch`)
    assertRecords(await readAll(log), built.expected.slice(0, endOffset), 0, context)

    const meta = await log.append(TOPIC, extra)
    assert.deepEqual(
      meta,
      extra.map((_, i) => ({ partition: 0, offset: endOffset + i })),
      `${context}: appending after recovery continues from the recovered end`,
    )
  } finally {
    await log.close()
  }
  log = await openEmbeddedLog({ dataDir })
  try {
    assertRecords(await readAll(log), [...built.expected.slice(0, endOffset), ...extra.map(expectedOf)], 0, `${context}, after a restart`)
  } finally {
    await log.close()
  }
}

describe('embedded log: recovery of the active segment', () => {
  let root: string
  let pristine: string
  let built: BuiltLog
  const random = new Random(SEED)

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'koober-corruption-'))
    pristine = join(root, 'pristine')
    built = await buildLog(pristine, { partitions: 1, retentionMs: -1 }, makeBatches(random, 40, 60, 2000))
    const onDisk = batchesIn(segmentPath(pristine, 0, 'log'))
    assert.deepEqual(
      onDisk.map((b) => b.position),
      built.boundaries.slice(0, -1),
      'every append is one batch in the segment',
    )
    assert.deepEqual(
      onDisk.map((b) => b.baseOffset),
      built.counts.slice(0, -1),
    )
  })

  after(() => {
    if (root) rmSync(root, { recursive: true, force: true })
  })

  it(`keeps exactly the batches before garbage written over the tail (${ITERATIONS} times)`, async (t) => {
    await withSeed(t, SEED, async () => {
      const size = built.boundaries.at(-1)!
      const kinds = { 'to the end': 0, 'to the end and beyond': 0, 'at a batch start': 0, 'in a batch header': 0, 'appended after the end': 0 }
      for (let iteration = 0; iteration < ITERATIONS; iteration++) {
        const dataDir = join(root, `garbage-${iteration}`)
        cpSync(pristine, dataDir, { recursive: true })
        const file = segmentPath(dataDir, 0, 'log')
        const original = readFileSync(file)
        const kind = random.pick(Object.keys(kinds) as Array<keyof typeof kinds>)
        kinds[kind]++
        let position: number
        if (kind === 'at a batch start') position = random.pick(built.boundaries.slice(0, -1))
        else if (kind === 'in a batch header') position = random.pick(built.boundaries.slice(0, -1)) + random.int(0, 37)
        else if (kind === 'appended after the end') position = size
        else position = random.int(0, size - 1)
        const beyond = kind === 'to the end and beyond' || kind === 'appended after the end' ? random.int(1, 5000) : 0
        const garbage = random.bytes(size - position + beyond)
        // Garbage that happens to repeat the byte it replaces would leave the batch intact.
        if (position < size && garbage[0] === original[position]) garbage[0] = garbage[0]! ^ 0xff
        const fd = openSync(file, 'r+')
        try {
          writeSync(fd, garbage, 0, garbage.length, position)
        } finally {
          closeSync(fd)
        }
        const intact = intactBatches(built.boundaries, position)
        const context = `garbage ${kind} from byte ${position} of ${size} (+${beyond}), iteration ${iteration}: expect ${intact} batches`
        await assertRecoversTo(dataDir, built, intact, random, context)
        rmSync(dataDir, { recursive: true, force: true })
      }
      t.diagnostic(`garbage kinds: ${JSON.stringify(kinds)}; seed ${SEED}`)
    })
  })

  it(`keeps exactly the batches before a byte flipped in the middle, dropping the valid ones after it (${ITERATIONS} times)`, async (t) => {
    await withSeed(t, SEED, async () => {
      const size = built.boundaries.at(-1)!
      for (let iteration = 0; iteration < ITERATIONS; iteration++) {
        const dataDir = join(root, `flip-${iteration}`)
        cpSync(pristine, dataDir, { recursive: true })
        const file = segmentPath(dataDir, 0, 'log')
        const bytes = readFileSync(file)
        const position = random.int(0, size - 1)
        bytes[position] = bytes[position]! ^ random.int(1, 255)
        writeFileSync(file, bytes)
        const intact = intactBatches(built.boundaries, position)
        await assertRecoversTo(dataDir, built, intact, random, `byte ${position} of ${size} flipped, iteration ${iteration}: expect ${intact} batches`)
        rmSync(dataDir, { recursive: true, force: true })
      }
    })
  })

  it('stops at a batch whose base offset breaks the sequence (a field the CRC does not cover)', async (t) => {
    await withSeed(t, SEED, async () => {
      const batches = built.boundaries.length - 1
      for (let iteration = 0; iteration < 20; iteration++) {
        const dataDir = join(root, `offset-${iteration}`)
        cpSync(pristine, dataDir, { recursive: true })
        const k = iteration < 2 ? [0, batches - 1][iteration]! : random.int(0, batches - 1)
        let baseOffset = random.int(0, built.counts[k]! + 1000)
        if (baseOffset === built.counts[k]) baseOffset++
        const field = Buffer.alloc(8)
        field.writeUInt32BE(Math.floor(baseOffset / 2 ** 32), 0)
        field.writeUInt32BE(baseOffset >>> 0, 4)
        const fd = openSync(segmentPath(dataDir, 0, 'log'), 'r+')
        try {
          writeSync(fd, field, 0, 8, built.boundaries[k]!)
        } finally {
          closeSync(fd)
        }
        await assertRecoversTo(dataDir, built, k, random, `batch ${k} of ${batches} says it starts at offset ${baseOffset}, not ${built.counts[k]}`)
        rmSync(dataDir, { recursive: true, force: true })
      }
    })
  })

  it(`keeps exactly the whole batches of a file cut short (${ITERATIONS} times)`, async (t) => {
    await withSeed(t, SEED, async () => {
      const size = built.boundaries.at(-1)!
      for (let iteration = 0; iteration < ITERATIONS; iteration++) {
        const dataDir = join(root, `cut-${iteration}`)
        cpSync(pristine, dataDir, { recursive: true })
        // Now and then exactly at a batch boundary (0 and the full size included).
        const length = random.float() < 0.2 ? random.pick(built.boundaries) : random.int(0, size)
        truncateSync(segmentPath(dataDir, 0, 'log'), length)
        const intact = intactBatches(built.boundaries, length)
        await assertRecoversTo(dataDir, built, intact, random, `file cut to ${length} of ${size} bytes, iteration ${iteration}: expect ${intact} batches`)
        rmSync(dataDir, { recursive: true, force: true })
      }
    })
  })
})

describe('embedded log: a damaged batch in a sealed segment', () => {
  let root: string
  let pristine: string
  let built: BuiltLog
  /** Segment base offsets, oldest first. */
  let segments: number[]
  /** The segment that gets damaged (sealed: neither the first nor the last), and its batches. */
  let damagedSegment: number
  let damagedBatch: BatchOnDisk
  let damagedBatchRecords: number
  let flipAt: number
  const random = new Random(SEED ^ 0x2545f491)

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'koober-corruption-sealed-'))
    pristine = join(root, 'pristine')
    built = await buildLog(pristine, { partitions: 1, segmentBytes: 4096, retentionMs: -1 }, makeBatches(random, 60, 8, 200))
    segments = readdirSync(partitionDir(pristine))
      .filter((name) => name.endsWith('.log'))
      .map((name) => Number(name.slice(0, 20)))
      .sort((a, b) => a - b)
    assert.ok(segments.length >= 4, `the log rolled into ${segments.length} segments`)
    // A batch of the second segment that valid batches follow, in the same segment and in the next ones.
    damagedSegment = 1
    const batches = batchesIn(segmentPath(pristine, segments[damagedSegment]!, 'log'))
    assert.ok(batches.length >= 2, `segment ${damagedSegment} has ${batches.length} batches`)
    damagedBatch = batches[random.int(0, batches.length - 2)]!
    const k = built.counts.indexOf(damagedBatch.baseOffset)
    damagedBatchRecords = built.counts[k + 1]! - built.counts[k]!
    // One byte in the middle of a record's value.
    const record = built.expected[damagedBatch.baseOffset + random.int(0, damagedBatchRecords - 1)]!
    const bytes = readFileSync(segmentPath(pristine, segments[damagedSegment]!, 'log'))
    const valueAt = bytes.indexOf(record.value, damagedBatch.position)
    assert.ok(valueAt > damagedBatch.position && valueAt + record.value.length <= damagedBatch.position + damagedBatch.sizeBytes, 'found the value in its batch')
    flipAt = valueAt + random.int(0, record.value.length - 1)
  })

  after(() => {
    if (root) rmSync(root, { recursive: true, force: true })
  })

  /** A copy of the log with one byte of a record value in the damaged batch flipped. */
  function damagedCopy(name: string): string {
    const dataDir = join(root, name)
    cpSync(pristine, dataDir, { recursive: true })
    const file = segmentPath(dataDir, segments[damagedSegment]!, 'log')
    const bytes = readFileSync(file)
    bytes[flipAt] = bytes[flipAt]! ^ 0x5a
    writeFileSync(file, bytes)
    return dataDir
  }

  it('with its index in place, opens whole but fails every read that reaches the damaged batch', async (t) => {
    await withSeed(t, SEED, async () => {
      const dataDir = damagedCopy('indexed')
      const total = built.counts.at(-1)!
      const damagedFrom = damagedBatch.baseOffset
      const log = await openEmbeddedLog({ dataDir })
      try {
        // A sealed segment with a valid index is trusted as it is: nothing is scanned or cut at open.
        const [partition] = (await log.describeTopic(TOPIC)).partitions
        assert.equal(partition!.endOffset, total)
        assert.equal(partition!.segments, segments.length)

        // Record by record: everything before the damaged batch, then the error, and again on the next poll.
        const consumer = await log.consumer({ topics: [TOPIC] })
        const read: LogRecord[] = []
        let failure: unknown
        while (failure === undefined) {
          try {
            const records = await consumer.poll({ timeoutMs: 0, maxRecords: 1 })
            assert.ok(records.length > 0, `the consumer stopped at ${read.length} without an error`)
            read.push(...records)
          } catch (err) {
            failure = err
          }
        }
        assert.ok(isKooberError(failure, 'KOOBER_LOG_CORRUPT'), `expected KOOBER_LOG_CORRUPT, got ${String(failure)}`)
        assertRecords(read, built.expected.slice(0, damagedFrom), 0, 'read one record at a time')
        await assert.rejects(consumer.poll({ timeoutMs: 0 }), (err) => isKooberError(err, 'KOOBER_LOG_CORRUPT'))
        assert.equal(consumer.position({ topic: TOPIC, partition: 0 }), damagedFrom, 'a failed read does not move the consumer')

        // Past the damaged segment, reads work again.
        const next = segments[damagedSegment + 1]!
        await consumer.seek({ topic: TOPIC, partition: 0, offset: next })
        const rest: LogRecord[] = []
        for (let records = await consumer.poll({ timeoutMs: 0 }); records.length > 0; records = await consumer.poll({ timeoutMs: 0 })) {
          rest.push(...records)
        }
        assertRecords(rest, built.expected.slice(next), next, `read from offset ${next}`)
        await consumer.close()

        // In big polls: whatever comes back before the error is from before the damaged batch.
        const big = await log.consumer({ topics: [TOPIC] })
        const bigRead: LogRecord[] = []
        await assert.rejects(
          (async () => {
            while (true) {
              const records = await big.poll({ timeoutMs: 0 })
              assert.ok(records.length > 0, 'the consumer reached the end without an error')
              bigRead.push(...records)
            }
          })(),
          (err) => isKooberError(err, 'KOOBER_LOG_CORRUPT'),
        )
        assert.ok(bigRead.length <= damagedFrom, `returned ${bigRead.length} records, the damaged batch starts at ${damagedFrom}`)
        assertRecords(bigRead, built.expected.slice(0, bigRead.length), 0, 'read in big polls')
        await big.close()
      } finally {
        await log.close()
      }
      rmSync(dataDir, { recursive: true, force: true })
    })
  })

  for (const index of ['deleted', 'damaged'] as const) {
    it(`with its index ${index}, the writer scans it and cuts the log at the damaged batch`, async (t) => {
      await withSeed(t, SEED, async () => {
        const dataDir = damagedCopy(`index-${index}`)
        const base = segments[damagedSegment]!
        const indexFile = segmentPath(dataDir, base, 'index')
        if (index === 'deleted') {
          rmSync(indexFile)
        } else {
          const bytes = readFileSync(indexFile)
          bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff
          writeFileSync(indexFile, bytes)
        }
        const damagedFrom = damagedBatch.baseOffset
        const sizeBefore = segments.slice(0, damagedSegment).reduce((sum, s) => sum + statSync(segmentPath(dataDir, s, 'log')).size, 0)
        const extra = makeBatches(random, 1, 5, 100)[0]!
        let log = await openEmbeddedLog({ dataDir })
        try {
          const [partition] = (await log.describeTopic(TOPIC)).partitions
          assert.equal(partition!.endOffset, damagedFrom, 'the log ends where the damaged batch began')
          assert.equal(partition!.segments, damagedSegment + 1, 'the segments after the damaged one are gone')
          assert.equal(partition!.sizeBytes, sizeBefore + damagedBatch.position)
          assert.equal(statSync(segmentPath(dataDir, base, 'log')).size, damagedBatch.position, 'the damaged segment is cut before the damaged batch')
          for (const later of segments.slice(damagedSegment + 1)) {
            assert.ok(!existsSync(segmentPath(dataDir, later, 'log')), `segment ${later} removed`)
            assert.ok(!existsSync(segmentPath(dataDir, later, 'index')), `index of segment ${later} removed`)
          }
          assertRecords(await readAll(log), built.expected.slice(0, damagedFrom), 0, 'after recovery')
          const meta = await log.append(TOPIC, extra)
          assert.deepEqual(
            meta,
            extra.map((_, i) => ({ partition: 0, offset: damagedFrom + i })),
          )
        } finally {
          await log.close()
        }
        log = await openEmbeddedLog({ dataDir })
        try {
          assertRecords(await readAll(log), [...built.expected.slice(0, damagedFrom), ...extra.map(expectedOf)], 0, 'after a restart')
        } finally {
          await log.close()
        }
        rmSync(dataDir, { recursive: true, force: true })
      })
    })
  }
})
