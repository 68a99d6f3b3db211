/**
 * The contract every `Store` backend keeps, as a test suite that takes the
 * backend as a parameter: SQLite runs it in sqlite-store.test.ts, Cassandra
 * runs the same file against a real node. Tables get fresh names, so storage
 * that outlives a test (a Cassandra keyspace) needs no cleanup.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { isKooberError, type ErrorCode } from '../../errors.js'
import type { Row, Store, TableSchema } from '../store.js'

export interface StoreHarness {
  open(): Promise<Store>
}

const fresh = (prefix: string): string => `${prefix}_${randomUUID().replaceAll('-', '').slice(0, 10)}`

async function rejectsWith(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(isKooberError(err), `expected ${code}, got ${String(err)}`)
    assert.equal(err.code, code, err.message)
    return true
  })
}

/** A ride's positions: partition per ride, ordered by time. */
const positions = (name: string): TableSchema => ({
  name,
  columns: { ride: 'text', at: 'timestamp', seq: 'int', lat: 'double', lon: 'double', done: 'boolean', extra: 'json', raw: 'blob', big: 'bigint' },
  partitionKey: ['ride'],
  clusteringKey: ['at', 'seq'],
})

export function storeContract(backend: string, harness: StoreHarness): void {
  describe(`Store contract: ${backend}`, () => {
    let store: Store

    before(async () => {
      store = await harness.open()
    })

    after(async () => {
      await store?.close()
    })

    it('creates tables idempotently and refuses another shape under the same name', async () => {
      const name = fresh('t')
      await store.createTable(positions(name))
      await store.createTable(positions(name))
      assert.ok((await store.listTables()).includes(name))
      await rejectsWith(store.createTable({ ...positions(name), clusteringKey: ['at'] }), 'KOOBER_STORE_SCHEMA_MISMATCH')
    })

    it('refuses bad declarations and bad rows with typed errors, writing nothing', async () => {
      await rejectsWith(store.createTable({ name: 'bad name', columns: { a: 'text' }, partitionKey: ['a'] }), 'KOOBER_STORE_INVALID_SCHEMA')
      await rejectsWith(store.createTable({ name: fresh('t'), columns: { a: 'text' }, partitionKey: ['b'] }), 'KOOBER_STORE_INVALID_SCHEMA')
      await rejectsWith(store.createTable({ name: fresh('t'), columns: { a: 'uuidish' as 'text' }, partitionKey: ['a'] }), 'KOOBER_STORE_INVALID_SCHEMA')
      const name = fresh('t')
      await store.createTable(positions(name))
      await rejectsWith(store.upsert(name, [{ ride: 'r', at: 1, seq: 1 }, { ride: 'r', at: 2 }]), 'KOOBER_STORE_INVALID_ROW')
      await rejectsWith(store.upsert(name, [{ ride: 'r', at: 1, seq: 1, lat: 'north' }]), 'KOOBER_STORE_INVALID_ROW')
      await rejectsWith(store.upsert(name, [{ ride: 'r', at: 1, seq: 1, nope: 1 }]), 'KOOBER_STORE_INVALID_ROW')
      assert.equal(await store.count(name), 0)
      await rejectsWith(store.upsert(fresh('missing'), [{ a: 1 }]), 'KOOBER_STORE_UNKNOWN_TABLE')
    })

    it('upserts by primary key and reads every type back', async () => {
      const name = fresh('t')
      await store.createTable(positions(name))
      const row: Row = { ride: 'r1', at: 1_700_000_000_123, seq: 1, lat: 40.75, lon: -73.99, done: false, extra: { a: [1, 'x'] }, raw: Buffer.from([0, 255]), big: 2 ** 40 }
      await store.upsert(name, [row])
      assert.deepEqual(await store.get(name, { ride: 'r1', at: 1_700_000_000_123, seq: 1 }), row)
      await store.upsert(name, [{ ...row, done: true, lat: 41 }])
      const again = await store.get(name, { ride: 'r1', at: 1_700_000_000_123, seq: 1 })
      assert.equal(again?.done, true)
      assert.equal(again?.lat, 41)
      assert.equal(await store.count(name), 1, 'the same key overwrites: written twice, stored once')
      assert.equal(await store.get(name, { ride: 'r1', at: 5, seq: 1 }), undefined)
      const sparse = { ride: 'r2', at: 1, seq: 1 }
      await store.upsert(name, [sparse])
      const read = await store.get(name, sparse)
      assert.equal(read?.lat, null)
    })

    it('queries one partition in clustering order, with ranges, reverse order, limits and pages', async () => {
      const name = fresh('t')
      await store.createTable(positions(name))
      const rows = Array.from({ length: 25 }, (_, i) => ({ ride: 'a', at: 1000 + Math.floor(i / 5), seq: i % 5, lat: i }))
      await store.upsert(name, [...rows].reverse())
      await store.upsert(name, [{ ride: 'b', at: 1000, seq: 0, lat: -1 }])
      const all = await store.query(name, { partition: { ride: 'a' } })
      assert.deepEqual(
        all.rows.map((r) => r.lat),
        rows.map((r) => r.lat),
      )
      assert.equal(all.nextPage, undefined)
      const reversed = await store.query(name, { partition: { ride: 'a' }, order: 'desc', limit: 3 })
      assert.deepEqual(
        reversed.rows.map((r) => r.lat),
        [24, 23, 22],
      )
      const ranged = await store.query(name, { partition: { ride: 'a' }, range: { column: 'at', gte: 1002, lt: 1004 } })
      assert.deepEqual(
        ranged.rows.map((r) => r.lat),
        [10, 11, 12, 13, 14, 15, 16, 17, 18, 19],
      )
      const fixed = await store.query(name, { partition: { ride: 'a', at: 1001 }, range: { column: 'seq', gt: 2 } })
      assert.deepEqual(
        fixed.rows.map((r) => r.lat),
        [8, 9],
      )
      const paged: number[] = []
      let page: string | undefined
      let pages = 0
      do {
        const result = await store.query(name, { partition: { ride: 'a' }, limit: 7, ...(page ? { page } : {}) })
        paged.push(...result.rows.map((r) => r.lat as number))
        page = result.nextPage
        pages++
      } while (page)
      assert.deepEqual(
        paged,
        rows.map((r) => r.lat),
      )
      assert.equal(pages, 4)
      await rejectsWith(store.query(name, { partition: {} }), 'KOOBER_INVALID_ARGUMENT')
    })

    it('deletes a whole partition, or the rows under leading clustering columns, and nothing else', async () => {
      const name = fresh('t')
      await store.createTable(positions(name))
      const rows = Array.from({ length: 6 }, (_, i) => ({ ride: 'a', at: 1000 + Math.floor(i / 2), seq: i % 2, lat: i }))
      await store.upsert(name, [...rows, { ride: 'b', at: 1000, seq: 0, lat: -1 }])
      await store.delete(name, { ride: 'a', at: 1001 })
      assert.deepEqual(
        (await store.query(name, { partition: { ride: 'a' } })).rows.map((r) => r.lat),
        [0, 1, 4, 5],
      )
      await store.delete(name, { ride: 'a', at: 1002, seq: 1 })
      assert.deepEqual(
        (await store.query(name, { partition: { ride: 'a' } })).rows.map((r) => r.lat),
        [0, 1, 4],
      )
      await store.delete(name, { ride: 'a' })
      assert.deepEqual((await store.query(name, { partition: { ride: 'a' } })).rows, [])
      assert.equal(await store.count(name), 1, 'the other partition stays')
      await store.delete(name, { ride: 'nobody' })
      await rejectsWith(store.delete(name, { at: 1000 }), 'KOOBER_INVALID_ARGUMENT')
      await rejectsWith(store.delete(name, { ride: 'b', seq: 0 }), 'KOOBER_INVALID_ARGUMENT')
      assert.equal(await store.count(name), 1)
    })

    it('pages through a partition whose clustering column is a blob, and takes only key columns as a key', async () => {
      const name = fresh('t')
      await store.createTable({ name, columns: { owner: 'text', id: 'blob', n: 'int' }, partitionKey: ['owner'], clusteringKey: ['id'] })
      await store.upsert(
        name,
        [3, 1, 4, 0, 2].map((n) => ({ owner: 'o', id: Buffer.from([n, 255 - n]), n })),
      )
      const seen: number[] = []
      let page: string | undefined
      do {
        const result = await store.query(name, { partition: { owner: 'o' }, limit: 2, ...(page ? { page } : {}) })
        seen.push(...result.rows.map((r) => r.n as number))
        page = result.nextPage
      } while (page)
      assert.deepEqual(seen, [0, 1, 2, 3, 4])
      await rejectsWith(store.get(name, { owner: 'o', id: Buffer.from([1, 254]), n: 1 }), 'KOOBER_STORE_INVALID_ROW')
      assert.equal((await store.get(name, { owner: 'o', id: Buffer.from([1, 254]) }))?.n, 1)
    })

    it('scans a whole table in pages and counts it', async () => {
      const name = fresh('t')
      await store.createTable(positions(name))
      await store.upsert(
        name,
        Array.from({ length: 30 }, (_, i) => ({ ride: `r${i % 7}`, at: i, seq: 0 })),
      )
      const seen: string[] = []
      let page: string | undefined
      do {
        const result = await store.scan(name, { limit: 8, ...(page ? { page } : {}) })
        seen.push(...result.rows.map((r) => `${r.ride}/${r.at}`))
        page = result.nextPage
      } while (page)
      assert.equal(seen.length, 30)
      assert.equal(new Set(seen).size, 30)
      assert.equal(await store.count(name), 30)
    })

    it('forgets rows written with a TTL once it passes', async () => {
      const name = fresh('t')
      await store.createTable(positions(name))
      // Cassandra counts a TTL in whole seconds from the second it is written in: 1 s can be over at once.
      await store.upsert(name, [{ ride: 'ttl', at: 1, seq: 1 }], { ttlSeconds: 2 })
      await store.upsert(name, [{ ride: 'ttl', at: 2, seq: 1 }])
      assert.equal((await store.query(name, { partition: { ride: 'ttl' } })).rows.length, 2)
      await new Promise((r) => setTimeout(r, 3100))
      const left = await store.query(name, { partition: { ride: 'ttl' } })
      assert.deepEqual(
        left.rows.map((r) => r.at),
        [2],
      )
      assert.equal(await store.get(name, { ride: 'ttl', at: 1, seq: 1 }), undefined)
    })

    it('keeps what it wrote across a reopen', async () => {
      const name = fresh('t')
      await store.createTable(positions(name))
      await store.upsert(name, [{ ride: 'keep', at: 1, seq: 1, lat: 1.5 }])
      await store.close()
      store = await harness.open()
      assert.equal((await store.get(name, { ride: 'keep', at: 1, seq: 1 }))?.lat, 1.5)
    })
  })
}
