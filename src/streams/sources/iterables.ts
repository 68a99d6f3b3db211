import { DEFAULT_CHUNK_SIZE, DONE, type Pulled, type Stage } from '../stage.js'

/** An array's elements in chunks, synchronously (it fuses with what follows). */
export function arrayStage<T>(array: readonly T[], chunkSize = DEFAULT_CHUNK_SIZE): Stage<T> {
  let next = 0
  return {
    pull: (): Pulled<T> => {
      if (next >= array.length) return DONE
      const end = Math.min(array.length, next + chunkSize)
      const chunk = array.slice(next, end)
      next = end
      return chunk
    },
    cancel: async () => {
      next = array.length
    },
  }
}

/** Numbers from `start` to `end` inclusive by `step`, computed a chunk at a time (no iterator per element). */
export function rangeStage(start: number, end: number, step: number, chunkSize = DEFAULT_CHUNK_SIZE): Stage<number> {
  let next = start
  const more = (n: number): boolean => (step > 0 ? n <= end : n >= end)
  return {
    pull: (): Pulled<number> => {
      if (!more(next)) return DONE
      // How many numbers are left, at most a chunk: the chunk is allocated once at its size.
      const left = Math.floor((end - next) / step) + 1
      const n = Math.min(chunkSize, left)
      const chunk = new Array<number>(n)
      for (let i = 0; i < n; i++) {
        chunk[i] = next
        next += step
      }
      return chunk
    },
    cancel: async () => {
      next = step > 0 ? end + step : end - Math.abs(step)
    },
  }
}

/** A synchronous iterable's elements in chunks; cancelling calls the iterator's `return`. */
export function iterableStage<T>(iterable: Iterable<T>, chunkSize = DEFAULT_CHUNK_SIZE): Stage<T> {
  const iterator = iterable[Symbol.iterator]()
  let finished = false
  return {
    pull: (): Pulled<T> => {
      if (finished) return DONE
      const chunk: T[] = []
      while (chunk.length < chunkSize) {
        let step: IteratorResult<T>
        try {
          step = iterator.next()
        } catch (error) {
          finished = true // a failed iterator is done: a later cancel does not call its return
          throw error
        }
        if (step.done) {
          finished = true
          break
        }
        chunk.push(step.value)
      }
      return chunk.length > 0 ? chunk : DONE
    },
    cancel: async () => {
      if (finished) return
      finished = true
      iterator.return?.()
    },
  }
}

/**
 * An async iterable's elements, one per pull (each `next()` is a promise, so
 * there is no batch to take at once). Cancelling calls the iterator's
 * `return` (closing a file, a socket...).
 */
export function asyncIterableStage<T>(iterable: AsyncIterable<T>): Stage<T> {
  const iterator = iterable[Symbol.asyncIterator]()
  let finished = false
  return {
    pull: async (): Promise<Pulled<T>> => {
      if (finished) return DONE
      let step: IteratorResult<T>
      try {
        step = await iterator.next()
      } catch (error) {
        finished = true // a failed iterator is done: a later cancel does not call its return
        throw error
      }
      if (finished) return DONE // cancelled while this pull waited: the element is not handed out
      if (step.done) {
        finished = true
        return DONE
      }
      return [step.value]
    },
    cancel: async () => {
      if (finished) return
      finished = true
      await iterator.return?.()
    },
  }
}
