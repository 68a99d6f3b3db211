/**
 * Starts a real Kafka broker (Java and Maven needed; the first run downloads
 * its jars with Maven), on free ports so that a broker the user runs on 9092
 * is left alone. Without Java or Maven the test skips, saying why; with
 * KOOBER_REQUIRE_SERVICES=1 (CI) that is a failure instead.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { isKooberError } from '../errors.js'
import { checkJavaAndMaven } from './java.js'
import { kafkaStatus, startKafka, stopKafka } from './kafka.js'
import { probeKafka } from './kafka-wire.js'
import { freePorts } from './ports.js'

const REQUIRE_SERVICES = process.env.KOOBER_REQUIRE_SERVICES === '1'

const root = mkdtempSync(join(tmpdir(), 'koober-kafka-'))
after(() => rmSync(root, { recursive: true, force: true }))


describe('a real Kafka broker (src/infra/kafka.ts)', () => {
  it('starts, answers Metadata, is found again by a second start, and stops', { timeout: 15 * 60_000 }, async (t) => {
    const tools = await checkJavaAndMaven()
    if (!tools.ok) {
      if (REQUIRE_SERVICES) assert.fail(`${tools.problem} (KOOBER_REQUIRE_SERVICES=1 makes a missing tool a failure)`)
      t.skip(tools.problem)
      return
    }
    const dataDir = join(root, 'broker')
    const [port, controllerPort] = (await freePorts(2)) as [number, number]
    t.after(() => stopKafka({ dataDir }))
    const progress: string[] = []
    const onProgress = (line: string): void => {
      progress.push(line)
      t.diagnostic(line)
    }

    const first = await startKafka({ dataDir, port, controllerPort, onProgress })
    assert.equal(first.running, true)
    assert.equal(first.answering, true)
    assert.equal(first.external, false)
    assert.equal(first.address, `127.0.0.1:${port}`)
    assert.equal(first.controllerPort, controllerPort)
    assert.ok(first.pid !== undefined && first.pid > 0)
    assert.match(first.version ?? '', /^4\.\d+\.\d+/)
    assert.match(progress.at(-1)!, new RegExp(`Kafka 4\\.\\d+\\.\\d+ is up on 127\\.0\\.0\\.1:${port}`))

    // The broker answers any client, not only the status code path.
    const probe = await probeKafka('127.0.0.1', port)
    assert.equal(probe.state, 'ready')
    assert.deepEqual(probe.state === 'ready' && probe.brokers.map((b) => [b.host, b.port]), [['127.0.0.1', port]])
    assert.equal(probe.state === 'ready' && probe.clusterId, first.clusterId)

    const second = await startKafka({ dataDir, port, controllerPort })
    assert.equal(second.pid, first.pid, 'a second start finds the running broker')
    const status = await kafkaStatus({ dataDir })
    assert.equal(status.pid, first.pid)
    assert.equal(status.port, port, 'the status finds the port of the last start by itself')
    assert.equal(status.answering, true)

    await assert.rejects(startKafka({ dataDir, port: port === 65_535 ? port - 1 : port + 1 }), (err) => {
      assert.ok(isKooberError(err, 'KOOBER_INVALID_ARGUMENT'))
      assert.match(err.message, new RegExp(`already runs on port ${port} \\(pid ${first.pid}\\)`))
      return true
    })

    assert.deepEqual(await stopKafka({ dataDir }), { stopped: true, pid: first.pid })
    assert.equal((await probeKafka('127.0.0.1', port)).state, 'refused')
    const stopped = await kafkaStatus({ dataDir })
    assert.equal(stopped.running, false)
    assert.equal(stopped.answering, false)
    assert.deepEqual(await stopKafka({ dataDir }), { stopped: false }, 'a second stop does nothing')
  })

  it('names what is missing when Java and Maven are not on PATH, and starts nothing', async () => {
    const env = { PATH: join(root, 'no-such-dir') }
    const tools = await checkJavaAndMaven(env)
    assert.equal(tools.ok, false)
    assert.match(tools.problem ?? '', /java was not found/)
    assert.match(tools.problem ?? '', /mvn was not found on PATH/)
    const [port] = (await freePorts(1)) as [number]
    await assert.rejects(startKafka({ dataDir: join(root, 'no-tools'), port, env }), (err) => {
      assert.ok(isKooberError(err))
      assert.match(err.message, /Kafka needs Java 17\+ and Maven: java was not found.*; mvn was not found/)
      return true
    })
    assert.equal((await kafkaStatus({ dataDir: join(root, 'no-tools'), port })).running, false)
  })
})
