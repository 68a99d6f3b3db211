import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { binFeatures, binOf, quantileEdges } from './binning.js'
import { seededRandom } from './random.js'

describe('binning', () => {
  it('gives each of few distinct values its own bin, edges midway between them', () => {
    const binned = binFeatures({ rows: 5, columns: ['x', 'flag'], data: Float64Array.of(1, 0, 5, 1, 9, 0, 5, 1, 1, 1) }, 256)
    assert.deepEqual([...binned.edges[0]!], [3, 7, Infinity])
    assert.deepEqual([...binned.edges[1]!], [0.5, Infinity])
    // x's three bins are numbered 0–2, the flag's two 3–4.
    assert.deepEqual([...binned.offsets], [0, 3, 5])
    assert.deepEqual([...binned.bins], [0, 3, 1, 4, 2, 3, 1, 4, 0, 4])
  })

  it('cuts many values into at most maxBins bins of about equal counts, a heavy value in a bin of its own', () => {
    const random = seededRandom(4)
    // 60 % zeros (a quiet place's demand), the rest spread.
    const values = Float64Array.from({ length: 10_000 }, () => (random.next() < 0.6 ? 0 : random.next() * 100)).sort()
    const edges = quantileEdges(values, 16)
    assert.equal(edges.length, 16)
    assert.ok(edges[0]! > 0 && edges[0]! < 1e-2, `zeros alone in the first bin (edge ${edges[0]})`)
    const counts = new Array<number>(16).fill(0)
    for (const x of values) counts[binOf(edges, x)]!++
    assert.ok(counts[0]! > 5900)
    // The other 4,000 values share the 15 other bins: about 267 each.
    for (const count of counts.slice(1)) assert.ok(count > 180 && count < 360, `counts ${counts.join(', ')}`)
  })

  it('puts a value in the bin whose edges bracket it: above the previous edge, at or below its own', () => {
    const random = seededRandom(9)
    const data = Float64Array.from({ length: 3000 }, () => Math.round(random.next() * 1000) / 10)
    const { edges, bins } = binFeatures({ rows: 3000, columns: ['x'], data }, 32)
    const e = edges[0]!
    assert.ok(e.length <= 32)
    for (let r = 0; r < data.length; r++) {
      const b = bins[r]!
      assert.ok(data[r]! <= e[b]! && (b === 0 || data[r]! > e[b - 1]!), `row ${r}: ${data[r]} in bin ${b}`)
    }
    // Values beyond the sampled range still find a bin.
    assert.equal(binOf(e, -1e9), 0)
    assert.equal(binOf(e, 1e9), e.length - 1)
  })

  it('bins a single row and a constant column into one bin', () => {
    const binned = binFeatures({ rows: 1, columns: ['a', 'b'], data: Float64Array.of(3, -2) }, 256)
    assert.deepEqual(binned.edges.map((e) => [...e]), [[Infinity], [Infinity]])
    assert.deepEqual([...binned.bins], [0, 1])
  })
})
