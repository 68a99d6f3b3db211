import type { FeatureMatrix } from '../../types.js'
import { seededRandom, type SeededRandom } from '../random.js'

/**
 * Known synthetic signals with seeded noise, for the models' tests: a model
 * is right when it recovers what was put in.
 */

export interface Signal {
  features: FeatureMatrix
  targets: Float64Array
}

/** A standard normal draw (Box–Muller). */
export function gaussian(random: SeededRandom): number {
  return Math.sqrt(-2 * Math.log(1 - random.next())) * Math.cos(2 * Math.PI * random.next())
}

/**
 * y = intercept + Σ weights[c]·x[c] + noise·N(0, 1), column c uniform on [0, scales[c]).
 *
 * @example
 * ```ts
 * linearSignal({ rows: 1000, intercept: 3, weights: [2, -1], scales: [1, 100], noise: 0.1, seed: 1 })
 * ```
 */
export function linearSignal(o: { rows: number; intercept: number; weights: number[]; scales: number[]; noise: number; seed: number }): Signal {
  const random = seededRandom(o.seed)
  const width = o.weights.length
  const data = new Float64Array(o.rows * width)
  const targets = new Float64Array(o.rows)
  for (let r = 0; r < o.rows; r++) {
    let y = o.intercept
    for (let c = 0; c < width; c++) {
      const x = random.next() * o.scales[c]!
      data[r * width + c] = x
      y += o.weights[c]! * x
    }
    targets[r] = y + o.noise * gaussian(random)
  }
  return { features: { rows: o.rows, columns: o.weights.map((_, c) => `x${c}`), data }, targets }
}

/**
 * y = 10·[x0 > 0.5] + 5·x1·x2 + noise·N(0, 1): a step and an interaction,
 * which no linear model can fit, beside three columns of pure noise (x3–x5)
 * and a count-like column in [0, 200) (x6) that does not matter either.
 */
export function nonLinearSignal(rows: number, noise: number, seed: number): Signal {
  const random = seededRandom(seed)
  const width = 7
  const data = new Float64Array(rows * width)
  const targets = new Float64Array(rows)
  for (let r = 0; r < rows; r++) {
    const x = data.subarray(r * width, (r + 1) * width)
    for (let c = 0; c < 6; c++) x[c] = random.next()
    x[6] = Math.floor(random.next() * 200)
    targets[r] = 10 * (x[0]! > 0.5 ? 1 : 0) + 5 * x[1]! * x[2]! + noise * gaussian(random)
  }
  return { features: { rows, columns: Array.from({ length: width }, (_, c) => `x${c}`), data }, targets }
}

/** The root mean squared error of predictions against targets. */
export function rmse(predictions: Float64Array, targets: Float64Array): number {
  let squared = 0
  for (let i = 0; i < targets.length; i++) squared += (predictions[i]! - targets[i]!) ** 2
  return Math.sqrt(squared / targets.length)
}

/** The same matrix with its columns renamed or reordered, for the wrong-columns checks. */
export function withColumns(features: FeatureMatrix, columns: string[]): FeatureMatrix {
  return { ...features, columns }
}

/** A JSON round trip, as a saved model takes through the store. */
export function throughJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T
}
