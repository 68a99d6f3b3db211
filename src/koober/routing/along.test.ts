import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { distanceMeters } from '../geo.js'
import { arrived, pointAlong, remainingMeters, remainingRoute, routeLengthMeters, type Route } from './along.js'
import { streetRoute } from './street-route.js'

// Up 0.01° of latitude (about 1112 m), then east 0.01° of longitude (about 843 m at this latitude).
const ROUTE: Route = [
  [40.75, -73.98],
  [40.76, -73.98],
  [40.76, -73.97],
]
const LEG1 = distanceMeters({ lat: 40.75, lon: -73.98 }, { lat: 40.76, lon: -73.98 })
const LEG2 = distanceMeters({ lat: 40.76, lon: -73.98 }, { lat: 40.76, lon: -73.97 })
const close = (actual: number, expected: number, tolerance: number, what: string): void =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual}, expected ${expected} ± ${tolerance}`)

describe('routeLengthMeters', () => {
  it('adds up the legs', () => {
    close(routeLengthMeters(ROUTE), LEG1 + LEG2, 1e-9, 'length')
    close(LEG1, 1112, 1, 'first leg')
  })

  it('is 0 for no points or one', () => {
    assert.equal(routeLengthMeters([]), 0)
    assert.equal(routeLengthMeters([[40.75, -73.98]]), 0)
  })
})

describe('pointAlong', () => {
  it('is the start at 0 and before', () => {
    assert.deepEqual(pointAlong(ROUTE, 0), { lat: 40.75, lon: -73.98 })
    assert.deepEqual(pointAlong(ROUTE, -50), { lat: 40.75, lon: -73.98 })
  })

  it('is partway along the leg it is on', () => {
    const half = pointAlong(ROUTE, LEG1 / 2)
    close(half.lat, 40.755, 1e-9, 'lat')
    close(half.lon, -73.98, 1e-12, 'lon')
    const second = pointAlong(ROUTE, LEG1 + 300)
    close(second.lat, 40.76, 1e-12, 'lat')
    close(distanceMeters({ lat: 40.76, lon: -73.98 }, second), 300, 0.01, 'meters into the second leg')
  })

  it('is the corner at the first leg’s length', () => {
    const corner = pointAlong(ROUTE, LEG1)
    close(corner.lat, 40.76, 1e-12, 'lat')
    close(corner.lon, -73.98, 1e-12, 'lon')
  })

  it('is exactly the end at the length and past it', () => {
    assert.deepEqual(pointAlong(ROUTE, LEG1 + LEG2), { lat: 40.76, lon: -73.97 })
    assert.deepEqual(pointAlong(ROUTE, 1e6), { lat: 40.76, lon: -73.97 })
    assert.deepEqual(pointAlong(ROUTE, Infinity), { lat: 40.76, lon: -73.97 })
  })

  it('passes legs of zero length without dividing by zero', () => {
    const route: Route = [[40.75, -73.98], [40.75, -73.98], [40.76, -73.98], [40.76, -73.98]]
    for (const meters of [0, 1, LEG1 / 2, LEG1, LEG1 + 1]) {
      const { lat, lon } = pointAlong(route, meters)
      assert.ok(Number.isFinite(lat) && Number.isFinite(lon), `at ${meters} m`)
    }
  })

  it('is the only point of a one-point route', () => {
    assert.deepEqual(pointAlong([[40.75, -73.98]], 10), { lat: 40.75, lon: -73.98 })
  })

  it('refuses an empty route and NaN meters', () => {
    assert.throws(() => pointAlong([], 0), RangeError)
    assert.throws(() => pointAlong(ROUTE, NaN), RangeError)
  })
})

describe('remainingMeters and remainingRoute', () => {
  it('is the whole route at the start', () => {
    close(remainingMeters(ROUTE, 0), LEG1 + LEG2, 1e-9, 'remaining')
    assert.deepEqual(remainingRoute(ROUTE, 0), ROUTE)
  })

  it('is what is left from a point partway', () => {
    close(remainingMeters(ROUTE, 500), LEG1 + LEG2 - 500, 1e-9, 'remaining')
    const rest = remainingRoute(ROUTE, 500)
    assert.equal(rest.length, 3)
    assert.deepEqual(rest.slice(1), ROUTE.slice(1))
    close(routeLengthMeters(rest), LEG1 + LEG2 - 500, 0.01, 'the rest’s length')
  })

  it('starts at the corner, not twice, when the car is on it', () => {
    const rest = remainingRoute(ROUTE, LEG1)
    assert.equal(rest.length, 2)
    close(rest[0]![0], 40.76, 1e-12, 'lat')
  })

  it('is nothing past the end, and the car has arrived', () => {
    assert.equal(remainingMeters(ROUTE, 1e6), 0)
    assert.deepEqual(remainingRoute(ROUTE, 1e6), [[40.76, -73.97]])
    assert.equal(arrived(ROUTE, 1e6), true)
    assert.equal(arrived(ROUTE, 10), false)
  })
})

describe('driving a street route', () => {
  it('moves the car smoothly from the start to exactly the end', () => {
    const from = { lat: 40.7359, lon: -73.9911 }
    const to = { lat: 40.7681, lon: -73.9819 }
    const route = streetRoute(from, to)
    const step = 10 // m per tick: about 36 km/h for one second
    let driven = 0
    let previous = pointAlong(route, 0)
    assert.deepEqual(previous, from)
    while (!arrived(route, driven)) {
      driven += step
      const next = pointAlong(route, driven)
      // Within a leg the car moves linearly in degrees, which differs from great-circle meters by parts in 10⁵ in a city.
      assert.ok(distanceMeters(previous, next) <= step * (1 + 1e-4), `jumped ${distanceMeters(previous, next)} m at ${driven} m`)
      previous = next
    }
    assert.deepEqual(previous, to)
    assert.equal(remainingMeters(route, driven), 0)
  })
})
