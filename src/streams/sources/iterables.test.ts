import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Sink } from '../sink.js'
import { Source } from '../source.js'
import { DONE } from '../stage.js'
import { boom, deferred, isPending, sleep, within } from '../testing/probe.js'

const collect = <T>(source: Source<T>): Promise<T[]> => within(source.runWith(Sink.collect<T>()).result, 2000, 'the stream')

/** An endless generator that records how far it got and whether its `finally` ran (iterator.return). */
function counting() {
  const state = { yielded: 0, closed: false }
  function* generate(): Generator<number> {
    try {
      for (;;) yield state.yielded++
    } finally {
      state.closed = true
    }
  }
  return { state, generate }
}

describe('Source.from (arrays)', () => {
  it('emits an array in order, in chunks, and can run again', async () => {
    const array = Array.from({ length: 2500 }, (_, i) => i)
    const source = Source.from(array)
    assert.deepEqual(await collect(source), array)
    assert.deepEqual(await collect(source), array)
    const stage = source.open()
    assert.equal((stage.pull() as number[]).length, 1024, 'answers synchronously, a chunk at a time')
  })

  it('an empty array completes at once', async () => {
    assert.deepEqual(await collect(Source.from([])), [])
  })

  it('a cancelled array source answers DONE', async () => {
    const stage = Source.from([1, 2, 3]).open()
    await stage.cancel()
    assert.equal(stage.pull(), DONE)
  })
})

describe('Source.from (iterables)', () => {
  it('emits any iterable, and can run again when the iterable can', async () => {
    const set = new Set(['a', 'b', 'c'])
    const source = Source.from(set)
    assert.deepEqual(await collect(source), ['a', 'b', 'c'])
    assert.deepEqual(await collect(source), ['a', 'b', 'c'])
    assert.deepEqual(await collect(Source.from(new Map([[1, 'x']]).keys())), [1])
  })

  it('cancelling (take) calls the iterator return', async () => {
    const { state, generate } = counting()
    assert.deepEqual(await collect(Source.from({ [Symbol.iterator]: generate }).take(3)), [0, 1, 2])
    assert.ok(state.closed)
  })

  it('a sink that stops early (head) calls the iterator return', async () => {
    const { state, generate } = counting()
    assert.equal(await within(Source.from({ [Symbol.iterator]: generate }).runWith(Sink.head()).result, 1000), 0)
    assert.ok(state.closed)
  })

  it('a failing operator downstream calls the iterator return', async () => {
    const { state, generate } = counting()
    const result = collect(
      Source.from({ [Symbol.iterator]: generate }).map((n) => {
        if (n === 5) throw boom()
        return n
      }),
    )
    await assert.rejects(result, /boom/)
    assert.ok(state.closed)
  })

  it('the kill switch calls the iterator return of an endless iterable', async () => {
    const { state, generate } = counting()
    const { result, killSwitch } = Source.from({ [Symbol.iterator]: generate }).runWith(Sink.ignore())
    setTimeout(() => killSwitch.shutdown(), 10)
    await within(result, 2000)
    assert.ok(state.closed)
    assert.ok(state.yielded > 1000)
  })

  it('does not call return when the iterator completes by itself', async () => {
    let returns = 0
    let n = 0
    const iterable: Iterable<number> = {
      [Symbol.iterator]: () => ({
        next: () => (n < 3 ? { value: n++, done: false } : { value: undefined, done: true }),
        return: () => {
          returns++
          return { value: undefined, done: true }
        },
      }),
    }
    assert.deepEqual(await collect(Source.from(iterable)), [0, 1, 2])
    assert.equal(returns, 0)
  })

  it('does not call return on an iterator that threw, even when a stage cancels it after the failure', async () => {
    let returns = 0
    let n = 0
    const iterable: Iterable<number> = {
      [Symbol.iterator]: () => ({
        next: () => {
          if (n === 2) throw boom('iterator failed')
          return { value: n++, done: false }
        },
        return: () => {
          returns++
          return { value: undefined, done: true }
        },
      }),
    }
    // The buffer's pump cancels its upstream when a pull fails: harmless, as cancel is idempotent.
    await assert.rejects(collect(Source.from(iterable).buffer(4)), /iterator failed/)
    assert.equal(returns, 0)
  })

  it('an iterator that throws fails the stream', async () => {
    function* failing(): Generator<number> {
      yield 1
      throw boom('iterator failed')
    }
    await assert.rejects(collect(Source.from({ [Symbol.iterator]: failing })), /iterator failed/)
  })
})

