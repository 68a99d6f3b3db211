/**
 * A small seeded random generator (mulberry32) for the tree models: the same
 * seed gives the same bootstrap samples and feature draws, so the same model.
 * `Math.random` cannot be seeded, and the models need nothing stronger.
 *
 * @example
 * ```ts
 * const random = seededRandom(42)
 * random.below(10) // an integer in [0, 10), the same one every run
 * ```
 */
export interface SeededRandom {
  /** A float in [0, 1). */
  next(): number
  /** An integer in [0, n). */
  below(n: number): number
}

export function seededRandom(seed: number): SeededRandom {
  let state = seed >>> 0
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return { next, below: (n) => Math.floor(next() * n) }
}

/**
 * Draws `size` of the integers [0, n) without replacement, in increasing
 * order (Knuth's selection sampling), and lists the others in `rest` when
 * given (which must hold n − size).
 */
export function sampleInOrder(random: SeededRandom, n: number, size: number, rest?: Uint32Array): Uint32Array {
  const chosen = new Uint32Array(size)
  let picked = 0
  let skipped = 0
  for (let i = 0; i < n; i++) {
    if (random.next() * (n - i) < size - picked) chosen[picked++] = i
    else if (rest) rest[skipped++] = i
  }
  return chosen
}
