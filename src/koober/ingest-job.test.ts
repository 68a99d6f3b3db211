import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { createIngestTables, INGEST_TOPICS, ingestRows } from './ingest-job.js'
import { openEmbeddedLog, type EmbeddedLog, type LogRecord, type ProducerRecord } from '../log/index.js'
import { openSqliteStore, type Row, type Store, type TableSchema } from '../store/index.js'
import { runMicroBatches, type BatchReport, type MicroBatchOptions, type TableRow } from '../ingest/index.js'

const root = mkdtempSync(join(tmpdir(), 'koober-micro-batch-'))
after(() => rmSync(root, { recursive: true, force: true }))
let dirs = 0

interface Setup {
  log: EmbeddedLog
  store: Store
  close: () => Promise<void>
}

/** A fresh embedded log and SQLite store; `plain` (1 partition) and Koober's ingest topics exist. */
async function setup(): Promise<Setup> {
  const dataDir = join(root, `d${dirs++}`)
  const log = await openEmbeddedLog({ dataDir })
  const store = openSqliteStore({ dataDir })
  await log.ensureTopic('plain', { partitions: 1 })
  for (const topic of INGEST_TOPICS) await log.ensureTopic(topic, { partitions: 4 })
  await log.ensureTopic('dead-letters', { partitions: 1 })
  await store.createTable(PLAIN_TABLE)
  await createIngestTables(store)
  return {
    log,
    store,
    close: async () => {
      await store.close()
      await log.close()
    },
  }
}

const PLAIN_TABLE: TableSchema = { name: 'plain', columns: { offset: 'bigint', value: 'text' }, partitionKey: ['offset'] }
const PLAIN_COPY: TableSchema = { name: 'plain_copy', columns: { offset: 'bigint', value: 'text' }, partitionKey: ['offset'] }

/** Two rows per record of `plain`, one in each table. */
const plainRows = (record: LogRecord): TableRow[] => {
  const row = { offset: record.offset, value: record.value.toString('utf8') }
  return [
    { table: 'plain', row },
    { table: 'plain_copy', row },
  ]
}

function plainRecords(count: number, from = 0): ProducerRecord[] {
  return Array.from({ length: count }, (_, i) => ({ key: `k${(from + i) % 3}`, value: `value-${from + i}` }))
}

const driver = (driverId: string, time: number): string => JSON.stringify({ driverId, position: { lat: 40.7, lon: -74 }, status: 'available', time })
const rider = (riderId: string, time: number): string => JSON.stringify({ riderId, position: { lat: 40.7, lon: -74 }, status: 'waiting', time })

async function readTopic(log: EmbeddedLog, topic: string): Promise<LogRecord[]> {
  const consumer = await log.consumer({ topics: [topic] })
  try {
    const records: LogRecord[] = []
    while (true) {
      const batch = await consumer.poll({ timeoutMs: 0 })
      if (batch.length === 0) return records
      records.push(...batch)
    }
  } finally {
    await consumer.close()
  }
}

function options(s: Setup, extra: Partial<MicroBatchOptions>): MicroBatchOptions {
  return { log: s.log, store: s.store, topics: ['plain'], group: 'g', toRows: plainRows, intervalMs: 50, untilCaughtUp: true, ...extra }
}

