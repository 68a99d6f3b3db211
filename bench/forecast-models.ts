/**
 * The forecasting regressors on a synthetic matrix shaped like the real
 * training set (200,000 rows × 30 features: places × half-hour slots over 16
 * days): seconds to train each with its default options, and predictions per
 * second, on one thread. On a shared machine the CPU seconds of training
 * (process.cpuUsage) are printed beside the wall-clock ones.
 *
 *   node --import tsx bench/forecast-models.ts [--quick] [--rows N] [--seed N]
 *
 * The features mix what the feature builder makes: uniform values, counts
 * like lagged demand (0–200), sine/cosine of the time of day, 0/1 weather
 * flags. The target is non-linear in them plus unit Gaussian noise, so a
 * model's held-out RMSE near 1 means it found the signal (printed as a
 * check that a fast model is also a right one). Predictions per second are
 * measured on the held-out rows, best of three. The baseline is linear
 * regression's prediction rate: a model that only reads each row once.
 * Progress goes to stderr; the last line of stdout is one JSON object.
 */
import { parseArgs } from 'node:util'
import { TRAINERS } from '../src/forecast/models/index.js'
import { seededRandom } from '../src/forecast/models/random.js'
import type { FeatureMatrix } from '../src/forecast/types.js'

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    rows: { type: 'string' },
    seed: { type: 'string', default: '42' },
  },
})
const rows = Number(args.rows ?? (args.quick ? 50_000 : 200_000))
const WIDTH = 30

function synthetic(n: number, seed: number): { features: FeatureMatrix; targets: Float64Array } {
  const random = seededRandom(seed)
  const gaussian = (): number => Math.sqrt(-2 * Math.log(1 - random.next())) * Math.cos(2 * Math.PI * random.next())
  const columns = Array.from({ length: WIDTH }, (_, c) => (c < 10 ? `u${c}` : c < 20 ? `lag_${c - 9}` : c < 26 ? `cycle_${c - 20}` : `flag_${c - 26}`))
  const data = new Float64Array(n * WIDTH)
  const targets = new Float64Array(n)
  for (let r = 0; r < n; r++) {
    const x = data.subarray(r * WIDTH, (r + 1) * WIDTH)
    const phase = random.next() * 2 * Math.PI
    for (let c = 0; c < WIDTH; c++) {
      x[c] = c < 10 ? random.next() : c < 20 ? Math.floor(random.next() * 200) : c < 26 ? Math.sin(phase * (1 + ((c - 20) >> 1)) + (c % 2) * (Math.PI / 2)) : random.next() < 0.2 ? 1 : 0
    }
    targets[r] = 10 * (x[0]! > 0.5 ? 1 : 0) + 5 * x[1]! * x[2]! + 0.05 * x[10]! + 0.02 * x[11]! * x[26]! + 3 * x[20]! + gaussian()
  }
  return { features: { rows: n, columns, data }, targets }
}

const train = synthetic(rows, Number(args.seed))
const test = synthetic(Math.min(rows, 100_000), Number(args.seed) + 1)
const trainSeconds: Record<string, number> = {}
const trainCpuSeconds: Record<string, number> = {}
const predictionsPerS: Record<string, number> = {}
const testRmse: Record<string, number> = {}
for (const name of ['linear', 'ridge', 'random_forest', 'gbt']) {
  process.stderr.write(`${name}: training on ${rows} × ${WIDTH}... `)
  const started = performance.now()
  const cpu = process.cpuUsage()
  const model = TRAINERS[name]!.train(train.features, train.targets)
  const used = process.cpuUsage(cpu)
  trainSeconds[name] = round((performance.now() - started) / 1000, 2)
  trainCpuSeconds[name] = round((used.user + used.system) / 1e6, 2)
  let best = Infinity
  let predictions: Float64Array = new Float64Array(0)
  for (let i = 0; i < 3; i++) {
    const t = performance.now()
    predictions = model.predict(test.features)
    best = Math.min(best, (performance.now() - t) / 1000)
  }
  predictionsPerS[name] = Math.round(test.features.rows / best)
  let squared = 0
  for (let r = 0; r < predictions.length; r++) squared += (predictions[r]! - test.targets[r]!) ** 2
  testRmse[name] = round(Math.sqrt(squared / predictions.length), 3)
  process.stderr.write(`${trainSeconds[name]} s (${trainCpuSeconds[name]} s of CPU), ${predictionsPerS[name]} predictions/s, held-out RMSE ${testRmse[name]} (noise 1)\n`)
}
const total = round(Object.values(trainSeconds).reduce((a, b) => a + b, 0), 2)
process.stderr.write(`goals: all four under 60 s (${total} s); forest and boosting well under 20 s each; linear and ridge under 2 s\n`)
console.log(JSON.stringify({
  bench: 'forecast-models',
  rows,
  columns: WIDTH,
  train_seconds: trainSeconds,
  train_seconds_total: total,
  train_cpu_seconds: trainCpuSeconds,
  predictions_per_s: predictionsPerS,
  test_rmse: testRmse,
  baseline: 'linear predictions_per_s',
  tree_prediction_ratio: { random_forest: round(predictionsPerS.random_forest! / predictionsPerS.linear!, 3), gbt: round(predictionsPerS.gbt! / predictionsPerS.linear!, 3) },
}))

function round(x: number, digits: number): number {
  const f = 10 ** digits
  return Math.round(x * f) / f
}
