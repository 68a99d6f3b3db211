import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Sink } from './sink.js'
import { Source } from './source.js'
import { boom, probe, sleep, slowSink, within } from './testing/probe.js'

const run = <T, R>(source: Source<T>, sink: Sink<T, R>): Promise<R> => within(source.runWith(sink).result, 2000, 'the stream')

describe('Sink.collect', () => {
  it('collects every element in order', async () => {
    assert.deepEqual(await run(Source.range(1, 3000), Sink.collect()), Array.from({ length: 3000 }, (_, i) => i + 1))
    assert.deepEqual(await run(Source.empty(), Sink.collect()), [])
  })

  it('fails with an upstream failure', async () => {
    const source = probe({ failAfter: 2 })
    await assert.rejects(run(source.source, Sink.collect()), source.error as Error)
    source.assertReleased()
  })
})

describe('Sink.head', () => {
  it('gives the first element and cancels upstream', async () => {
    const source = probe({ chunkSize: 5 })
    assert.equal(await run(source.source, Sink.head()), 0)
    assert.equal(source.pulls, 1)
    assert.ok(source.cancelled)
    source.assertReleased()
  })

  it('fails on an empty stream with KOOBER_STREAM_EMPTY', async () => {
    await assert.rejects(run(Source.empty(), Sink.head()), { code: 'KOOBER_STREAM_EMPTY' })
  })

  it('fails with an upstream failure before the first element', async () => {
    const source = probe({ failAfter: 0 })
    await assert.rejects(run(source.source, Sink.head()), source.error as Error)
    source.assertReleased()
  })

  it('gives an undefined element rather than failing', async () => {
    assert.equal(await run(Source.single(undefined), Sink.head()), undefined)
  })
})

describe('Sink.last', () => {
  it('gives the last element, or undefined for an empty stream', async () => {
    assert.equal(await run(probe({ count: 10, chunkSize: 3 }).source, Sink.last()), 9)
    assert.equal(await run(Source.empty(), Sink.last()), undefined)
  })

  it('fails with an upstream failure', async () => {
    const source = probe({ failAfter: 3 })
    await assert.rejects(run(source.source, Sink.last()), source.error as Error)
  })
})

describe('Sink.count', () => {
  it('counts the elements', async () => {
    assert.equal(await run(Source.range(1, 2500), Sink.count()), 2500)
    assert.equal(await run(Source.empty(), Sink.count()), 0)
  })
})

describe('Sink.fold and Sink.reduce', () => {
  it('fold folds every element from zero', async () => {
    assert.equal(await run(Source.range(1, 4), Sink.fold('', (acc, n: number) => acc + n)), '1234')
    assert.equal(await run(Source.empty<number>(), Sink.fold(42, (acc, n: number) => acc + n)), 42)
  })

  it('reduce folds from the first element; an empty stream fails with KOOBER_STREAM_EMPTY', async () => {
    assert.equal(await run(probe({ count: 5, chunkSize: 2 }).source, Sink.reduce((a: number, b: number) => a * 10 + b)), 1234)
    assert.equal(await run(Source.single(7), Sink.reduce((a: number, b: number) => a + b)), 7)
    await assert.rejects(run(Source.empty<number>(), Sink.reduce((a: number, b: number) => a + b)), { code: 'KOOBER_STREAM_EMPTY' })
  })

  it('a throwing function fails the run and cancels upstream with the error', async () => {
    for (const sink of [
      Sink.fold(0, (_, n: number) => {
        if (n === 3) throw boom()
        return n
      }),
      Sink.reduce((_: number, n: number) => {
        if (n === 3) throw boom()
        return n
      }),
    ]) {
      const source = probe()
      await assert.rejects(run(source.source, sink), /boom/)
      assert.match(String(source.cancels[0]), /boom/)
      source.assertReleased()
    }
  })
})

describe('Sink.forEach and Sink.ignore', () => {
  it('forEach calls f for each element in order', async () => {
    const seen: number[] = []
    await run(Source.range(1, 5), Sink.forEach((n: number) => seen.push(n)))
    assert.deepEqual(seen, [1, 2, 3, 4, 5])
  })

  it('forEach: a throwing f fails the run and cancels upstream', async () => {
    const source = probe()
    const error = boom()
    await assert.rejects(
      run(
        source.source,
        Sink.forEach((n: number) => {
          if (n === 1) throw error
        }),
      ),
      error,
    )
    assert.equal(source.cancels[0], error)
    source.assertReleased()
  })

  it('ignore pulls everything to completion', async () => {
    const source = probe({ count: 100, chunkSize: 7 })
    await run(source.source, Sink.ignore())
    assert.equal(source.emitted, 100)
    source.assertReleased()
  })
})

