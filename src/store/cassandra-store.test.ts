/**
 * The store contract against the Cassandra node of this test run
 * (KOOBER_TEST_CASSANDRA), in a fresh keyspace dropped at the end, plus what
 * only this backend has: a node that cannot be reached, replication settings,
 * consistency levels.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, describe, it } from 'node:test'
import cassandra from 'cassandra-driver'
import { isKooberError } from '../errors.js'
import { freePorts } from '../infra/ports.js'
import { openCassandraStore } from './cassandra-store.js'
import { cassandraTestContactPoints } from './testing/cassandra-test-contact.js'
import { storeContract } from './testing/store-contract.js'

const contactPoints = cassandraTestContactPoints()
const keyspace = `koober_test_${randomUUID().replaceAll('-', '').slice(0, 12)}`

if (contactPoints) {
  after(async () => {
    const client = new cassandra.Client({ contactPoints, localDataCenter: 'datacenter1' })
    try {
      await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`)
    } finally {
      await client.shutdown()
    }
  })

  storeContract('cassandra', { open: () => openCassandraStore({ contactPoints, keyspace }) })

  describe('Cassandra store specifics', () => {
    it('creates its keyspace with the replication asked for, idempotently', async () => {
      const other = `${keyspace}_nts`
      const open = () => openCassandraStore({ contactPoints, keyspace: other, replication: { class: 'NetworkTopologyStrategy', dataCenters: { datacenter1: 1 } } })
      const store = await open()
      await (await open()).close()
      try {
        await store.createTable({ name: 'kv', columns: { k: 'text', v: 'int' }, partitionKey: ['k'] })
        await store.upsert('kv', [{ k: 'a', v: 1 }], { consistency: 'ONE' })
        assert.deepEqual(await store.get('kv', { k: 'a' }, { consistency: 'LOCAL_ONE' }), { k: 'a', v: 1 })
        await assert.rejects(store.get('kv', { k: 'a' }, { consistency: 'SOMETIMES' as 'ONE' }), (err) => isKooberError(err, 'KOOBER_INVALID_ARGUMENT'))
      } finally {
        await store.close()
        const client = new cassandra.Client({ contactPoints, localDataCenter: 'datacenter1' })
        const row = (await client.execute('SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = ?', [other])).first()
        await client.execute(`DROP KEYSPACE IF EXISTS ${other}`)
        await client.shutdown()
        assert.match(String(row?.['replication']?.['class']), /NetworkTopologyStrategy/)
        assert.equal(row?.['replication']?.['datacenter1'], '1')
      }
    })

    it('pages a descending table with fixed clustering columns and ranges, and writes large batches in parts', async () => {
      const store = await openCassandraStore({ contactPoints, keyspace })
      try {
        const name = `d_${randomUUID().replaceAll('-', '').slice(0, 10)}`
        await store.createTable({ name, columns: { p: 'text', a: 'int', b: 'int', s: 'text' }, partitionKey: ['p'], clusteringKey: ['a', 'b'], clusteringOrder: 'desc' })
        const rows = Array.from({ length: 300 }, (_, i) => ({ p: 'x', a: Math.floor(i / 10), b: i % 10, s: 'y'.repeat(100) }))
        await store.upsert(name, rows)
        assert.equal(await store.count(name), 300)
        const collect = async (options: Omit<Parameters<typeof store.query>[1], 'page'>): Promise<string[]> => {
          const out: string[] = []
          let page: string | undefined
          do {
            const result = await store.query(name, { ...options, ...(page ? { page } : {}) })
            out.push(...result.rows.map((r) => `${r.a}/${r.b}`))
            page = result.nextPage
          } while (page)
          return out
        }
        const desc = rows.map((r) => `${r.a}/${r.b}`).reverse()
        assert.deepEqual(await collect({ partition: { p: 'x' }, limit: 7 }), desc)
        assert.deepEqual(await collect({ partition: { p: 'x' }, order: 'asc', limit: 7 }), [...desc].reverse())
        assert.deepEqual(await collect({ partition: { p: 'x' }, range: { column: 'a', gt: 3, lte: 5 }, limit: 4 }), desc.filter((k) => [4, 5].includes(Number(k.split('/')[0]))))
        assert.deepEqual(await collect({ partition: { p: 'x', a: 7 }, range: { column: 'b', gte: 2 }, order: 'asc', limit: 3 }), ['7/2', '7/3', '7/4', '7/5', '7/6', '7/7', '7/8', '7/9'])
        assert.deepEqual(await collect({ partition: { p: 'x', a: 7 }, limit: 3 }), Array.from({ length: 10 }, (_, i) => `7/${9 - i}`))
        const exact = await store.query(name, { partition: { p: 'x', a: 7 }, limit: 10 })
        assert.equal(exact.nextPage, undefined, 'no marker when the rows end exactly at the page')
      } finally {
        await store.close()
      }
    })
  })
} else {
  describe('Store contract: cassandra', { skip: 'no Cassandra node (KOOBER_TEST_CASSANDRA is not set)' }, () => {})
}

describe('Cassandra store without a node', () => {
  it('fails to open with KOOBER_STORE_IO naming the contact points', async () => {
    const [port] = (await freePorts(1)) as [number]
    await assert.rejects(openCassandraStore({ contactPoints: [`127.0.0.1:${port}`], connectTimeoutMs: 1000 }), (err) => {
      assert.ok(isKooberError(err, 'KOOBER_STORE_IO'), String(err))
      assert.match(err.message, new RegExp(`cannot reach Apache Cassandra at 127\\.0\\.0\\.1:${port}`))
      return true
    })
  })
})
