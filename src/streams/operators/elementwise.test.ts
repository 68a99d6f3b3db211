import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Flow } from '../flow.js'
import { Sink } from '../sink.js'
import { Source } from '../source.js'
import { boom, probe, pullAll, sleep, within } from '../testing/probe.js'

const collect = <T>(source: Source<T>): Promise<T[]> => within(source.runWith(Sink.collect<T>()).result, 2000, 'the stream')

/*
 * The synchronous operators (Transformers run by transformStage). Each gets its
 * happy path and completion here; the shared paths (a throwing user function,
 * an upstream failure, downstream cancellation) are checked for all of them
 * by the table at the end.
 */

describe('map', () => {
  it('applies f to each element, in order', async () => {
    assert.deepEqual(await collect(Source.from([1, 2, 3]).map((n) => n * 10)), [10, 20, 30])
  })

  it('passes demand through: one upstream pull per downstream pull', async () => {
    const source = probe({ chunkSize: 4 })
    assert.equal(await within(source.source.map((n) => n + 1).runWith(Sink.head()).result, 2000), 1)
    assert.equal(source.pulls, 1)
    source.assertReleased()
  })

  it('an empty source completes without calling f', async () => {
    let calls = 0
    assert.deepEqual(await collect(Source.empty<number>().map(() => calls++)), [])
    assert.equal(calls, 0)
  })
})

describe('filter', () => {
  it('keeps the elements that pass', async () => {
    assert.deepEqual(await collect(Source.range(1, 10).filter((n) => n % 3 === 0)), [3, 6, 9])
  })

  it('pulls again when a chunk yields nothing, instead of emitting an empty chunk', async () => {
    const source = probe({ count: 10 })
    assert.deepEqual(await pullAll(source.source.filter((n) => n >= 8).open()), [[8], [9]])
    assert.equal(source.pulls, 11) // 10 chunks and the DONE
    source.assertReleased()
  })

  it('a filter that drops everything from an endless synchronous source still yields to the event loop (the kill switch works)', async () => {
    const source = probe({ sync: true, chunkSize: 100 })
    const { result, killSwitch } = source.source.filter(() => false).runWith(Sink.collect())
    setTimeout(() => killSwitch.shutdown(), 20)
    assert.deepEqual(await within(result, 2000), [])
    source.assertReleased()
    assert.ok(source.cancelled)
  })
})

describe('mapConcat', () => {
  it('emits every element of each iterable, in order, skipping empty ones', async () => {
    const out = await collect(Source.from([1, 2, 3]).mapConcat((n) => (n === 2 ? [] : new Set([n, n * 10]))))
    assert.deepEqual(out, [1, 10, 3, 30])
  })

  it('a throwing iterator fails the stream', async () => {
    const source = probe({ count: 5 })
    const error = boom()
    const result = source.source
      .mapConcat(function* (n) {
        yield n
        if (n === 2) throw error
      })
      .runWith(Sink.collect()).result
    await assert.rejects(within(result, 2000), error)
    assert.equal(source.cancels[0], error)
    source.assertReleased()
  })
})

describe('scan', () => {
  it('emits zero, then each running result', async () => {
    assert.deepEqual(await collect(Source.from([1, 2, 3]).scan(0, (a, b) => a + b)), [0, 1, 3, 6])
  })

  it('emits zero for an empty stream', async () => {
    assert.deepEqual(await collect(Source.empty<number>().scan(7, (a, b) => a + b)), [7])
  })
})

describe('fold', () => {
  it('emits one result at completion', async () => {
    assert.deepEqual(await collect(Source.range(1, 100).fold(0, (a, b) => a + b)), [5050])
  })

  it('emits zero for an empty stream', async () => {
    assert.deepEqual(await collect(Source.empty<number>().fold('zero', (a) => a)), ['zero'])
  })
})

describe('reduce', () => {
  it('folds from the first element', async () => {
    assert.deepEqual(await collect(Source.from(['a', 'b', 'c']).reduce((a, b) => a + b)), ['abc'])
    assert.deepEqual(await collect(Source.single(5).reduce(() => assert.fail('not called for one element'))), [5])
  })

  it('fails on an empty stream with KOOBER_STREAM_EMPTY', async () => {
    await assert.rejects(collect(Source.empty<number>().reduce((a, b) => a + b)), { code: 'KOOBER_STREAM_EMPTY' })
  })
})