describe('Source.range', () => {
  it('counts up or down by step, inclusive', async () => {
    assert.deepEqual(await collect(Source.range(1, 5)), [1, 2, 3, 4, 5])
    assert.deepEqual(await collect(Source.range(10, 0, -5)), [10, 5, 0])
    assert.deepEqual(await collect(Source.range(0, 1, 0.5)), [0, 0.5, 1])
    assert.deepEqual(await collect(Source.range(5, 1)), [])
  })

  it('is a blueprint: it runs again', async () => {
    const range = Source.range(1, 3)
    assert.deepEqual(await collect(range), [1, 2, 3])
    assert.deepEqual(await collect(range), [1, 2, 3])
  })

  it('a long range is emitted in chunks and counted in full', async () => {
    assert.equal(await within(Source.range(1, 100_000).runWith(Sink.count()).result, 2000), 100_000)
  })

  it('rejects a zero step and non-finite bounds', () => {
    assert.throws(() => Source.range(0, 10, 0), { code: 'KOOBER_INVALID_ARGUMENT' })
    assert.throws(() => Source.range(0, Infinity), { code: 'KOOBER_INVALID_ARGUMENT' })
  })
})

describe('Source.fromAsyncIterable', () => {
  it('emits the elements of an async generator and completes', async () => {
    async function* letters(): AsyncGenerator<string> {
      yield 'a'
      await sleep(1)
      yield 'b'
    }
    assert.deepEqual(await collect(Source.fromAsyncIterable(letters())), ['a', 'b'])
  })

  it('cancelling (take) calls the iterator return', async () => {
    let closed = false
    async function* endless(): AsyncGenerator<number> {
      try {
        for (let n = 0; ; n++) {
          await sleep(0)
          yield n
        }
      } finally {
        closed = true
      }
    }
    assert.deepEqual(await collect(Source.fromAsyncIterable(endless()).take(2)), [0, 1])
    assert.ok(closed)
  })

  it('a failing iterator fails the stream', async () => {
    async function* failing(): AsyncGenerator<number> {
      yield 1
      throw boom('async iterator failed')
    }
    await assert.rejects(collect(Source.fromAsyncIterable(failing())), /async iterator failed/)
  })

  it('the kill switch calls return while a next() is pending', async () => {
    const next = deferred<IteratorResult<number>>()
    let returned = false
    const iterable: AsyncIterable<number> = {
      [Symbol.asyncIterator]: () => ({
        next: () => next.promise,
        return: async () => {
          returned = true
          next.resolve({ value: undefined, done: true })
          return { value: undefined, done: true }
        },
      }),
    }
    const { result, killSwitch } = Source.fromAsyncIterable(iterable).runWith(Sink.collect())
    await sleep(10)
    killSwitch.shutdown()
    assert.deepEqual(await within(result, 1000), [])
    assert.ok(returned)
  })

  it('a pull pending when the stream is cancelled settles with DONE, not with a late element', async () => {
    const next = deferred<IteratorResult<number>>()
    const iterable: AsyncIterable<number> = {
      [Symbol.asyncIterator]: () => ({ next: () => next.promise, return: async () => ({ value: undefined, done: true }) }),
    }
    const stage = Source.fromAsyncIterable(iterable).open()
    const pending = Promise.resolve(stage.pull())
    assert.ok(await isPending(pending))
    await stage.cancel()
    next.resolve({ value: 1, done: false })
    assert.equal(await within(pending, 1000), DONE)
  })

  it('does not call return after the iterator completed or failed', async () => {
    let returns = 0
    let calls = 0
    const iterable: AsyncIterable<number> = {
      [Symbol.asyncIterator]: () => ({
        next: async () => {
          if (calls++ === 0) return { value: 1, done: false }
          throw boom()
        },
        return: async () => {
          returns++
          return { value: undefined, done: true }
        },
      }),
    }
    const stage = Source.fromAsyncIterable(iterable).open()
    assert.deepEqual(await stage.pull(), [1])
    await assert.rejects(Promise.resolve(stage.pull()), /boom/)
    await stage.cancel()
    assert.equal(returns, 0)
  })
})
