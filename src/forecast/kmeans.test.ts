import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { kmeans2d } from './kmeans.js'
import { seededRandom } from './models/random.js'

describe('kmeans2d', () => {
  it('ends at a fixed point of Lloyd: every point with its nearest centre, every centre the mean of its points', () => {
    // Hamerly's bounds skip distance computations; this checks they never skip a point that should move.
    const random = seededRandom(5)
    const n = 3000
    const xs = Float64Array.from({ length: n }, () => random.next() * 10)
    const ys = Float64Array.from({ length: n }, () => random.next() * 10 + (random.next() < 0.3 ? 20 : 0))
    const k = 12
    const { centres, assignments, iterations } = kmeans2d(xs, ys, { k, seed: 2, tolerance: 0, maxIterations: 500 })
    assert.ok(iterations < 500, 'converged')
    const sums = new Float64Array(3 * k)
    for (let i = 0; i < n; i++) {
      let nearest = 0
      for (let c = 1; c < k; c++) {
        const d = (xs[i]! - centres[2 * c]!) ** 2 + (ys[i]! - centres[2 * c + 1]!) ** 2
        if (d < (xs[i]! - centres[2 * nearest]!) ** 2 + (ys[i]! - centres[2 * nearest + 1]!) ** 2) nearest = c
      }
      assert.equal(assignments[i], nearest, `point ${i}`)
      sums[3 * nearest]! += xs[i]!
      sums[3 * nearest + 1]! += ys[i]!
      sums[3 * nearest + 2]! += 1
    }
    for (let c = 0; c < k; c++) {
      assert.ok(sums[3 * c + 2]! > 0, `centre ${c} has points`)
      assert.ok(Math.abs(sums[3 * c]! / sums[3 * c + 2]! - centres[2 * c]!) < 1e-9)
      assert.ok(Math.abs(sums[3 * c + 1]! / sums[3 * c + 2]! - centres[2 * c + 1]!) < 1e-9)
    }
  })

  it('refuses bad k and mismatched coordinates', () => {
    assert.throws(() => kmeans2d(Float64Array.of(1, 2), Float64Array.of(1, 2), { k: 0 }), /k ≥ 1/)
    assert.throws(() => kmeans2d(Float64Array.of(1, 2), Float64Array.of(1), { k: 1 }), /as many ys as xs/)
  })
})