describe('take', () => {
  it('takes the first n elements, then completes and cancels upstream', async () => {
    const source = probe({ chunkSize: 3 })
    assert.deepEqual(await collect(source.source.take(5)), [0, 1, 2, 3, 4])
    assert.equal(source.pulls, 2)
    assert.ok(source.cancelled)
    source.assertReleased()
  })

  it('take(2) of an endless source cancels it', async () => {
    const source = probe()
    assert.deepEqual(await collect(source.source.take(2)), [0, 1])
    assert.ok(source.cancelled)
    source.assertReleased()
  })

  it('completes early when upstream has fewer', async () => {
    assert.deepEqual(await collect(Source.from([1, 2]).take(5)), [1, 2])
  })

  it('take(0) completes at once, without waiting for an element', async () => {
    const source = probe({ hang: true })
    assert.deepEqual(await collect(source.source.take(0)), [])
    source.assertReleased()
  })

  it('rejects a negative or fractional count', () => {
    assert.throws(() => Source.single(1).take(-1), { code: 'KOOBER_INVALID_ARGUMENT' })
    assert.throws(() => Source.single(1).take(1.5), { code: 'KOOBER_INVALID_ARGUMENT' })
  })
})

describe('takeWhile', () => {
  it('emits while the test holds, then completes (without the failing element) and cancels upstream', async () => {
    const source = probe({ chunkSize: 2 })
    assert.deepEqual(await collect(source.source.takeWhile((n) => n < 3)), [0, 1, 2])
    assert.ok(source.cancelled)
    source.assertReleased()
  })

  it('passes everything when the test always holds', async () => {
    assert.deepEqual(await collect(Source.from([1, 2, 3]).takeWhile(() => true)), [1, 2, 3])
  })
})

describe('drop', () => {
  it('skips the first n elements, across chunks', async () => {
    const source = probe({ count: 8, chunkSize: 3 })
    assert.deepEqual(await collect(source.source.drop(4)), [4, 5, 6, 7])
    source.assertReleased()
  })

  it('drop(0) passes everything; dropping more than there is gives nothing', async () => {
    assert.deepEqual(await collect(Source.from([1, 2]).drop(0)), [1, 2])
    assert.deepEqual(await collect(Source.from([1, 2]).drop(5)), [])
  })
})

describe('grouped', () => {
  it('emits groups of n and, at completion, the last partial group', async () => {
    assert.deepEqual(await collect(Source.range(1, 7).grouped(3)), [[1, 2, 3], [4, 5, 6], [7]])
  })

  it('emits no empty group at the end', async () => {
    assert.deepEqual(await collect(Source.range(1, 4).grouped(2)), [[1, 2], [3, 4]])
    assert.deepEqual(await collect(Source.empty<number>().grouped(2)), [])
  })

  it('groups across small chunks', async () => {
    assert.deepEqual(await collect(probe({ count: 5, chunkSize: 1 }).source.grouped(2)), [[0, 1], [2, 3], [4]])
  })

  it('rejects a group size below 1', () => {
    assert.throws(() => Source.single(1).grouped(0), { code: 'KOOBER_INVALID_ARGUMENT' })
  })
})

describe('Flow', () => {
  it('composes operators into a reusable step, and in front of a sink', async () => {
    const double = Flow.identity<number>().map((n) => n * 2)
    const evens = double.filter((n) => n % 4 === 0)
    assert.deepEqual(await collect(Source.range(1, 6).via(evens)), [4, 8, 12])
    assert.deepEqual(await collect(Source.range(1, 2).via(evens)), [4])
    assert.deepEqual(await Source.range(1, 3).runWith(double.to(Sink.collect())).result, [2, 4, 6])
  })

  it('runs a custom Transformer', async () => {
    const pairs = Flow.fromTransformer<number, string>(() => {
      let previous: number | undefined
      return {
        push(chunk, out) {
          for (const n of chunk) {
            if (previous !== undefined) out.push(`${previous}-${n}`)
            previous = n
          }
          return false
        },
        flush(out) {
          out.push(`${previous}-end`)
        },
      }
    })
    assert.deepEqual(await collect(Source.from([1, 2, 3]).via(pairs)), ['1-2', '2-3', '3-end'])
  })
})

