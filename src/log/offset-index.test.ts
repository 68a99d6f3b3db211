import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { OffsetIndex } from './offset-index.js'

describe('offset index', () => {
  function build(): OffsetIndex {
    const index = new OffsetIndex(1000, 100)
    // Batches of 10 records, 60 bytes apart: every second one is indexed.
    for (let i = 0; i < 10; i++) index.observe(1000 + i * 10, i * 60, 5000 + i * 100)
    return index
  }

  it('indexes a batch once the interval has passed, and finds the floor entry', () => {
    const index = build()
    assert.equal(index.entries, 5)
    assert.deepEqual(index.floor(999), { offset: 1000, position: 0 })
    assert.deepEqual(index.floor(1015), { offset: 1000, position: 0 })
    assert.deepEqual(index.floor(1020), { offset: 1020, position: 120 })
    assert.deepEqual(index.floor(1095), { offset: 1080, position: 480 })
  })

  it('starts a time search after every batch that is entirely older', () => {
    const index = build()
    assert.deepEqual(index.floorForTime(0), { offset: 1000, position: 0 })
    assert.deepEqual(index.floorForTime(5250), { offset: 1020, position: 120 })
    assert.deepEqual(index.floorForTime(99_999), { offset: 1080, position: 480 })
  })

  it('round-trips through its file and refuses a file for another segment size or with damage', () => {
    const index = build()
    const bytes = index.encode(600, 1100, 5900)
    const loaded = OffsetIndex.decode(bytes, 1000, 100, 600)
    assert.ok(loaded)
    assert.equal(loaded.nextOffset, 1100)
    assert.equal(loaded.maxTimestamp, 5900)
    assert.deepEqual(loaded.index.floor(1055), index.floor(1055))
    assert.equal(OffsetIndex.decode(bytes, 1000, 100, 601), undefined)
    const damaged = Buffer.from(bytes)
    damaged[damaged.length - 3]! ^= 1
    assert.equal(OffsetIndex.decode(damaged, 1000, 100, 600), undefined)
    assert.equal(OffsetIndex.decode(bytes.subarray(0, 20), 1000, 100, 600), undefined)
  })

  it('drops entries past a truncation', () => {
    const index = build()
    index.truncateTo(200)
    assert.equal(index.entries, 2)
    assert.deepEqual(index.floor(1095), { offset: 1020, position: 120 })
  })
})
