import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { demoPickups } from '../../forecast/data/index.js'
import { openEmbeddedLog, type EmbeddedLog, type LogRecord } from '../../log/index.js'
import { openSqliteStore, type Store } from '../../store/index.js'
import { KOOBER_TOPICS } from '../topics.js'
import { parsePickupEvent } from './pickup-event.js'
import { importPickups, type IdentifiedPickups } from './pickup-import.js'
import { createPickupTables, readPickups } from './pickup-tables.js'

const root = mkdtempSync(join(tmpdir(), 'koober-pickup-import-'))
after(() => rmSync(root, { recursive: true, force: true }))
let dirs = 0

async function open(withTables = true): Promise<{ log: EmbeddedLog; store: Store; close: () => Promise<void> }> {
  const dataDir = join(root, `d${dirs++}`)
  const log = await openEmbeddedLog({ dataDir })
  await log.ensureTopic('pickups', { partitions: KOOBER_TOPICS.pickups!.partitions })
  const store = openSqliteStore({ dataDir })
  if (withTables) await createPickupTables(store)
  return { log, store, close: async () => (await store.close(), await log.close()) }
}

async function readTopic(log: EmbeddedLog): Promise<LogRecord[]> {
  const consumer = await log.consumer({ topics: ['pickups'] })
  try {
    const records: LogRecord[] = []
    for (let batch = await consumer.poll({ timeoutMs: 0 }); batch.length > 0; batch = await consumer.poll({ timeoutMs: 0 })) records.push(...batch)
    return records
  } finally {
    await consumer.close()
  }
}

/** 5,000 demo pickups in chunks of 700, with ids like a file's lines. */
function chunks(): IdentifiedPickups[] {
  const start = Date.parse('2014-04-01T04:00:00Z')
  let line = 2
  return [...demoPickups({ records: 5000, months: 1, clusters: 5, seed: 9, start }, 700)].map((pickups) => ({ pickups, ids: pickups.map(() => `demo.csv:${line++}`) }))
}

describe('importPickups', () => {
  it('publishes every pickup to the pickups topic by area cell and writes it to the pickups table; a second import overwrites the rows', async () => {
    const s = await open()
    try {
      const given = chunks()
      assert.equal(await importPickups(s.log, s.store, given), 5000)
      const all = given.flatMap((c) => c.pickups)
      assert.equal(await s.store.count('pickups'), 5000)
      assert.deepEqual(await readPickups(s.store, all[0]!.time, all.at(-1)!.time + 1), all)
      const records = await readTopic(s.log)
      assert.equal(records.length, 5000)
      const events = records.map((r) => parsePickupEvent(r.value.toString('utf8')))
      assert.deepEqual(new Set(events.map((e) => e.id)), new Set(given.flatMap((c) => c.ids)))
      for (const [i, r] of records.entries()) {
        const [row, col] = r.key!.toString('utf8').split(':').map(Number) as [number, number]
        assert.equal(row, Math.floor(events[i]!.lat / 0.01))
        assert.equal(col, Math.floor(events[i]!.lng / 0.01))
      }
      assert.ok(new Set(records.map((r) => r.partition)).size > 1, 'areas spread over partitions')

      assert.equal(await importPickups(s.log, s.store, chunks()), 5000)
      assert.equal(await s.store.count('pickups'), 5000, 'the same ids overwrite their rows')
      assert.equal((await readTopic(s.log)).length, 10_000, 'the topic is a log: it holds both imports')
    } finally {
      await s.close()
    }
  })

  it('stops after the chunk in progress when aborted, with what it took durable', async () => {
    const s = await open()
    try {
      const stop = new AbortController()
      async function* stopping(): AsyncGenerator<IdentifiedPickups> {
        for (const [i, chunk] of chunks().entries()) {
          if (i === 2) stop.abort()
          yield chunk
        }
      }
      const imported = await importPickups(s.log, s.store, stopping(), { signal: stop.signal })
      assert.equal(imported, 2100)
      assert.equal(await s.store.count('pickups'), 2100)
      assert.equal((await readTopic(s.log)).length, 2100)
    } finally {
      await s.close()
    }
  })

  it('fails when the store cannot take the rows, after what was in flight has settled', async () => {
    const s = await open(false)
    try {
      await assert.rejects(importPickups(s.log, s.store, chunks()), { code: 'KOOBER_STORE_UNKNOWN_TABLE' })
    } finally {
      await s.close()
    }
  })
})
