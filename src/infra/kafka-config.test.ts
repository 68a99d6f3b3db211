import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { kafkaPorts, readConfiguredPorts, serverProperties } from './kafka-config.js'

describe('Kafka configuration', () => {
  it('defaults to 9092 with the controller on 9093, and rejects bad or equal ports', () => {
    assert.deepEqual(kafkaPorts(undefined, undefined), { port: 9092, controllerPort: 9093 })
    assert.deepEqual(kafkaPorts(19092, undefined), { port: 19092, controllerPort: 19093 })
    assert.throws(() => kafkaPorts(0, undefined), /whole number from 1 to 65535/)
    assert.throws(() => kafkaPorts(9092, 9092), /must differ/)
  })

  it('writes a KRaft single-node server.properties whose ports it reads back', () => {
    const dir = mkdtempSync(join(tmpdir(), 'koober-kafka-config-'))
    try {
      const text = serverProperties({ port: 19092, controllerPort: 19999 }, '/data/kafka/data')
      for (const line of [
        'process.roles=broker,controller',
        'node.id=1',
        'controller.quorum.voters=1@127.0.0.1:19999',
        'listeners=PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19999',
        'log.dirs=/data/kafka/data',
        'auto.create.topics.enable=false',
        'offsets.topic.replication.factor=1',
        'transaction.state.log.min.isr=1',
        'group.initial.rebalance.delay.ms=0',
      ]) {
        assert.ok(text.split('\n').includes(line), line)
      }
      writeFileSync(join(dir, 'server.properties'), text)
      assert.deepEqual(readConfiguredPorts(join(dir, 'server.properties')), { port: 19092, controllerPort: 19999 })
      assert.equal(readConfiguredPorts(join(dir, 'missing.properties')), undefined)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
