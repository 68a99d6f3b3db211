import type { FeatureMatrix } from '../types.js'

/**
 * Features bucketed into at most 256 quantile bins each, once per training
 * run, so a tree finds a node's best split by summing targets into one
 * histogram per feature (rows × features additions) instead of sorting the
 * node's rows per feature, as the exact CART of ml-cart does (measured: 146 s
 * for two trees on 20,000 rows × 30 features, where the forest here must
 * train 50 trees on 200,000 rows in seconds). The approach is LightGBM's and
 * XGBoost's `hist`.
 *
 * Bin b of feature f holds the values in (edges[f][b − 1], edges[f][b]]; the
 * last edge is +Infinity. A split "bin ≤ b" is thus exactly the split
 * "value ≤ edges[f][b]" on raw values, which is how a trained tree predicts.
 *
 * The bins of all features are numbered in one sequence (feature f's start
 * at offsets[f]), and each value is stored as that number: a tree adds a
 * row into a histogram of every feature at once without looking up where
 * each feature's bins begin (measured: 30 % faster than 8-bit bins plus an
 * offset per feature).
 */
export interface BinnedFeatures {
  rows: number
  /** Features per row. */
  width: number
  /** Row-major, like the feature matrix: row r, feature f falls in bin `bins[r * width + f] − offsets[f]` of its feature. */
  bins: Uint16Array | Uint32Array
  /** Where each feature's bins start in the one sequence; offsets[width] is the number of bins of all features. */
  offsets: Int32Array
  /** Per feature, the upper edge of each of its bins (length = its number of bins). */
  edges: Float64Array[]
}

/** Edges come from a sample of rows this large at most: quantiles settle long before that, and sorting every row of every column would cost more than the trees. */
const EDGE_SAMPLE_ROWS = 50_000

/**
 * Bins every feature of a (finite) matrix into at most `maxBins` bins.
 *
 * @example
 * ```ts
 * const binned = binFeatures({ rows: 3, columns: ['x'], data: Float64Array.of(1, 5, 9) }, 256)
 * binned.edges[0] // Float64Array [3, 7, Infinity]; binned.bins: [0, 1, 2]
 * ```
 */
export function binFeatures(features: FeatureMatrix, maxBins: number): BinnedFeatures {
  const { rows, data } = features
  const width = features.columns.length
  const sampleSize = Math.min(rows, EDGE_SAMPLE_ROWS)
  const sample = new Float64Array(sampleSize)
  const edges: Float64Array[] = []
  const offsets = new Int32Array(width + 1)
  for (let f = 0; f < width; f++) {
    // An even stride through the rows, so a sample is the same every run and spans the whole period.
    for (let i = 0; i < sampleSize; i++) sample[i] = data[Math.floor((i * rows) / sampleSize) * width + f]!
    sample.sort()
    edges.push(quantileEdges(sample, maxBins))
    offsets[f + 1] = offsets[f]! + edges[f]!.length
  }
  // 16 bits number the bins of up to 256 features of 256 bins.
  const bins = offsets[width]! <= 0xffff ? new Uint16Array(rows * width) : new Uint32Array(rows * width)
  // Row by row, as the matrix lies in memory (column by column would read it all once per feature).
  for (let r = 0; r < rows; r++) {
    const base = r * width
    for (let f = 0; f < width; f++) bins[base + f] = offsets[f]! + binOf(edges[f]!, data[base + f]!)
  }
  return { rows, width, bins, offsets, edges }
}

/**
 * Upper bin edges for sorted values: one bin per distinct value when they
 * are few enough, else bins of about equal counts, a value never split
 * across two bins (a feature that is 0 in most rows gets a bin of its own).
 * Edges sit midway between neighbouring distinct values.
 */
export function quantileEdges(sorted: Float64Array, maxBins: number): Float64Array {
  const distinct: number[] = []
  const counts: number[] = []
  for (let i = 0; i < sorted.length; i++) {
    const x = sorted[i]!
    if (distinct.length > 0 && distinct[distinct.length - 1] === x) counts[counts.length - 1]!++
    else {
      distinct.push(x)
      counts.push(1)
    }
  }
  const edges: number[] = []
  if (distinct.length <= maxBins) {
    for (let k = 0; k + 1 < distinct.length; k++) edges.push(between(distinct[k]!, distinct[k + 1]!))
  } else {
    let remaining = sorted.length
    let binsLeft = maxBins
    let inBin = 0
    for (let k = 0; k + 1 < distinct.length && binsLeft > 1; k++) {
      inBin += counts[k]!
      if (inBin >= remaining / binsLeft) {
        edges.push(between(distinct[k]!, distinct[k + 1]!))
        remaining -= inBin
        binsLeft--
        inBin = 0
      }
    }
  }
  edges.push(Infinity)
  return Float64Array.from(edges)
}

/** A threshold that puts `low` at or below it and `high` above it. */
function between(low: number, high: number): number {
  const mid = low + (high - low) / 2
  return mid < high ? mid : low
}

/**
 * The first bin whose upper edge is at or above x. A binary search of fixed
 * steps whose next half is chosen by arithmetic, not a branch: the branchy
 * search mispredicts about every other step (measured: four times slower
 * on 6 million values).
 */
export function binOf(edges: Float64Array, x: number): number {
  let lo = 0
  let length = edges.length
  while (length > 1) {
    const half = length >>> 1
    lo += half * +(x > edges[lo + half - 1]!)
    length -= half
  }
  return lo
}