describe('runMicroBatches', () => {
  it('sends bad input to dead-letters with its reason and ingests the valid records around it', async () => {
    const s = await setup()
    try {
      // One driver id, so all of them land on one partition, in this order.
      const values = [driver('d1', 1), 'not json at all', driver('d1', 2), JSON.stringify({ driverId: '', position: { lat: 1, lon: 1 }, status: 'available', time: 3 }), driver('d1', 4)]
      const placed = await s.log.append('driver', values.map((value) => ({ key: 'd1', value })))
      await s.log.append('rider', [{ key: 'r1', value: rider('r1', 5) }, { key: 'r1', value: '{"riderId":"r1"}' }])
      const reports: BatchReport[] = []
      const totals = await runMicroBatches(options(s, { topics: [...INGEST_TOPICS], toRows: ingestRows, onBatch: (r) => reports.push(r) }))
      assert.deepEqual(totals, { batches: 1, records: 7, rows: 8, deadLetters: 3 })
      assert.equal(reports[0]!.deadLetters, 3)

      assert.equal(await s.store.count('events'), 4)
      assert.equal(await s.store.count('routes'), 4)
      const badOffsets = [placed[1]!.offset, placed[3]!.offset]
      for (const p of [placed[0]!, placed[2]!, placed[4]!]) {
        assert.ok(await s.store.get('events', { topic: 'driver', partition: p.partition, offset: p.offset }), `driver ${p.partition}/${p.offset} archived`)
      }
      for (const offset of badOffsets) assert.equal(await s.store.get('events', { topic: 'driver', partition: placed[0]!.partition, offset }), undefined)

      const dead = await readTopic(s.log, 'dead-letters')
      assert.equal(dead.length, 3)
      const letters = dead.map((r) => ({ ...(JSON.parse(r.value.toString('utf8')) as Record<string, unknown>), letterKey: r.key?.toString('utf8') }) as Record<string, unknown>)
      const fromDriver = letters.filter((l) => l.topic === 'driver').sort((a, b) => Number(a.offset) - Number(b.offset))
      assert.equal(fromDriver.length, 2)
      assert.deepEqual(
        fromDriver.map((l) => ({ letterKey: l.letterKey, partition: l.partition, offset: l.offset, key: l.key, value: l.value })),
        [
          { letterKey: 'driver', partition: placed[0]!.partition, offset: badOffsets[0], key: 'd1', value: values[1] },
          { letterKey: 'driver', partition: placed[0]!.partition, offset: badOffsets[1], key: 'd1', value: values[3] },
        ],
      )
      assert.match(String(fromDriver[0]!.reason), /^not JSON: /)
      assert.match(String(fromDriver[1]!.reason), /^not a driver event: driverId: /)
      const fromRider = letters.find((l) => l.topic === 'rider')!
      assert.equal(fromRider.letterKey, 'rider')
      assert.match(String(fromRider.reason), /^not a rider event: position: /)
      assert.equal(typeof fromRider.timestamp, 'number')

      // The bad records were committed past: a second run rejects nothing again.
      assert.deepEqual(await runMicroBatches(options(s, { topics: [...INGEST_TOPICS], toRows: ingestRows })), { batches: 0, records: 0, rows: 0, deadLetters: 0 })
      assert.equal((await readTopic(s.log, 'dead-letters')).length, 3)
    } finally {
      await s.close()
    }
  })

  it('turns requested rides into pickups, once each however often they are replayed', async () => {
    const s = await setup()
    try {
      const noon = Date.parse('2024-05-01T16:00:00Z') // noon in New York
      const ride = (rideId: string, status: string, time: number, pickup = { lat: 40.75, lon: -73.99 }): string =>
        JSON.stringify({ rideId, riderId: `rider-${rideId}`, status, pickup, destination: { lat: 40.71, lon: -74.0 }, time, ...(status === 'requested' ? {} : { driverId: 'd1' }) })
      await s.log.append('rides', [
        { key: 'r1', value: ride('r1', 'requested', noon + 1_000, { lat: 40.7512, lon: -73.9901 }) },
        { key: 'r1', value: ride('r1', 'accepted', noon + 2_000) },
        { key: 'r2', value: ride('r2', 'requested', noon + 3_000, { lat: 40.7705, lon: -73.9602 }) },
        { key: 'r3', value: JSON.stringify({ rideId: 'r3', status: 'requested', time: noon + 4_000 }) },
      ])
      const ingest = (group: string): Promise<unknown> => runMicroBatches(options(s, { topics: [...INGEST_TOPICS], toRows: ingestRows, group }))
      assert.deepEqual(await ingest('g'), { batches: 1, records: 4, rows: 5, deadLetters: 1 })
      const pickups = (await s.store.scan('pickups')).rows.sort((a, b) => Number(a.time) - Number(b.time))
      assert.deepEqual(pickups, [
        { day: '2024-05-01', time: noon + 1_000, id: 'ride:r1', lat: 40.7512, lng: -73.9901 },
        { day: '2024-05-01', time: noon + 3_000, id: 'ride:r2', lat: 40.7705, lng: -73.9602 },
      ])
      assert.equal(await s.store.count('events'), 3, 'every valid ride step is archived')
      const [letter] = await readTopic(s.log, 'dead-letters')
      assert.match(String((JSON.parse(letter!.value.toString('utf8')) as { reason: string }).reason), /^not a rides event: /)
      // Another group reads the topic again: the same rows, not new ones.
      await ingest('replay')
      assert.equal(await s.store.count('pickups'), 2)
    } finally {
      await s.close()
    }
  })

  it('cuts batches at maxRecords and reports records, bytes, rows and lag', async () => {
    const s = await setup()
    try {
      await s.store.createTable(PLAIN_COPY)
      const records = plainRecords(120)
      await s.log.append('plain', records)
      const reports: BatchReport[] = []
      const totals = await runMicroBatches(options(s, { maxRecords: 50, onBatch: (r) => reports.push(r) }))
      assert.deepEqual(
        reports.map(({ records, rows, deadLetters, lag }) => ({ records, rows, deadLetters, lag })),
        [
          { records: 50, rows: 100, deadLetters: 0, lag: 70 },
          { records: 50, rows: 100, deadLetters: 0, lag: 20 },
          { records: 20, rows: 40, deadLetters: 0, lag: 0 },
        ],
      )
      const bytesOf = (list: ProducerRecord[]): number => list.reduce((n, r) => n + Buffer.byteLength(r.value) + Buffer.byteLength(r.key as string), 0)
      assert.deepEqual(
        reports.map((r) => r.bytes),
        [bytesOf(records.slice(0, 50)), bytesOf(records.slice(50, 100)), bytesOf(records.slice(100))],
      )
      for (const r of reports) assert.ok(r.durationMs >= 0 && r.durationMs < 5000, `durationMs ${r.durationMs}`)
      assert.deepEqual(totals, { batches: 3, records: 120, rows: 240, deadLetters: 0 })
      assert.equal(await s.store.count('plain'), 120)
      assert.equal(await s.store.count('plain_copy'), 120)
      assert.deepEqual(await s.store.get('plain', { offset: 119 }), { offset: 119, value: 'value-119' })
    } finally {
      await s.close()
    }
  })

  it('ingests nothing new on a second run of the same group, only what was appended since', async () => {
    const s = await setup()
    try {
      await s.store.createTable(PLAIN_COPY)
      await s.log.append('plain', plainRecords(30))
      assert.equal((await runMicroBatches(options(s, {}))).records, 30)
      assert.deepEqual(await runMicroBatches(options(s, {})), { batches: 0, records: 0, rows: 0, deadLetters: 0 })
      await s.log.append('plain', plainRecords(3, 30))
      const seen: number[] = []
      const again = await runMicroBatches(options(s, { toRows: (r) => (seen.push(r.offset), plainRows(r)) }))
      assert.equal(again.records, 3)
      assert.deepEqual(seen, [30, 31, 32])
      assert.equal(await s.store.count('plain'), 33)
      // Another group reads it all again; the rows overwrite themselves.
      assert.equal((await runMicroBatches(options(s, { group: 'other' }))).records, 33)
      assert.equal(await s.store.count('plain'), 33)
    } finally {
      await s.close()
    }
  })

  it('commits only after the write: a failed write is read again by the next run', async () => {
    const s = await setup()
    try {
      await s.store.createTable(PLAIN_COPY)
      await s.log.append('plain', plainRecords(25))
      let writes = 0
      const failing: Store = Object.create(s.store) as Store
      failing.upsert = async (table: string, rows: Row[]) => {
        // The second batch's second table fails: its first table is written, its offsets must not be committed.
        if (++writes === 4) throw new Error('disk on fire')
        await s.store.upsert(table, rows)
      }
      await assert.rejects(runMicroBatches(options(s, { store: failing, maxRecords: 10 })), /disk on fire/)
      const consumer = await s.log.consumer({ topics: ['plain'], group: 'g' })
      assert.deepEqual(await consumer.committed(), [{ topic: 'plain', partition: 0, offset: 10 }])
      await consumer.close()
      const seen: number[] = []
      const totals = await runMicroBatches(options(s, { maxRecords: 10, toRows: (r) => (seen.push(r.offset), plainRows(r)) }))
      assert.equal(totals.records, 15)
      assert.equal(seen[0], 10)
      assert.equal(await s.store.count('plain'), 25)
      assert.equal(await s.store.count('plain_copy'), 25)
    } finally {
      await s.close()
    }
  })

  it('closes a batch when the interval is up, with fewer records than maxRecords', async () => {
    const s = await setup()
    try {
      await s.store.createTable(PLAIN_COPY)
      await s.log.append('plain', plainRecords(5))
      const stop = new AbortController()
      const reports: BatchReport[] = []
      const started = Date.now()
      const running = runMicroBatches(
        options(s, {
          untilCaughtUp: false,
          intervalMs: 300,
          maxRecords: 1000,
          signal: stop.signal,
          onBatch: (r) => {
            reports.push(r)
            if (reports.length === 2) stop.abort()
          },
        }),
      )
      // Records that arrive while the first batch is open join it.
      await new Promise((resolve) => setTimeout(resolve, 100))
      await s.log.append('plain', plainRecords(4, 5))
      await new Promise((resolve) => setTimeout(resolve, 400))
      await s.log.append('plain', plainRecords(2, 9))
      const totals = await running
      assert.deepEqual(
        reports.map((r) => r.records),
        [9, 2],
      )
      assert.ok(reports[0]!.durationMs >= 280, `the first batch waited its interval (${reports[0]!.durationMs} ms)`)
      assert.equal(totals.records, 11)
      assert.ok(Date.now() - started < 3000)
    } finally {
      await s.close()
    }
  })

  it('closes a full batch at once, without waiting for the interval', async () => {
    const s = await setup()
    try {
      await s.store.createTable(PLAIN_COPY)
      await s.log.append('plain', plainRecords(25))
      const stop = new AbortController()
      const reports: BatchReport[] = []
      const started = Date.now()
      await runMicroBatches(
        options(s, {
          untilCaughtUp: false,
          intervalMs: 10_000,
          maxRecords: 10,
          signal: stop.signal,
          onBatch: (r) => {
            reports.push(r)
            if (reports.length === 2) stop.abort()
          },
        }),
      )
      assert.deepEqual(
        reports.map((r) => [r.records, r.lag]),
        [
          [10, 15],
          [10, 5],
        ],
      )
      assert.ok(Date.now() - started < 5000, 'two full batches did not wait 10 s each')
    } finally {
      await s.close()
    }
  })

  it('stops when aborted while waiting for records', async () => {
    const s = await setup()
    try {
      const stop = new AbortController()
      setTimeout(() => stop.abort(), 100)
      const started = Date.now()
      const totals = await runMicroBatches(options(s, { untilCaughtUp: false, intervalMs: 60_000, signal: stop.signal }))
      assert.deepEqual(totals, { batches: 0, records: 0, rows: 0, deadLetters: 0 })
      assert.ok(Date.now() - started < 5000)
    } finally {
      await s.close()
    }
  })

  it('rejects an interval or maxRecords that cannot make a batch', async () => {
    const s = await setup()
    try {
      await assert.rejects(runMicroBatches(options(s, { intervalMs: 0 })), { code: 'KOOBER_INVALID_ARGUMENT' })
      await assert.rejects(runMicroBatches(options(s, { maxRecords: 0 })), { code: 'KOOBER_INVALID_ARGUMENT' })
      await assert.rejects(runMicroBatches(options(s, { maxRecords: 1.5 })), /at least 1 record/)
    } finally {
      await s.close()
    }
  })
})
