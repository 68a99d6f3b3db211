import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { binFeatures } from './binning.js'
import { seededRandom } from './random.js'
import { growTree, predictTree, type FlatTree, type TreeGrowth } from './tree.js'

const plain: TreeGrowth = { maxDepth: 8, minSamplesLeaf: 1, featuresPerSplit: 2, l2: 0, shrinkage: 1 }
const all = (n: number): Uint32Array => Uint32Array.from({ length: n }, (_, i) => i)

function depth(tree: FlatTree, node = 0): number {
  return tree.feature[node]! < 0 ? 0 : 1 + Math.max(depth(tree, tree.left[node]!), depth(tree, tree.right[node]!))
}

describe('growTree', () => {
  // y = 4 where x0 > 2.5, else 1; x1 is noise the tree must not split on.
  const x0 = [0, 1, 2, 3, 4, 5]
  const x1 = [7, 3, 9, 1, 8, 2]
  const data = Float64Array.from(x0.flatMap((x, r) => [x, x1[r]!]))
  const features = { rows: 6, columns: ['x0', 'x1'], data }
  const targets = Float64Array.from(x0, (x) => (x > 2.5 ? 4 : 1))

  it('finds the split that separates a step exactly, at the midpoint between the rows it separates', () => {
    const tree = growTree(binFeatures(features, 256), targets, all(6), plain, seededRandom(1))
    assert.deepEqual([...tree.feature], [0, -1, -1])
    assert.deepEqual([...tree.threshold], [2.5, 0, 0])
    assert.deepEqual([...tree.value], [0, 1, 4])
    assert.deepEqual([0, 1, 2, 3, 4, 5].map((r) => predictTree(tree, data, r * 2)), [1, 1, 1, 4, 4, 4])
  })

  it('keeps leaves of at least minSamplesLeaf rows and stops at maxDepth', () => {
    const random = seededRandom(2)
    const n = 2000
    const wide = Float64Array.from({ length: n * 2 }, () => random.next())
    const y = Float64Array.from({ length: n }, (_, r) => Math.sin(10 * wide[r * 2]!) + wide[r * 2 + 1]!)
    const leafSizes: number[] = []
    const tree = growTree(binFeatures({ rows: n, columns: ['a', 'b'], data: wide }, 256), y, all(n), { ...plain, maxDepth: 5, minSamplesLeaf: 30 }, random, (start, end) => leafSizes.push(end - start))
    assert.ok(depth(tree) <= 5 && depth(tree) >= 4)
    assert.ok(Math.min(...leafSizes) >= 30)
    assert.equal(leafSizes.reduce((a, b) => a + b, 0), n)
  })

  it('reports each leaf\'s rows, which are the rows predictTree sends there, and children always follow their parent', () => {
    const random = seededRandom(3)
    const n = 500
    const wide = Float64Array.from({ length: n * 3 }, () => Math.floor(random.next() * 20))
    const y = Float64Array.from({ length: n }, (_, r) => wide[r * 3]! * wide[r * 3 + 2]!)
    const indices = all(n)
    const reached = new Float64Array(n)
    const tree = growTree(binFeatures({ rows: n, columns: ['a', 'b', 'c'], data: wide }, 256), y, indices, { ...plain, featuresPerSplit: 3 }, random, (start, end, value) => {
      for (let k = start; k < end; k++) reached[indices[k]!] = value
    })
    for (let r = 0; r < n; r++) assert.equal(predictTree(tree, wide, r * 3), reached[r])
    tree.feature.forEach((f, i) => {
      if (f >= 0) assert.ok(tree.left[i]! > i && tree.right[i]! > i)
    })
  })

  it('counts a weighted row as that many copies of it', () => {
    const weights = Float64Array.of(1, 3, 1, 2, 1, 1)
    const repeated = Uint32Array.of(0, 1, 1, 1, 2, 3, 3, 4, 5)
    const y = Float64Array.of(1, 2, 6, 4, 4, 9)
    const binned = binFeatures(features, 256)
    const growth = { ...plain, minSamplesLeaf: 2 }
    const weighted = growTree(binned, y, all(6), growth, seededRandom(5), undefined, weights)
    const copies = growTree(binned, y, repeated, growth, seededRandom(5))
    assert.deepEqual(weighted, copies)
  })

  it('gives constant targets a single leaf of that value, and shrinks leaf values with l2 and shrinkage', () => {
    const flat = growTree(binFeatures(features, 256), new Float64Array(6).fill(0), all(6), plain, seededRandom(1))
    assert.deepEqual([...flat.feature], [-1])
    const tree = growTree(binFeatures(features, 256), targets, all(6), { ...plain, l2: 1, shrinkage: 0.5 }, seededRandom(1))
    // Left leaf: 3 rows of 1 → 0.5 · 3/(3 + 1); right: 3 rows of 4 → 0.5 · 12/(3 + 1).
    assert.deepEqual([...tree.value], [0, 0.375, 1.5])
  })
})
