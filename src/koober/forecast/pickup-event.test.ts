import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { cellOf } from '../geo.js'
import { parsePickupEvent, pickupRecord } from './pickup-event.js'

describe('pickup records', () => {
  it('are keyed by area cell and carry the id, time and place as JSON', () => {
    const pickup = { time: 1396325460000, lat: 40.769, lng: -73.9549 }
    const record = pickupRecord(pickup, 'uber-raw-data-apr14.csv:2')
    assert.equal(record.key, cellOf({ lat: 40.769, lon: -73.9549 }))
    assert.deepEqual(JSON.parse(record.value as string), { id: 'uber-raw-data-apr14.csv:2', ...pickup })
    assert.deepEqual(parsePickupEvent(record.value as string), { id: 'uber-raw-data-apr14.csv:2', ...pickup })
  })

  it('name the same cell as cellOf everywhere, on both sides of the equator and the meridian', () => {
    for (let i = 0; i < 5000; i++) {
      const lat = ((i * 7919) % 18_000) / 100 - 90
      const lng = ((i * 104_729) % 36_000) / 100 - 180 + (i % 7) / 1000
      assert.equal(pickupRecord({ time: i, lat, lng }, `p:${i}`).key, cellOf({ lat, lon: lng }), `${lat},${lng}`)
    }
  })

  it('escape an id that JSON needs escaped', () => {
    for (const id of ['my "odd" file.csv:3', 'back\\slash.csv:4', 'ünïcode.csv:5', 'tab\there:6']) {
      const record = pickupRecord({ time: 1, lat: 40.7, lng: -73.9 }, id)
      assert.equal(parsePickupEvent(record.value as string).id, id)
    }
  })

  it('refuse a value that is not a pickup', () => {
    assert.throws(() => parsePickupEvent('not json'), /^Error: not JSON/)
    assert.throws(() => parsePickupEvent('{"id":"x","time":1,"lat":91,"lng":0}'), /not a pickup event: lat/)
    assert.throws(() => parsePickupEvent('{"time":1,"lat":40,"lng":-73}'), /not a pickup event: id/)
  })
})
