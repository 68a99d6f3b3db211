/**
 * A seeded pseudo-random generator, so a simulation run can be repeated.
 * Each simulated person draws from a stream of their own (`fork`), so what
 * one of them does never depends on how the network interleaved the others.
 *
 * @example
 * ```ts
 * const random = new Random(42)
 * const rider = random.fork(7) // the same numbers for rider 7 in every run with seed 42
 * rider.between(40.70, 40.80)
 * ```
 */
export class Random {
  private state: number
  private readonly seed: number

  constructor(seed: number) {
    this.seed = seed >>> 0
    this.state = mix(this.seed) || 0x9e3779b9
  }

  /** A number in [0, 1) (mulberry32: fast, small, good enough for a simulation). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) | 0)
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  /** A number in [min, max). */
  between(min: number, max: number): number {
    return min + (max - min) * this.next()
  }

  /** A whole number in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor((max - min + 1) * this.next())
  }

  /** A waiting time of a Poisson process with `perMs` events per millisecond on average. */
  exponential(perMs: number): number {
    return -Math.log(1 - this.next()) / perMs
  }

  /** An independent stream, the same for the same parent seed and label (however much the parent has drawn). */
  fork(label: number): Random {
    return new Random(mix((mix(this.seed) + Math.imul(label >>> 0, 0x27d4eb2f)) >>> 0))
  }
}

/** murmur3's finalizer: spreads nearby seeds (1, 2, 3) far apart. */
function mix(h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}