describe('Sink.forEachAsync', () => {
  it('awaits f for each element, one at a time, in order', async () => {
    let running = 0
    let max = 0
    const seen: number[] = []
    await run(
      probe({ count: 10, chunkSize: 4 }).source,
      Sink.forEachAsync(async (n: number) => {
        running++
        max = Math.max(max, running)
        await sleep(1)
        seen.push(n)
        running--
      }),
    )
    assert.equal(max, 1)
    assert.deepEqual(seen, Array.from({ length: 10 }, (_, i) => i))
  })

  it('backpressures: the source is pulled at most a chunk ahead of f', async () => {
    const source = probe()
    const seen: number[] = []
    const { result, killSwitch } = source.source.runWith(slowSink(3, seen))
    await sleep(50)
    killSwitch.shutdown()
    await within(result, 1000)
    assert.ok(seen.length >= 5)
    assert.ok(source.emitted <= seen.length + 1, `emitted ${source.emitted}, handled ${seen.length}`)
    source.assertReleased()
  })

  it('the kill switch stops it between elements, not at the end of a chunk', async () => {
    const source = probe({ chunkSize: 100 })
    const seen: number[] = []
    const { result, killSwitch } = source.source.runWith(slowSink(5, seen))
    await sleep(20)
    const start = Date.now()
    killSwitch.shutdown()
    await within(result, 1000)
    assert.ok(Date.now() - start < 200, `took ${Date.now() - start} ms to stop`)
    assert.ok(seen.length < 50, `handled ${seen.length} of the chunk of 100`)
    source.assertReleased()
  })

  it('a rejection fails the run and cancels upstream', async () => {
    const source = probe()
    const error = boom()
    await assert.rejects(
      run(
        source.source,
        Sink.forEachAsync(async (n: number) => {
          await sleep(1)
          if (n === 2) throw error
        }),
      ),
      error,
    )
    assert.equal(source.cancels[0], error)
    source.assertReleased()
  })
})

describe('Sink.broadcast', () => {
  it('gives every element to every sink; the result is theirs, in order', async () => {
    const source = probe({ count: 5, chunkSize: 2 })
    const [all, sum, first] = await run(source.source, Sink.broadcast(Sink.collect<number>(), Sink.fold(0, (a, n: number) => a + n), Sink.head<number>()))
    assert.deepEqual(all, [0, 1, 2, 3, 4])
    assert.equal(sum, 10)
    assert.equal(first, 0)
    source.assertReleased()
  })

  it('the slowest sink sets the pace', async () => {
    const source = probe()
    const seen: number[] = []
    const { result, killSwitch } = source.source.runWith(Sink.broadcast(Sink.ignore<number>(), slowSink(3, seen)))
    await sleep(50)
    killSwitch.shutdown()
    await within(result, 1000)
    assert.ok(source.emitted <= seen.length + 2, `emitted ${source.emitted}, slow sink handled ${seen.length}`)
    source.assertReleased()
  })

  it('a failure in one sink fails the whole, stops the others and cancels upstream', async () => {
    const source = probe()
    const error = boom()
    let otherSaw = 0
    const failing = Sink.forEach((n: number) => {
      if (n === 3) throw error
    })
    const other = Sink.forEach(() => void otherSaw++)
    await assert.rejects(run(source.source, Sink.broadcast(failing, other)), error)
    assert.ok(source.cancelled, 'upstream cancelled')
    source.assertReleased()
    const sawAtFailure = otherSaw
    await sleep(20)
    assert.equal(otherSaw, sawAtFailure, 'the other sink stopped')
  })

  it('an upstream failure fails every sink and the whole', async () => {
    const source = probe({ failAfter: 3 })
    await assert.rejects(run(source.source, Sink.broadcast(Sink.collect<number>(), Sink.ignore<number>())), source.error as Error)
    source.assertReleased()
  })

  it('cancels upstream once every sink stopped early', async () => {
    const source = probe()
    assert.deepEqual(await run(source.source, Sink.broadcast(Sink.head<number>(), Sink.head<number>())), [0, 0])
    assert.ok(source.cancelled)
    source.assertReleased()
  })

  it('the kill switch stops every sink (shutdown keeps their results so far)', async () => {
    const source = probe()
    const { result, killSwitch } = source.source.runWith(Sink.broadcast(Sink.collect<number>(), Sink.count<number>()))
    await sleep(20)
    killSwitch.shutdown()
    const [all, count] = await within(result, 1000)
    assert.equal(all.length, count)
    assert.ok(count > 0)
    source.assertReleased()
  })
})

