import { kooberError } from '../../errors.js'
import type { Transformer } from './transform.js'

/*
 * The synchronous operators. Each is a Transformer, so it fuses with its
 * neighbours; none buffers more than one group. What each does to demand and
 * completion is said above it.
 */

/** One output per input. Demand and completion pass through unchanged. */
export function map<In, Out>(f: (element: In) => Out): Transformer<In, Out> {
  return {
    push(chunk, out) {
      for (let i = 0; i < chunk.length; i++) out.push(f(chunk[i]!))
      return false
    },
    mapChunk(chunk) {
      const n = chunk.length
      const out = new Array<Out>(n)
      for (let i = 0; i < n; i++) out[i] = f(chunk[i]!)
      return out
    },
  }
}

/** Drops elements that fail the test; keeps pulling until something passes. Completion passes through. */
export function filter<T>(test: (element: T) => boolean): Transformer<T, T> {
  return {
    push(chunk, out) {
      for (let i = 0; i < chunk.length; i++) {
        const element = chunk[i]!
        if (test(element)) out.push(element)
      }
      return false
    },
  }
}

/** Zero or more outputs per input, in order (Akka's mapConcat, a synchronous flatMap). */
export function mapConcat<In, Out>(f: (element: In) => Iterable<Out>): Transformer<In, Out> {
  return {
    push(chunk, out) {
      for (let i = 0; i < chunk.length; i++) for (const item of f(chunk[i]!)) out.push(item)
      return false
    },
  }
}

/** Emits `zero`, then the running result after each element (as Akka's scan). */
export function scan<In, Acc>(zero: Acc, f: (acc: Acc, element: In) => Acc): Transformer<In, Acc> {
  let acc = zero
  let started = false
  return {
    push(chunk, out) {
      if (!started) {
        started = true
        out.push(acc)
      }
      for (let i = 0; i < chunk.length; i++) out.push((acc = f(acc, chunk[i]!)))
      return false
    },
    flush(out) {
      if (!started) out.push(acc)
    },
  }
}

/** Consumes everything, emits the final result once upstream completes. */
export function fold<In, Acc>(zero: Acc, f: (acc: Acc, element: In) => Acc): Transformer<In, Acc> {
  let acc = zero
  return {
    push(chunk) {
      for (let i = 0; i < chunk.length; i++) acc = f(acc, chunk[i]!)
      return false
    },
    flush(out) {
      out.push(acc)
    },
  }
}

/** Like fold, with the first element as the start; an empty stream fails. */
export function reduce<T>(f: (acc: T, element: T) => T): Transformer<T, T> {
  let acc: T
  let any = false
  return {
    push(chunk) {
      let i = 0
      if (!any && chunk.length > 0) {
        acc = chunk[0]!
        any = true
        i = 1
      }
      for (; i < chunk.length; i++) acc = f(acc, chunk[i]!)
      return false
    },
    flush(out) {
      if (!any) throw kooberError('KOOBER_STREAM_EMPTY', 'reduce over an empty stream has no result')
      out.push(acc)
    },
  }
}

/** The first `n` elements, then completes and cancels upstream. */
export function take<T>(n: number): Transformer<T, T> {
  let left = n
  return {
    push(chunk, out) {
      const count = Math.min(left, chunk.length)
      for (let i = 0; i < count; i++) out.push(chunk[i]!)
      left -= count
      return left <= 0
    },
  }
}

/** Elements while the test holds; at the first that fails, completes (without it) and cancels upstream. */
export function takeWhile<T>(test: (element: T) => boolean): Transformer<T, T> {
  return {
    push(chunk, out) {
      for (let i = 0; i < chunk.length; i++) {
        const element = chunk[i]!
        if (!test(element)) return true
        out.push(element)
      }
      return false
    },
  }
}

/** Skips the first `n` elements (pulling through them), then passes everything. */
export function drop<T>(n: number): Transformer<T, T> {
  let left = n
  return {
    push(chunk, out) {
      let i = Math.min(left, chunk.length)
      left -= i
      for (; i < chunk.length; i++) out.push(chunk[i]!)
      return false
    },
  }
}

/** Arrays of `n` elements; at completion, the last, shorter group if any. */
export function grouped<T>(n: number): Transformer<T, T[]> {
  let group: T[] = []
  return {
    push(chunk, out) {
      for (let i = 0; i < chunk.length; i++) {
        group.push(chunk[i]!)
        if (group.length === n) {
          out.push(group)
          group = []
        }
      }
      return false
    },
    flush(out) {
      if (group.length > 0) out.push(group)
    },
  }
}

export function requirePositiveInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw kooberError('KOOBER_INVALID_ARGUMENT', `${name} must be a positive whole number, got ${value}`)
  }
}

export function requireNonNegativeInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw kooberError('KOOBER_INVALID_ARGUMENT', `${name} must be a whole number of at least 0, got ${value}`)
  }
}
