import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { distanceMeters } from '../geo.js'
import type { LatLon } from '../protocol.js'
import { routeLengthMeters } from './along.js'
import { AVENUE_SPACING_M, GRID_BEARING_DEGREES, STREET_SPACING_M, streetRoute } from './street-route.js'

/** Typical Manhattan trips, short to long, in all four quadrants of the grid. */
const TRIPS: Array<[string, LatLon, LatLon]> = [
  ['Times Square to Grand Central', { lat: 40.758, lon: -73.9855 }, { lat: 40.7527, lon: -73.9772 }],
  ['Union Square to Columbus Circle', { lat: 40.7359, lon: -73.9911 }, { lat: 40.7681, lon: -73.9819 }],
  ['Columbus Circle to Union Square', { lat: 40.7681, lon: -73.9819 }, { lat: 40.7359, lon: -73.9911 }],
  ['West Village to East Village', { lat: 40.7358, lon: -74.0036 }, { lat: 40.7265, lon: -73.9815 }],
  ['Harlem to the Upper East Side', { lat: 40.8116, lon: -73.9465 }, { lat: 40.7736, lon: -73.9566 }],
  ['Battery Park to Inwood', { lat: 40.7033, lon: -74.017 }, { lat: 40.8677, lon: -73.9212 }],
  ['Chelsea to Murray Hill', { lat: 40.7465, lon: -74.0014 }, { lat: 40.7479, lon: -73.9757 }],
  ['one block', { lat: 40.758, lon: -73.9855 }, { lat: 40.7587, lon: -73.985 }],
]

/** Meters east and north of `origin`, flat (the test's own projection). */
function local(origin: LatLon, refLat: number, [lat, lon]: [number, number]): { x: number; y: number } {
  const m = (Math.PI / 180) * 6_371_008.8
  return { x: (lon - origin.lon) * m * Math.cos((refLat * Math.PI) / 180), y: (lat - origin.lat) * m }
}

/** Each leg's bearing folded into [0, 180) (a leg and its reverse run along the same line) and length, meters. */
function legs(from: LatLon, to: LatLon, route: Array<[number, number]>): Array<{ bearing: number; meters: number }> {
  const refLat = (from.lat + to.lat) / 2
  return route.slice(1).map((point, i) => {
    const a = local(from, refLat, route[i]!)
    const b = local(from, refLat, point)
    const bearing = (((Math.atan2(b.x - a.x, b.y - a.y) * 180) / Math.PI) % 180 + 180) % 180
    return { bearing, meters: Math.hypot(b.x - a.x, b.y - a.y) }
  })
}

const AVENUE = GRID_BEARING_DEGREES
const STREET = GRID_BEARING_DEGREES + 90
const along = (bearing: number, direction: number): boolean => Math.abs(bearing - direction) < 1e-6

describe('streetRoute', () => {
  for (const [name, from, to] of TRIPS) {
    describe(name, () => {
      const route = streetRoute(from, to)

      it('starts exactly at from and ends exactly at to', () => {
        assert.deepEqual(route[0], [from.lat, from.lon])
        assert.deepEqual(route.at(-1), [to.lat, to.lon])
      })

      it('drives only along the avenues and the streets, turning at every point', () => {
        const found = legs(from, to, route)
        for (const { bearing, meters } of found) {
          assert.ok(along(bearing, AVENUE) || along(bearing, STREET), `a leg of ${meters.toFixed(1)} m at ${bearing.toFixed(4)}° is off the grid`)
          assert.ok(meters > 0.01, 'no zero-length legs')
        }
        for (let i = 1; i < found.length; i++) {
          assert.notEqual(along(found[i]!.bearing, AVENUE), along(found[i - 1]!.bearing, AVENUE), `legs ${i - 1} and ${i} go the same way: no turn`)
        }
      })

      it('turns at whole blocks until the last two legs', () => {
        for (const { bearing, meters } of legs(from, to, route).slice(0, -2)) {
          const block = along(bearing, AVENUE) ? STREET_SPACING_M : AVENUE_SPACING_M
          const blocks = meters / block
          assert.ok(Math.abs(blocks - Math.round(blocks)) < 1e-6 && blocks >= 0.999, `a leg of ${meters} m is not whole ${block} m blocks`)
        }
      })

      it('is no shorter than the straight line and at most 1.5 times it', () => {
        const straight = distanceMeters(from, to)
        const length = routeLengthMeters(route)
        assert.ok(length >= straight * (1 - 1e-9), `${length} m < straight ${straight} m`)
        assert.ok(length <= straight * 1.5, `${length} m > 1.5 × straight ${straight} m`)
      })

      it('has a few points, not hundreds', () => {
        assert.ok(route.length >= 2 && route.length <= 17, `${route.length} points`)
      })

      it('is the same every time', () => {
        assert.deepEqual(streetRoute(from, to), route)
      })
    })
  }

  it('is one leg for a trip straight up an avenue', () => {
    const from = { lat: 40.758, lon: -73.9855 }
    const meters = 1000
    const rad = (GRID_BEARING_DEGREES * Math.PI) / 180
    const m = (Math.PI / 180) * 6_371_008.8
    const lat = from.lat + (meters * Math.cos(rad)) / m
    // Longitudes scale at the trip's mean latitude, as streetRoute reckons them.
    const to = { lat, lon: from.lon + (meters * Math.sin(rad)) / (m * Math.cos((((from.lat + lat) / 2) * Math.PI) / 180)) }
    const route = streetRoute(from, to)
    assert.equal(route.length, 2)
    assert.ok(Math.abs(routeLengthMeters(route) - meters) < 1)
  })

  it('is the start twice for a trip to where it starts', () => {
    const here = { lat: 40.758, lon: -73.9855 }
    assert.deepEqual(streetRoute(here, here), [
      [40.758, -73.9855],
      [40.758, -73.9855],
    ])
  })

  it('stays a few legs for a trip across the whole city', () => {
    const route = streetRoute({ lat: 40.58, lon: -74.15 }, { lat: 40.9, lon: -73.7 })
    assert.ok(route.length <= 17, `${route.length} points`)
    assert.ok(routeLengthMeters(route) <= distanceMeters({ lat: 40.58, lon: -74.15 }, { lat: 40.9, lon: -73.7 }) * Math.SQRT2 * (1 + 1e-6))
  })
})
