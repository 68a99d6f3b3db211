import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { LogRecord, ProducerRecord } from './event-log.js'
import { checkBatch, decodeBatch, encodeBatch, encodedRecordBytes, firstOffsetAtOrAfter, setBaseOffset } from './record-batch.js'

function encode(baseOffset: number, records: ProducerRecord[], now = 1_700_000_000_000): Buffer {
  return encodeBatch(baseOffset, records, records.map(encodedRecordBytes), 0, records.length, now)
}

function decode(buf: Buffer, from = 0): LogRecord[] {
  const check = checkBatch(buf, 0)
  assert.ok(check.ok)
  const out: LogRecord[] = []
  decodeBatch(buf, 0, check.header, 't', 3, from, Infinity, out)
  return out
}

describe('record batch', () => {
  it('round-trips keys, values, headers and timestamps', () => {
    const records: ProducerRecord[] = [
      { key: 'k', value: 'v', headers: { a: '1', b: Buffer.from([9]) }, timestamp: 5 },
      { key: Buffer.alloc(0), value: Buffer.from([1, 2, 3]) },
      { value: 'ünïcødé', headers: {} },
    ]
    const buf = encode(42, records, 1_000)
    assert.equal(buf.length, 38 + records.reduce((sum, r) => sum + encodedRecordBytes(r) + 4, 0))
    const out = decode(buf)
    assert.deepEqual(
      out.map((r) => [r.topic, r.partition, r.offset, r.timestamp]),
      [
        ['t', 3, 42, 5],
        ['t', 3, 43, 1_000],
        ['t', 3, 44, 1_000],
      ],
    )
    assert.equal(out[0]!.key!.toString(), 'k')
    assert.equal(out[0]!.headers.a!.toString(), '1')
    assert.deepEqual([...out[0]!.headers.b!], [9])
    assert.equal(out[1]!.key!.length, 0)
    assert.equal(out[2]!.key, null)
    assert.equal(out[2]!.value.toString(), 'ünïcødé')
    assert.deepEqual(Object.keys(out[2]!.headers), [])
  })

  it('switches to 64-bit timestamps when records are more than 24 days apart', () => {
    const far = [{ value: 'a', timestamp: 0 }, { value: 'b', timestamp: 1_700_000_000_000 }]
    const out = decode(encode(0, far))
    assert.deepEqual(
      out.map((r) => r.timestamp),
      [0, 1_700_000_000_000],
    )
  })

  it('skips records before the requested offset', () => {
    const buf = encode(10, [{ value: 'a' }, { value: 'b' }, { value: 'c' }])
    assert.deepEqual(
      decode(buf, 11).map((r) => r.offset),
      [11, 12],
    )
  })

  it('detects a flipped bit anywhere after the CRC', () => {
    const buf = encode(0, [{ key: 'key', value: 'value' }])
    for (let at = 16; at < buf.length; at++) {
      const damaged = Buffer.from(buf)
      damaged[at]! ^= 0x10
      const check = checkBatch(damaged, 0)
      assert.equal(check.ok, false, `byte ${at}`)
    }
  })

  it('tells an incomplete batch from an invalid one', () => {
    const buf = encode(0, [{ value: 'x'.repeat(100) }])
    const cut = checkBatch(buf.subarray(0, buf.length - 1), 0)
    assert.deepEqual(cut.ok ? undefined : cut.reason, 'incomplete')
    const short = checkBatch(buf.subarray(0, 10), 0)
    assert.deepEqual(short.ok ? undefined : short.reason, 'incomplete')
    const wrongOffset = checkBatch(buf, 0, 7)
    assert.deepEqual(wrongOffset.ok ? undefined : wrongOffset.reason, 'invalid')
  })

  it('rewrites the base offset without breaking the CRC', () => {
    const buf = encode(0, [{ value: 'a' }, { value: 'b' }])
    setBaseOffset(buf, 2 ** 40)
    const check = checkBatch(buf, 0, 2 ** 40)
    assert.ok(check.ok)
    assert.equal(check.header.nextOffset, 2 ** 40 + 2)
  })

  it('finds the first record at or after a time', () => {
    const buf = encode(100, [10, 30, 20, 40].map((timestamp) => ({ value: 'x', timestamp })))
    const check = checkBatch(buf, 0)
    assert.ok(check.ok)
    assert.equal(firstOffsetAtOrAfter(buf, 0, check.header, 25), 101)
    assert.equal(firstOffsetAtOrAfter(buf, 0, check.header, 41), undefined)
  })

  it('refuses records of the wrong shape', () => {
    const bad = [null, {}, { value: 1 }, { value: 'x', key: 5 }, { value: 'x', headers: { h: 1 } }, { value: 'x', timestamp: 1.5 }]
    for (const record of bad) assert.throws(() => encodedRecordBytes(record as ProducerRecord), { code: 'KOOBER_LOG_INVALID_RECORD' })
  })
})
