import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { murmur2, partitionForKey } from './partitioner.js'

describe('partitioner', () => {
  // The vectors of Kafka's UtilsTest.testMurmur2 (clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java).
  const kafkaVectors: Array<[string, number]> = [
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ]

  it("computes Kafka's murmur2", () => {
    for (const [key, hash] of kafkaVectors) {
      assert.equal(murmur2(key), hash, key)
      assert.equal(murmur2(Buffer.from(key)), hash, `${key} as bytes`)
    }
  })

  it('picks the partition as toPositive(murmur2) % partitions', () => {
    for (const [key, hash] of kafkaVectors) {
      for (const partitions of [1, 3, 8, 100]) {
        assert.equal(partitionForKey(key, partitions), (hash & 0x7fffffff) % partitions)
      }
    }
  })

  it('hashes UTF-8 bytes of text keys', () => {
    assert.equal(murmur2('ünïcødé'), murmur2(Buffer.from('ünïcødé', 'utf8')))
  })
})