/*
 * The paths every synchronous operator shares: a throwing user function fails
 * the stream with that error and cancels upstream with it; an upstream failure
 * fails the stream (the failed source has released itself); a downstream that
 * stops cancels the source, which a kill switch also does for the operators
 * that emit only at completion.
 */
interface Case {
  name: string
  /** The operator with a user function that throws `error` at element 2 (none for take, drop, grouped). */
  throwing?: (error: Error) => Flow<number, unknown>
  /** The operator in a shape that passes elements through. */
  passing: Flow<number, unknown>
  /** Emits only at completion (fold, reduce). */
  atCompletion?: boolean
}

const throwAt2 = (error: Error) => (n: number) => {
  if (n === 2) throw error
  return n
}

const numbers = (): Flow<number, number> => Flow.identity<number>()

const cases: Case[] = [
  { name: 'map', throwing: (e) => numbers().map(throwAt2(e)), passing: numbers().map((n) => n) },
  { name: 'filter', throwing: (e) => numbers().filter((n) => throwAt2(e)(n) >= 0), passing: numbers().filter(() => true) },
  { name: 'mapConcat', throwing: (e) => numbers().mapConcat((n) => [throwAt2(e)(n)]), passing: numbers().mapConcat((n) => [n]) },
  { name: 'scan', throwing: (e) => numbers().scan(0, (_, n) => throwAt2(e)(n)), passing: numbers().scan(0, (_, n) => n) },
  { name: 'fold', throwing: (e) => numbers().fold(0, (_, n) => throwAt2(e)(n)), passing: numbers().fold(0, (_, n) => n), atCompletion: true },
  { name: 'reduce', throwing: (e) => numbers().reduce((_, n) => throwAt2(e)(n)), passing: numbers().reduce((_, n) => n), atCompletion: true },
  { name: 'take', passing: numbers().take(1_000_000) },
  { name: 'takeWhile', throwing: (e) => numbers().takeWhile((n) => throwAt2(e)(n) >= 0), passing: numbers().takeWhile(() => true) },
  { name: 'drop', passing: numbers().drop(1) },
  { name: 'grouped', passing: numbers().grouped(2) },
]

describe('every synchronous operator', () => {
  for (const c of cases) {
    describe(c.name, () => {
      if (c.throwing) {
        it('a throwing user function fails the stream and cancels upstream with the error', async () => {
          const source = probe()
          const error = boom(`${c.name} failed`)
          await assert.rejects(collect(source.source.via(c.throwing!(error))), error)
          assert.equal(source.cancels[0], error)
          source.assertReleased()
        })
      }

      it('an upstream failure fails the stream with that error', async () => {
        const source = probe({ failAfter: 3 })
        await assert.rejects(collect(source.source.via(c.passing)), source.error as Error)
        assert.equal(source.failures, 1)
        source.assertReleased()
      })

      it('completes when upstream completes', async () => {
        const source = probe({ count: 4 })
        const out = await collect(source.source.via(c.passing))
        assert.ok(out.length > 0)
        assert.equal(source.completions, 1)
        source.assertReleased()
      })

      if (c.atCompletion) {
        it('the kill switch cancels the source', async () => {
          const source = probe()
          const { result, killSwitch } = source.source.via(c.passing).runWith(Sink.collect())
          await sleep(5)
          killSwitch.shutdown()
          assert.deepEqual(await within(result, 2000), [])
          assert.ok(source.cancelled)
          source.assertReleased()
        })
      } else {
        it('a sink that stops early (head) cancels the source', async () => {
          const source = probe()
          await within(source.source.via(c.passing).runWith(Sink.head()).result, 2000)
          assert.ok(source.cancelled)
          source.assertReleased()
        })
      }
    })
  }
})
