/**
 * Starts a real Cassandra node (Java 17 and Maven needed; the first run
 * downloads its jars with Maven), on free ports so that a node the user runs
 * on 9042 is left alone. Without Java or Maven the test skips, saying why;
 * with KOOBER_REQUIRE_SERVICES=1 (CI) that is a failure instead.
 */
import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { isKooberError } from '../errors.js'
import { cassandraStatus, startCassandra, stopCassandra } from './cassandra.js'
import { checkCassandraTools } from './cassandra-java.js'
import { probeCassandra, queryCql } from './cql-wire.js'
import { assertFoundAgain, assertNamesMissingTools, assertStops, assertUp, envWithoutTools, freePorts, recordProgress, tempRoot, toolsOrSkip } from './testing/real-servers.js'

const root = tempRoot('koober-cassandra-')

describe('a real Cassandra node (src/infra/cassandra.ts)', () => {
  it('starts, answers CQL, is found again by a second start, keeps its data over a restart, and stops', { timeout: 15 * 60_000 }, async (t) => {
    if (!(await toolsOrSkip(t, checkCassandraTools))) return
    const dataDir = join(root, 'node')
    const [port, storagePort] = (await freePorts(2)) as [number, number]
    t.after(() => stopCassandra({ dataDir }))
    const progress = recordProgress(t)
    const { onProgress } = progress

    const first = assertUp(await startCassandra({ dataDir, port, storagePort, onProgress }), {
      name: 'Cassandra',
      port,
      version: /^5\.0\.\d+$/,
      progress: progress.lines,
    })
    assert.equal(first.storagePort, storagePort)
    assert.equal(first.dataCenter, 'datacenter1')

    // The node answers any client, not only the status code path.
    const probe = await probeCassandra('127.0.0.1', port)
    assert.deepEqual(probe, { state: 'ready', releaseVersion: first.version, protocolVersion: 4 })
    const local = await queryCql('127.0.0.1', port, 'SELECT cluster_name, data_center, rpc_address FROM system.local')
    assert.deepEqual(local.rows, [['Koober', 'datacenter1', '127.0.0.1']])

    await assertFoundAgain({
      first,
      startAgain: () => startCassandra({ dataDir, port, storagePort }),
      startOnPort: (other) => startCassandra({ dataDir, port: other }),
      status: () => cassandraStatus({ dataDir }),
    })
    assert.equal((await cassandraStatus({ dataDir })).storagePort, storagePort)

    // What a stop (a drain) leaves behind is there after the next start.
    await queryCql('127.0.0.1', port, "CREATE KEYSPACE koober_infra_test WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}")
    await queryCql('127.0.0.1', port, 'CREATE TABLE koober_infra_test.kv (k text PRIMARY KEY, v int)')
    await queryCql('127.0.0.1', port, "INSERT INTO koober_infra_test.kv (k, v) VALUES ('answer', 42)")

    await assertStops({ pid: first.pid, port, stop: () => stopCassandra({ dataDir }), status: () => cassandraStatus({ dataDir }), probe: (p) => probeCassandra('127.0.0.1', p) })

    const again = await startCassandra({ dataDir, onProgress })
    assert.equal(again.port, port, 'a start without ports reuses those of the last start')
    assert.notEqual(again.pid, first.pid)
    assert.match(progress.lines.find((l) => l.startsWith('starting Cassandra') && l.includes('existing data')) ?? '', /existing data/)
    assert.deepEqual((await queryCql('127.0.0.1', port, "SELECT v FROM koober_infra_test.kv WHERE k = 'answer'")).rows, [[42]])
    assert.deepEqual(await stopCassandra({ dataDir }), { stopped: true, pid: again.pid })
  })

  it('names what is missing when Java and Maven are not on PATH, and starts nothing', async () => {
    const env = envWithoutTools(root)
    const dataDir = join(root, 'no-tools')
    const [port, storagePort] = (await freePorts(2)) as [number, number]
    await assertNamesMissingTools({
      check: () => checkCassandraTools(env),
      start: () => startCassandra({ dataDir, port, storagePort, env }),
      status: () => cassandraStatus({ dataDir, port }),
      message: /^Cassandra needs Java 17 and Maven: java was not found.*; mvn was not found/,
    })
  })

  it('says which port is taken before launching anything', async () => {
    const [port, storagePort] = (await freePorts(2)) as [number, number]
    // resume(): read the probe's hang-up, or the connection (and close() below) would wait forever.
    const squatter = createServer((socket) => socket.resume().end('HTTP/1.1 400 Bad Request\r\n\r\n'))
    await new Promise<void>((resolve) => squatter.listen({ host: '127.0.0.1', port }, resolve))
    try {
      await assert.rejects(startCassandra({ dataDir: join(root, 'taken'), port, storagePort }), (err) => {
        assert.ok(isKooberError(err, 'KOOBER_INFRA_SERVER_FAILED'))
        assert.match(err.message, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is taken by a program that is not a ready Cassandra node \\(.*does not speak CQL\\)`))
        return true
      })
    } finally {
      await new Promise((resolve) => squatter.close(resolve))
    }
    const storage = createServer()
    await new Promise<void>((resolve) => storage.listen({ host: '127.0.0.1', port: storagePort }, resolve))
    try {
      await assert.rejects(startCassandra({ dataDir: join(root, 'taken'), port, storagePort }), /Cassandra's storage port 127\.0\.0\.1:\d+ is in use by another program/)
    } finally {
      await new Promise((resolve) => storage.close(resolve))
    }
  })
})
