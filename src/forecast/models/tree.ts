import type { BinnedFeatures } from './binning.js'
import type { SeededRandom } from './random.js'

/**
 * Regression trees grown on binned features with per-node histograms,
 * shared by the random forest and gradient boosting (see binning.ts for why
 * not ml-cart). A node's histogram holds, per feature and bin, the sum of
 * the targets and the number of rows; its best split is one scan over it.
 * Only the smaller child's histogram is summed from its rows: the larger
 * child's is the parent's minus it, so each level costs at most half the
 * rows. Rows are never copied: a node is a range of one index array, which
 * each split partitions stably, so a node's rows stay in increasing order
 * and summing them reads the features and targets front to back (measured:
 * three times faster than the same rows in random order, on a busy machine).
 * Rows may carry weights (a bootstrap sample's repeat counts), which count
 * as that many copies of the row.
 *
 * Splits maximise the squared-loss gain sumL²/(nL+λ) + sumR²/(nR+λ) − sum²/(n+λ)
 * (variance reduction when λ = 0); a leaf predicts shrinkage × sum/(n+λ).
 */
export interface TreeGrowth {
  maxDepth: number
  minSamplesLeaf: number
  /** Features each split chooses from, drawn afresh per node (the forest's feature subsampling); the row width means all. */
  featuresPerSplit: number
  /** L2 penalty on leaf values (boosting's λ); 0 for plain means. */
  l2: number
  /** Multiplies every leaf value (boosting's learning rate); 1 for plain means. */
  shrinkage: number
}

/**
 * A tree as flat arrays, nodes in preorder (a child's index is always above
 * its parent's). An inner node sends a row left when `row[feature] <= threshold`;
 * a leaf has feature −1 and predicts `value`.
 */
export interface FlatTree {
  feature: Int32Array
  threshold: Float64Array
  left: Int32Array
  right: Int32Array
  value: Float64Array
}

/**
 * Grows one tree on the rows listed in `indices` (best in increasing
 * order), fitting `targets`, each row counting `weights[row]` times when
 * weights are given. `indices` is reordered. `onLeaf` hears, for each leaf,
 * the range of `indices` that ended in it and its value (boosting updates
 * its running predictions with it).
 *
 * @example
 * ```ts
 * const tree = growTree(binFeatures(features, 256), targets, indices, { maxDepth: 6, minSamplesLeaf: 20, featuresPerSplit: width, l2: 0, shrinkage: 1 }, seededRandom(1))
 * predictTree(tree, features.data, 0) // the first row's value
 * ```
 */
