import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { seededRandom } from './models/random.js'
import { fitPlaces, loadPlaces, parsePlacesSpec } from './places.js'

/** Points around given centres, each within ±0.005° (about 500 m) of its centre. */
function clustered(centres: Array<[number, number]>, perCentre: number, seed: number): Array<{ lat: number; lng: number }> {
  const random = seededRandom(seed)
  const points: Array<{ lat: number; lng: number }> = []
  for (let i = 0; i < perCentre; i++) {
    for (const [lat, lng] of centres) points.push({ lat: lat + (random.next() - 0.5) * 0.01, lng: lng + (random.next() - 0.5) * 0.01 })
  }
  return points
}

const CENTRES: Array<[number, number]> = [
  [40.7, -74.0],
  [40.8, -73.9],
  [40.6, -73.8],
  [40.75, -73.75],
  [40.65, -74.05],
]

describe('k-means places', () => {
  it('find well-separated clusters: one centre per cluster, every point placed with its own', () => {
    const points = clustered(CENTRES, 400, 7)
    const places = fitPlaces({ kind: 'kmeans', k: CENTRES.length }, points, { seed: 3 })
    assert.equal(places.count, 5)
    const found = CENTRES.map(([lat, lng]) => places.placeOf(lat, lng))
    assert.equal(new Set(found).size, 5, 'each true centre has a place of its own')
    for (const [c, [lat, lng]] of CENTRES.entries()) {
      const centre = places.centre(found[c]!)
      assert.ok(Math.abs(centre.lat - lat) < 0.002 && Math.abs(centre.lng - lng) < 0.002, `centre ${JSON.stringify(centre)} near ${lat}, ${lng}`)
    }
    points.forEach((p, i) => assert.equal(places.placeOf(p.lat, p.lng), found[i % CENTRES.length]))
  })

  it('are the same for the same points and seed', () => {
    const points = clustered(CENTRES, 100, 1)
    const a = fitPlaces({ kind: 'kmeans', k: 8 }, points, { seed: 5 }).save()
    const b = fitPlaces({ kind: 'kmeans', k: 8 }, points, { seed: 5 }).save()
    assert.deepEqual(a, b)
  })

  it('refuses more places than points', () => {
    assert.throws(() => fitPlaces({ kind: 'kmeans', k: 3 }, [{ lat: 40, lng: -74 }]), { code: 'KOOBER_INVALID_ARGUMENT' })
    assert.throws(() => fitPlaces({ kind: 'kmeans', k: 2 }, [{ lat: 40, lng: -74 }, { lat: 40, lng: -74 }, { lat: 40, lng: -74 }]), /only 1 distinct/)
  })
})

describe('grid places', () => {
  it('number cells row-major from the south-west, over the trimmed box of the points', () => {
    // A 10×10 lattice over lat 40.0–40.9 and lng -74.0 to -73.1 (cell centres), plus one far point the trim ignores.
    const points = []
    for (let r = 0; r < 10; r++) for (let c = 0; c < 10; c++) for (let copy = 0; copy < 3; copy++) points.push({ lat: 40 + r * 0.1, lng: -74 + c * 0.1 })
    points.push({ lat: 42.1, lng: -72.1 })
    const places = fitPlaces({ kind: 'grid', n: 2 }, points)
    assert.equal(places.count, 4)
    assert.equal(places.placeOf(40.1, -73.9), 0) // south-west
    assert.equal(places.placeOf(40.1, -73.2), 1) // south-east
    assert.equal(places.placeOf(40.8, -73.9), 2) // north-west
    assert.equal(places.placeOf(40.8, -73.2), 3) // north-east
    assert.equal(places.placeOf(45, -70), 3, 'a point beyond the box goes to the nearest edge cell')
    assert.equal(places.placeOf(30, -80), 0)
    const centre = places.centre(0)
    assert.ok(Math.abs(centre.lat - 40.225) < 1e-9 && Math.abs(centre.lng - -73.775) < 1e-9, JSON.stringify(centre))
  })
})

describe('saved places', () => {
  it('load back as plain JSON and place points as before', () => {
    const points = clustered(CENTRES, 50, 2)
    for (const spec of [parsePlacesSpec('kmeans:5'), parsePlacesSpec('grid:4')]) {
      const places = fitPlaces(spec, points)
      const copy = loadPlaces(JSON.parse(JSON.stringify(places.save())))
      assert.equal(copy.count, places.count)
      assert.deepEqual(copy.save(), places.save())
      for (const p of points) assert.equal(copy.placeOf(p.lat, p.lng), places.placeOf(p.lat, p.lng))
    }
  })

  it('refuse anything else', () => {
    assert.throws(() => loadPlaces(null), /kind "kmeans" or "grid"/)
    assert.throws(() => loadPlaces({ kind: 'kmeans', lngScale: 0.75, centres: [[40, 'x']] }), { code: 'KOOBER_INVALID_ARGUMENT' })
    assert.throws(() => loadPlaces({ kind: 'grid', n: 2, south: 41, west: -74, north: 40, east: -73 }), /north > south/)
  })
})

describe('parsePlacesSpec', () => {
  it('reads kmeans:K and grid:N', () => {
    assert.deepEqual(parsePlacesSpec('kmeans:200'), { kind: 'kmeans', k: 200 })
    assert.deepEqual(parsePlacesSpec('grid:20'), { kind: 'grid', n: 20 })
  })

  it('refuses anything else with a clear error', () => {
    assert.throws(() => parsePlacesSpec('kmeans'), /kmeans:K or grid:N/)
    assert.throws(() => parsePlacesSpec('hex:5'), /kmeans:K or grid:N/)
    assert.throws(() => parsePlacesSpec('kmeans:0'), /K from 1/)
    assert.throws(() => parsePlacesSpec('grid:1000'), /N from 1 to 100/)
  })
})
