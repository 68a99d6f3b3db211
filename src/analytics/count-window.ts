import { kooberError } from '../errors.js'
import { Flow, type Transformer } from '../streams/index.js'
import type { Aggregate } from './aggregates.js'
import { snapshotOf, type Element } from './elements.js'
import type { Key } from './window-operator.js'

/** One firing of a key's count window: the `index`-th firing of that key (0-based), over its last `size` records. */
export interface CountWindowResult<K extends Key, R> {
  id: string
  key: K
  index: number
  value: R
}

export interface CountWindowOptions<T, K extends Key, Acc, R> {
  key: (value: T) => K
  /** Records per window. */
  size: number
  /** Fire every `slide` records over the last `size` (default `size`: tumbling). */
  slide?: number
  aggregate: Aggregate<T, Acc, R>
  name?: string
  restored?: unknown
}

interface KeyState<T, Acc> {
  /** Tumbling: the running accumulator. */
  acc?: Acc
  /** Sliding: the last `size` records (the aggregate is recomputed over them at each firing). */
  recent?: T[]
  seen: number
  fired: number
}

/**
 * Count windows (Flink's `countWindow(size[, slide])`): per key, a window
 * fires after every `size` records (tumbling), or every `slide` records
 * over the last `size` (sliding). They count records in arrival order, not
 * event time: watermarks pass through untouched, and a key's last partial
 * window never fires. Result ids (key, index) are deterministic for a given
 * order of arrival, which a checkpointed job replays exactly.
 *
 * Demand: output follows input chunk by chunk.
 *
 * @example
 * ```ts
 * elements.via(countWindow({ key: (bid) => bid.auction, size: 100, aggregate: avg((bid) => bid.price) }))
 * ```
 */
export function countWindow<T, K extends Key, Acc, R>(options: CountWindowOptions<T, K, Acc, R>): Flow<Element<T>, Element<CountWindowResult<K, R>>> {
  const { size, aggregate } = options
  const slide = options.slide ?? size
  if (!Number.isSafeInteger(size) || size < 1 || !Number.isSafeInteger(slide) || slide < 1 || slide > size) {
    throw kooberError('KOOBER_INVALID_ARGUMENT', `a count window needs 1 <= slide <= size, got size ${size} and slide ${slide}`)
  }
  const tumbling = slide === size
  return Flow.fromTransformer((): Transformer<Element<T>, Element<CountWindowResult<K, R>>> => {
    const keys = new Map<K, KeyState<T, Acc>>()
    if (options.restored !== undefined) {
      for (const [key, saved] of options.restored as Array<[K, { acc?: unknown; recent?: T[]; seen: number; fired: number }]>) {
        keys.set(key, {
          ...(saved.acc !== undefined ? { acc: aggregate.load ? aggregate.load(saved.acc) : (saved.acc as Acc) } : {}),
          ...(saved.recent ? { recent: saved.recent } : {}),
          seen: saved.seen,
          fired: saved.fired,
        })
      }
    }
    const fire = (key: K, state: KeyState<T, Acc>, acc: Acc, time: number, out: Element<CountWindowResult<K, R>>[]): void => {
      const index = state.fired++
      out.push({ kind: 'record', value: { id: `${key}#${index}`, key, index, value: aggregate.result(acc) }, time })
    }
    return {
      push(chunk, out) {
        for (const element of chunk) {
          if (element.kind === 'record') {
            const key = options.key(element.value)
            let state = keys.get(key)
            if (!state) keys.set(key, (state = tumbling ? { acc: aggregate.create(), seen: 0, fired: 0 } : { recent: [], seen: 0, fired: 0 }))
            state.seen++
            if (tumbling) {
              state.acc = aggregate.add(state.acc!, element.value)
              if (state.seen % size === 0) {
                fire(key, state, state.acc, element.time, out)
                state.acc = aggregate.create()
              }
            } else {
              state.recent!.push(element.value)
              if (state.recent!.length > size) state.recent!.shift()
              if (state.seen >= size && (state.seen - size) % slide === 0) {
                let acc = aggregate.create()
                for (const value of state.recent!) acc = aggregate.add(acc, value)
                fire(key, state, acc, element.time, out)
              }
            }
          } else if (element.kind === 'barrier') {
            if (options.name !== undefined) {
              element.checkpoint.states[options.name] = snapshotOf(
                [...keys].map(([key, s]) => [key, { ...(s.acc !== undefined ? { acc: aggregate.save ? aggregate.save(s.acc) : s.acc } : {}), ...(s.recent ? { recent: s.recent } : {}), seen: s.seen, fired: s.fired }]),
              )
            }
            out.push(element)
          } else out.push(element)
        }
        return false
      },
    }
  })
}
