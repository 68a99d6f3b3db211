import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { cellsIn, distanceMeters } from '../geo.js'
import { socketUrl } from './connection.js'
import { boundsAround, contains, MANHATTAN, randomDestination, randomPointIn, wander } from './places.js'
import { Random } from './random.js'

describe('Random', () => {
  it('repeats itself for a seed, and forks streams that do not depend on what the parent drew', () => {
    const draw = (random: Random): number[] => Array.from({ length: 5 }, () => random.next())
    assert.deepEqual(draw(new Random(42)), draw(new Random(42)))
    assert.notDeepEqual(draw(new Random(42)), draw(new Random(43)))
    const parent = new Random(42)
    const early = draw(parent.fork(7))
    draw(parent)
    assert.deepEqual(draw(parent.fork(7)), early)
    assert.notDeepEqual(draw(parent.fork(8)), early)
    const values = draw(new Random(1)).concat(Array.from({ length: 1000 }, (_, i) => new Random(i).next()))
    assert.ok(values.every((x) => x >= 0 && x < 1))
    const mean = values.reduce((a, b) => a + b, 0) / values.length
    assert.ok(Math.abs(mean - 0.5) < 0.05, `mean ${mean}`)
  })

  it('draws Poisson waiting times with the asked mean', () => {
    const random = new Random(3)
    const perMs = 1 / 250
    const n = 20_000
    let sum = 0
    for (let i = 0; i < n; i++) sum += random.exponential(perMs)
    assert.ok(Math.abs(sum / n - 250) < 10, `mean ${sum / n}`)
  })
})

describe('places', () => {
  it('puts riders in Manhattan and their destinations 1 to 5 km away', () => {
    const random = new Random(9)
    for (let i = 0; i < 500; i++) {
      const from = randomPointIn(MANHATTAN, random)
      assert.ok(contains(MANHATTAN, from))
      const to = randomDestination(from, random, MANHATTAN)
      const meters = distanceMeters(from, to)
      assert.ok(meters >= 990 && meters <= 5010, `${meters} m`)
    }
  })

  it('keeps wandering drivers inside the area', () => {
    const random = new Random(4)
    let at = { lat: MANHATTAN.north, lon: MANHATTAN.west }
    for (let i = 0; i < 2000; i++) {
      const next = wander(at, random, MANHATTAN, 150)
      assert.ok(distanceMeters(at, next) <= 151)
      at = next
      if (i > 10) assert.ok(contains(MANHATTAN, at), JSON.stringify(at))
    }
  })

  it('makes views the server accepts', () => {
    const view = boundsAround({ lat: 40.758, lon: -73.9855 }, 1500)
    const cells = cellsIn(view)
    assert.ok(cells && cells.length <= 20, `${cells?.length} cells`)
    assert.ok(Math.abs(distanceMeters({ lat: view.south, lon: -73.98 }, { lat: view.north, lon: -73.98 }) - 3000) < 5)
  })
})

describe('socketUrl', () => {
  it('turns the server address into a role endpoint', () => {
    assert.equal(socketUrl('http://127.0.0.1:8080', 'driver'), 'ws://127.0.0.1:8080/ws/driver')
    assert.equal(socketUrl('https://koober.example/some/page?x=1', 'rider'), 'wss://koober.example/ws/rider')
    assert.equal(socketUrl('ws://[::1]:9000', 'rider'), 'ws://[::1]:9000/ws/rider')
    assert.throws(() => socketUrl('ftp://x', 'rider'), /not an http\(s\) or ws\(s\) URL/)
  })
})