describe('Sink.partition', () => {
  it('sends each element to the sink route picks', async () => {
    const [evens, odds] = await run(
      Source.range(0, 9),
      Sink.partition((n: number) => n % 2, Sink.collect<number>(), Sink.collect<number>()),
    )
    assert.deepEqual(evens, [0, 2, 4, 6, 8])
    assert.deepEqual(odds, [1, 3, 5, 7, 9])
  })

  it('a route outside the branches fails with KOOBER_INVALID_ARGUMENT and cancels upstream', async () => {
    for (const bad of [2, -1, 0.5, NaN]) {
      const source = probe()
      await assert.rejects(
        run(
          source.source,
          Sink.partition((n: number) => (n === 3 ? bad : 0), Sink.ignore<number>(), Sink.ignore<number>()),
        ),
        { code: 'KOOBER_INVALID_ARGUMENT' },
      )
      assert.ok(source.cancelled)
      source.assertReleased()
    }
  })

  it('a throwing route fails the whole and cancels upstream', async () => {
    const source = probe()
    const error = boom()
    await assert.rejects(
      run(
        source.source,
        Sink.partition(
          (n: number) => {
            if (n === 2) throw error
            return 0
          },
          Sink.ignore<number>(),
        ),
      ),
      error,
    )
    assert.equal(source.cancels[0], error)
    source.assertReleased()
  })

  it('one slow branch backpressures all of them', async () => {
    const source = probe()
    const slow: number[] = []
    const { result, killSwitch } = source.source.runWith(Sink.partition((n: number) => (n % 2 === 0 ? 0 : 1), slowSink(3, slow), Sink.ignore<number>()))
    await sleep(50)
    killSwitch.shutdown()
    await within(result, 1000)
    assert.ok(source.emitted <= 2 * slow.length + 4, `emitted ${source.emitted}, the slow branch handled ${slow.length}`)
    source.assertReleased()
  })

  it('a failing branch fails the whole, stops the others and cancels upstream', async () => {
    const source = probe()
    const error = boom()
    const failing = Sink.forEach((n: number) => {
      if (n === 4) throw error
    })
    await assert.rejects(run(source.source, Sink.partition((n: number) => n % 2, failing, Sink.ignore<number>())), error)
    assert.ok(source.cancelled)
    source.assertReleased()
  })

  it('a branch that gets nothing still completes', async () => {
    const [none, all] = await run(Source.range(1, 3), Sink.partition(() => 1, Sink.collect<number>(), Sink.collect<number>()))
    assert.deepEqual(none, [])
    assert.deepEqual(all, [1, 2, 3])
  })
})

describe('Sink.forEachChunk', () => {
  it('hands over whole chunks in order, one at a time, waiting for each', async () => {
    const seen: number[][] = []
    let inFlight = 0
    await Source.range(1, 2500)
      .runWith(
        Sink.forEachChunk(async (chunk: readonly number[]) => {
          assert.equal(++inFlight, 1, 'one chunk at a time')
          await new Promise((r) => setTimeout(r, 1))
          seen.push([...chunk])
          inFlight--
        }),
      )
      .result
    assert.deepEqual(seen.flat(), Array.from({ length: 2500 }, (_, i) => i + 1))
    assert.ok(seen.length >= 3 && seen.every((c) => c.length > 0), `chunks of the source: ${seen.map((c) => c.length).join(', ')}`)
  })

  it('fails the stream with the error of a chunk, and releases upstream', async () => {
    const source = probe({ chunkSize: 3 })
    await assert.rejects(
      run(
        source.source,
        Sink.forEachChunk(() => {
          throw new Error('write failed')
        }),
      ),
      /write failed/,
    )
    source.assertReleased()
  })
})
