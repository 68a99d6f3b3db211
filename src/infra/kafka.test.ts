/**
 * Starts a real Kafka broker (Java and Maven needed; the first run downloads
 * its jars with Maven), on free ports so that a broker the user runs on 9092
 * is left alone. Without Java or Maven the test skips, saying why; with
 * KOOBER_REQUIRE_SERVICES=1 (CI) that is a failure instead.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { checkJavaAndMaven } from './java.js'
import { kafkaStatus, startKafka, stopKafka } from './kafka.js'
import { probeKafka } from './kafka-wire.js'
import { assertFoundAgain, assertNamesMissingTools, assertStops, assertUp, envWithoutTools, freePorts, recordProgress, tempRoot, toolsOrSkip } from './testing/real-servers.js'

const root = tempRoot('koober-kafka-')

describe('a real Kafka broker (src/infra/kafka.ts)', () => {
  it('starts, answers Metadata, is found again by a second start, and stops', { timeout: 15 * 60_000 }, async (t) => {
    if (!(await toolsOrSkip(t, checkJavaAndMaven))) return
    const dataDir = join(root, 'broker')
    const [port, controllerPort] = (await freePorts(2)) as [number, number]
    t.after(() => stopKafka({ dataDir }))
    const progress = recordProgress(t)

    const first = assertUp(await startKafka({ dataDir, port, controllerPort, onProgress: progress.onProgress }), {
      name: 'Kafka',
      port,
      version: /^4\.\d+\.\d+/,
      progress: progress.lines,
    })
    assert.equal(first.controllerPort, controllerPort)

    // The broker answers any client, not only the status code path.
    const probe = await probeKafka('127.0.0.1', port)
    assert.equal(probe.state, 'ready')
    assert.deepEqual(probe.state === 'ready' && probe.brokers.map((b) => [b.host, b.port]), [['127.0.0.1', port]])
    assert.equal(probe.state === 'ready' && probe.clusterId, first.clusterId)

    await assertFoundAgain({
      first,
      startAgain: () => startKafka({ dataDir, port, controllerPort }),
      startOnPort: (other) => startKafka({ dataDir, port: other }),
      status: () => kafkaStatus({ dataDir }),
    })
    await assertStops({ pid: first.pid, port, stop: () => stopKafka({ dataDir }), status: () => kafkaStatus({ dataDir }), probe: (p) => probeKafka('127.0.0.1', p) })
  })

  it('names what is missing when Java and Maven are not on PATH, and starts nothing', async () => {
    const env = envWithoutTools(root)
    const dataDir = join(root, 'no-tools')
    const [port] = (await freePorts(1)) as [number]
    await assertNamesMissingTools({
      check: () => checkJavaAndMaven(env),
      start: () => startKafka({ dataDir, port, env }),
      status: () => kafkaStatus({ dataDir, port }),
      message: /^Kafka needs Java 17\+ and Maven: java was not found.*; mvn was not found/,
    })
  })
})
