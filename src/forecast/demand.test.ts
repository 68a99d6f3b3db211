import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { concatDemand, countDemand, demandAt, sliceDemand } from './demand.js'
import { loadPlaces } from './places.js'
import { SLOT_MS } from './types.js'

/** Two places: one at (0, 0), one at (0, 10); a pickup belongs to the nearer. */
const places = loadPlaces({ kind: 'kmeans', lngScale: 1, centres: [[0, 0], [0, 10]] })
const START = 1000 * SLOT_MS
const at = (slot: number, lng: number, minute = 7) => ({ time: START + slot * SLOT_MS + minute * 60_000, lat: 0, lng })

describe('countDemand', () => {
  it('counts pickups per place and half hour, the empty slots as zeros', () => {
    const pickups = [at(0, 0.1), at(0, -0.2, 29), at(2, 1), at(1, 9.5), at(3, 11, 0)]
    const demand = countDemand(pickups, places, { from: START, until: START + 5 * SLOT_MS })
    assert.equal(demand.places, 2)
    assert.equal(demand.fromSlot, 1000)
    assert.equal(demand.slots, 5)
    assert.deepEqual([...demand.counts], [2, 0, 1, 0, 0, /* place 1: */ 0, 1, 0, 1, 0])
    assert.equal(demandAt(demand, 1, 1003), 1)
    assert.equal(demandAt(demand, 0, 1004), 0, 'a slot with no pickup is a zero, not missing')
    assert.equal(demand.outside, 0)
  })

  it('leaves out pickups outside the range, and says how many', () => {
    const demand = countDemand([at(-1, 0), at(0, 0), at(2, 0)], places, { from: START, until: START + 2 * SLOT_MS })
    assert.deepEqual([...demand.counts], [1, 0, 0, 0])
    assert.equal(demand.outside, 2)
  })

  it('refuses a range off the half-hour boundaries or empty, and a slot outside the series', () => {
    assert.throws(() => countDemand([], places, { from: START + 1, until: START + SLOT_MS }), { code: 'KOOBER_INVALID_ARGUMENT' })
    assert.throws(() => countDemand([], places, { from: START, until: START }), /empty demand range/)
    const demand = countDemand([], places, { from: START, until: START + SLOT_MS })
    assert.throws(() => demandAt(demand, 0, 1001), /no demand for place 0 in slot 1001/)
  })
})

describe('concatDemand', () => {
  it('joins a series with the one that follows it', () => {
    const first = countDemand([at(0, 0), at(1, 10)], places, { from: START, until: START + 2 * SLOT_MS })
    const second = countDemand([at(2, 10), at(2, 10)], places, { from: START + 2 * SLOT_MS, until: START + 3 * SLOT_MS })
    const joined = concatDemand(first, second)
    assert.deepEqual([...joined.counts], [1, 0, 0, 0, 1, 2])
    assert.throws(() => concatDemand(second, first), /do not follow each other/)
  })
})

describe('sliceDemand', () => {
  it('copies some slots of every place, and refuses slots the series does not hold', () => {
    const demand = countDemand([at(0, 0), at(1, 10), at(2, 0), at(2, 10), at(3, 10)], places, { from: START, until: START + 4 * SLOT_MS })
    const middle = sliceDemand(demand, 1001, 1003)
    assert.deepEqual(middle, { places: 2, fromSlot: 1001, slots: 2, counts: Float64Array.of(0, 1, 1, 1) })
    middle.counts[0] = 9
    assert.equal(demandAt(demand, 0, 1001), 0, 'a copy')
    assert.throws(() => sliceDemand(demand, 999, 1001), { code: 'KOOBER_INVALID_ARGUMENT' })
    assert.throws(() => sliceDemand(demand, 1003, 1005), /holds slots 1000–1003/)
    assert.throws(() => sliceDemand(demand, 1002, 1002), { code: 'KOOBER_INVALID_ARGUMENT' })
  })
})