export function growTree(
  binned: BinnedFeatures,
  targets: Float64Array,
  indices: Uint32Array,
  growth: TreeGrowth,
  random: SeededRandom,
  onLeaf?: (start: number, end: number, value: number) => void,
  weights?: Float64Array,
): FlatTree {
  const { bins, edges, offsets, width } = binned
  const { maxDepth, minSamplesLeaf, l2, shrinkage } = growth
  const featuresPerSplit = Math.min(width, growth.featuresPerSplit)
  // A histogram holds a (sum, count) pair per bin, the bins of all features in one sequence.
  const pool = new HistogramPool(2 * offsets[width]!)
  const order = Int32Array.from({ length: width }, (_, f) => f)
  const tree = new TreeBuilder()

  const scratch = new Uint32Array(indices.length)

  const fill = (histogram: Float64Array, start: number, end: number): void => {
    histogram.fill(0)
    if (weights) {
      for (let k = start; k < end; k++) {
        const row = indices[k]!
        const weight = weights[row]!
        const target = targets[row]! * weight
        const last = row * width + width
        for (let i = row * width; i < last; i++) {
          const o = bins[i]! << 1
          histogram[o] = histogram[o]! + target
          histogram[o + 1] = histogram[o + 1]! + weight
        }
      }
      return
    }
    for (let k = start; k < end; k++) {
      const row = indices[k]!
      const target = targets[row]!
      const last = row * width + width
      for (let i = row * width; i < last; i++) {
        const o = bins[i]! << 1
        histogram[o] = histogram[o]! + target
        histogram[o + 1] = histogram[o + 1]! + 1
      }
    }
  }

  /** Moves the rows going left to the front of [start, end), both sides keeping their order; returns where the right side starts. */
  const partition = (start: number, end: number, feature: number, bin: number): number => {
    const last = offsets[feature]! + bin
    let kept = start
    let moved = 0
    for (let k = start; k < end; k++) {
      const row = indices[k]!
      if (bins[row * width + feature]! <= last) indices[kept++] = row
      else scratch[moved++] = row
    }
    indices.set(scratch.subarray(0, moved), kept)
    return kept
  }
  const splittable = (count: number, depth: number): boolean => depth < maxDepth && count >= 2 * minSamplesLeaf

  let bestFeature = -1
  let bestBin = 0
  let bestLeftSum = 0
  let bestLeftCount = 0
  const findSplit = (histogram: Float64Array, sum: number, count: number): boolean => {
    if (featuresPerSplit < width) {
      for (let k = 0; k < featuresPerSplit; k++) {
        const j = k + random.below(width - k)
        const swap = order[k]!
        order[k] = order[j]!
        order[j] = swap
      }
    }
    const parentScore = (sum * sum) / (count + l2)
    let bestGain = 0
    bestFeature = -1
    for (let k = 0; k < featuresPerSplit; k++) {
      const f = order[k]!
      const from = offsets[f]!
      const lastBin = offsets[f + 1]! - 1
      let leftSum = 0
      let leftCount = 0
      for (let b = from; b < lastBin; b++) {
        leftSum += histogram[b << 1]!
        leftCount += histogram[(b << 1) + 1]!
        if (leftCount < minSamplesLeaf) continue
        const rightCount = count - leftCount
        if (rightCount < minSamplesLeaf) break
        const rightSum = sum - leftSum
        const gain = (leftSum * leftSum) / (leftCount + l2) + (rightSum * rightSum) / (rightCount + l2) - parentScore
        if (gain > bestGain) {
          bestGain = gain
          bestFeature = f
          bestBin = b - from
          bestLeftSum = leftSum
          bestLeftCount = leftCount
        }
      }
    }
    return bestFeature >= 0
  }

  const leaf = (node: number, start: number, end: number, sum: number, count: number): void => {
    const value = (shrinkage * sum) / (count + l2)
    tree.setLeaf(node, value)
    onLeaf?.(start, end, value)
  }

  // Depth-first over the rows [start, end) of weighted count `count`; `histogram` is this node's (undefined when it cannot split), released once used.
  const grow = (start: number, end: number, depth: number, sum: number, count: number, histogram: Float64Array | undefined): number => {
    const node = tree.add()
    if (histogram === undefined || !findSplit(histogram, sum, count)) {
      if (histogram) pool.release(histogram)
      leaf(node, start, end, sum, count)
      return node
    }
    const feature = bestFeature
    const bin = bestBin
    const leftSum = bestLeftSum
    const leftCount = bestLeftCount
    const rightCount = count - leftCount
    const i = partition(start, end, feature, bin)
    // The smaller side by rows to sum over, whatever their weights.
    const leftSmaller = i - start <= end - i
    const smallNeeds = splittable(leftSmaller ? leftCount : rightCount, depth + 1)
    const largeNeeds = splittable(leftSmaller ? rightCount : leftCount, depth + 1)
    let small: Float64Array | undefined
    let large: Float64Array | undefined
    if (smallNeeds || largeNeeds) {
      small = pool.acquire()
      if (leftSmaller) fill(small, start, i)
      else fill(small, i, end)
      if (largeNeeds) {
        for (let k = 0; k < histogram.length; k++) histogram[k] = histogram[k]! - small[k]!
        large = histogram
      } else pool.release(histogram)
      if (!smallNeeds) {
        pool.release(small)
        small = undefined
      }
    } else pool.release(histogram)
    const left = grow(start, i, depth + 1, leftSum, leftCount, leftSmaller ? small : large)
    const right = grow(i, end, depth + 1, sum - leftSum, rightCount, leftSmaller ? large : small)
    tree.setSplit(node, feature, edges[feature]![bin]!, left, right)
    return node
  }

  let sum = 0
  let count = 0
  for (let k = 0; k < indices.length; k++) {
    const row = indices[k]!
    const weight = weights ? weights[row]! : 1
    sum += targets[row]! * weight
    count += weight
  }
  let root: Float64Array | undefined
  if (splittable(count, 0)) fill((root = pool.acquire()), 0, indices.length)
  grow(0, indices.length, 0, sum, count, root)
  return tree.build()
}

/** The value a tree gives the row of `data` that starts at `base` (row-major, raw features). */
export function predictTree(tree: FlatTree, data: Float64Array, base: number): number {
  const { feature, threshold, left, right, value } = tree
  let node = 0
  let f = feature[0]!
  while (f >= 0) {
    node = data[base + f]! <= threshold[node]! ? left[node]! : right[node]!
    f = feature[node]!
  }
  return value[node]!
}

/** Histograms of one size, reused across the nodes of a tree (a depth-first tree holds about depth + 2 at once). */
class HistogramPool {
  private readonly free: Float64Array[] = []
  constructor(private readonly size: number) {}
  acquire(): Float64Array {
    return this.free.pop() ?? new Float64Array(this.size)
  }
  release(histogram: Float64Array): void {
    this.free.push(histogram)
  }
}

/** Flat node arrays that grow as nodes are added. */
class TreeBuilder {
  private size = 0
  private feature = new Int32Array(64)
  private threshold = new Float64Array(64)
  private left = new Int32Array(64)
  private right = new Int32Array(64)
  private value = new Float64Array(64)

  add(): number {
    if (this.size === this.feature.length) {
      const grow = <T extends Int32Array | Float64Array>(a: T): T => {
        const bigger = new (a.constructor as new (n: number) => T)(a.length * 2)
        bigger.set(a)
        return bigger
      }
      this.feature = grow(this.feature)
      this.threshold = grow(this.threshold)
      this.left = grow(this.left)
      this.right = grow(this.right)
      this.value = grow(this.value)
    }
    return this.size++
  }

  setLeaf(node: number, value: number): void {
    this.feature[node] = -1
    this.left[node] = -1
    this.right[node] = -1
    this.value[node] = value
  }

  setSplit(node: number, feature: number, threshold: number, left: number, right: number): void {
    this.feature[node] = feature
    this.threshold[node] = threshold
    this.left[node] = left
    this.right[node] = right
  }

  build(): FlatTree {
    const n = this.size
    return {
      feature: this.feature.slice(0, n),
      threshold: this.threshold.slice(0, n),
      left: this.left.slice(0, n),
      right: this.right.slice(0, n),
      value: this.value.slice(0, n),
    }
  }
}
