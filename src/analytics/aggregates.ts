import { DDSketch } from '@datadog/sketches-js'

/**
 * An incremental aggregate: an accumulator per (key, window) that takes one
 * value at a time, merges with another (session windows merge; partial
 * results combine), and gives a result. `save`/`load` turn an accumulator
 * into JSON and back, for checkpoints.
 */
export interface Aggregate<T, Acc, R> {
  create(): Acc
  add(acc: Acc, value: T): Acc
  merge(a: Acc, b: Acc): Acc
  result(acc: Acc): R
  save?(acc: Acc): unknown
  load?(saved: unknown): Acc
}

export function count<T>(): Aggregate<T, number, number> {
  return { create: () => 0, add: (acc) => acc + 1, merge: (a, b) => a + b, result: (acc) => acc }
}

export function sum<T>(of: (value: T) => number): Aggregate<T, number, number> {
  return { create: () => 0, add: (acc, value) => acc + of(value), merge: (a, b) => a + b, result: (acc) => acc }
}

/** The mean, or null for an empty window. */
export function avg<T>(of: (value: T) => number): Aggregate<T, { sum: number; count: number }, number | null> {
  return {
    create: () => ({ sum: 0, count: 0 }),
    add: (acc, value) => ((acc.sum += of(value)), acc.count++, acc),
    merge: (a, b) => ({ sum: a.sum + b.sum, count: a.count + b.count }),
    result: (acc) => (acc.count === 0 ? null : acc.sum / acc.count),
  }
}

export function min<T>(of: (value: T) => number): Aggregate<T, number, number | null> {
  return {
    create: () => Infinity,
    add: (acc, value) => Math.min(acc, of(value)),
    merge: (a, b) => Math.min(a, b),
    result: (acc) => (acc === Infinity ? null : acc),
    save: (acc) => (acc === Infinity ? null : acc),
    load: (saved) => (saved === null ? Infinity : (saved as number)),
  }
}

export function max<T>(of: (value: T) => number): Aggregate<T, number, number | null> {
  return {
    create: () => -Infinity,
    add: (acc, value) => Math.max(acc, of(value)),
    merge: (a, b) => Math.max(a, b),
    result: (acc) => (acc === -Infinity ? null : acc),
    save: (acc) => (acc === -Infinity ? null : acc),
    load: (saved) => (saved === null ? -Infinity : (saved as number)),
  }
}

/**
 * Quantiles through DDSketch (Datadog's mergeable sketch): each answer is
 * within `relativeAccuracy` (default 1%) of the true value at that rank,
 * in memory logarithmic in the range of values, and sketches of windows
 * or partitions merge exactly. Null for an empty window.
 *
 * @example
 * ```ts
 * quantiles((r: Ride) => r.waitSeconds, [0.5, 0.9]) // result: [median, p90]
 * ```
 */
export function quantiles<T>(of: (value: T) => number, qs: number[], relativeAccuracy = 0.01): Aggregate<T, DDSketch, number[] | null> {
  return {
    create: () => new DDSketch({ relativeAccuracy }),
    add: (acc, value) => (acc.accept(of(value)), acc),
    merge: (a, b) => (a.merge(b), a),
    result: (acc) => (acc.count === 0 ? null : qs.map((q) => acc.getValueAtQuantile(q))),
    save: (acc) => Buffer.from(acc.toProto()).toString('base64'),
    load: (saved) => DDSketch.fromProto(Buffer.from(saved as string, 'base64')),
  }
}

type Results<A> = { [K in keyof A]: A[K] extends Aggregate<never, unknown, infer R> ? R : never }

/**
 * Several aggregates over the same values at once, with one accumulator
 * each; the result is an object with the same names.
 *
 * @example
 * ```ts
 * combine({ rides: count(), wait: avg((r: Ride) => r.wait), p90: quantiles((r: Ride) => r.wait, [0.9]) })
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function combine<T, A extends Record<string, Aggregate<T, any, unknown>>>(aggregates: A): Aggregate<T, Record<string, unknown>, Results<A>> {
  const names = Object.keys(aggregates)
  const parts = names.map((name) => aggregates[name]!)
  return {
    create: () => Object.fromEntries(names.map((name, i) => [name, parts[i]!.create()])),
    add: (acc, value) => {
      for (let i = 0; i < names.length; i++) acc[names[i]!] = parts[i]!.add(acc[names[i]!], value)
      return acc
    },
    merge: (a, b) => Object.fromEntries(names.map((name, i) => [name, parts[i]!.merge(a[name], b[name])])),
    result: (acc) => Object.fromEntries(names.map((name, i) => [name, parts[i]!.result(acc[name])])) as Results<A>,
    save: (acc) => Object.fromEntries(names.map((name, i) => [name, parts[i]!.save ? parts[i]!.save!(acc[name]) : acc[name]])),
    load: (saved) => Object.fromEntries(names.map((name, i) => [name, parts[i]!.load ? parts[i]!.load!((saved as Record<string, unknown>)[name]) : (saved as Record<string, unknown>)[name]])),
  }
}
