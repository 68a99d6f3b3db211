import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Sink } from '../sink.js'
import { Source } from '../source.js'
import { boom, deferred, probe, sleep, slowSink, within, type Deferred } from '../testing/probe.js'

const collect = <T>(source: Source<T>): Promise<T[]> => within(source.runWith(Sink.collect<T>()).result, 2000, 'the stream')

/** An async function that counts the calls running at once, each finishing after `ms(n)`. */
function tracked<T>(ms: (n: number) => number, f: (n: number) => T) {
  const stats = { running: 0, max: 0, calls: 0 }
  const call = async (n: number): Promise<T> => {
    stats.calls++
    stats.running++
    stats.max = Math.max(stats.max, stats.running)
    try {
      await sleep(ms(n))
      return f(n)
    } finally {
      stats.running--
    }
  }
  return { stats, call }
}

for (const ordered of [true, false]) {
  const name = ordered ? 'mapAsync' : 'mapAsyncUnordered'
  const mapAsync = <T>(source: Source<number>, parallelism: number, f: (n: number) => Promise<T> | T): Source<T> =>
    ordered ? source.mapAsync(parallelism, f) : source.mapAsyncUnordered(parallelism, f)

  describe(name, () => {
    it('never runs more than `parallelism` calls at once, and uses them all', async () => {
      const { stats, call } = tracked((n) => (n * 7) % 5, (n) => n * 2)
      const out = await collect(mapAsync(Source.range(1, 30), 3, call))
      assert.equal(stats.calls, 30)
      assert.equal(stats.max, 3)
      assert.deepEqual(
        [...out].sort((a, b) => a - b),
        Array.from({ length: 30 }, (_, i) => (i + 1) * 2),
      )
    })

    it('takes synchronous results and resolved values alike', async () => {
      const out = await collect(mapAsync(Source.range(1, 5), 2, (n) => (n % 2 === 0 ? Promise.resolve(-n) : n)))
      assert.deepEqual([...out].sort((a, b) => a - b), [-4, -2, 1, 3, 5])
    })

    it('completes after the last result, and at once for an empty source', async () => {
      const out = await collect(mapAsync(Source.range(1, 3), 8, async (n) => (await sleep(5), n)))
      assert.equal(out.length, 3)
      assert.deepEqual(await collect(mapAsync(Source.empty<number>(), 2, (n) => n)), [])
    })

    it('pulls upstream only as calls finish: at most `parallelism` elements ahead of a slow sink', async () => {
      const source = probe()
      const seen: number[] = []
      const { result, killSwitch } = mapAsync(source.source, 4, async (n) => n).runWith(slowSink(4, seen))
      await sleep(60)
      killSwitch.shutdown()
      await within(result, 2000)
      assert.ok(seen.length > 3)
      assert.ok(source.emitted <= seen.length + 4 + 2, `emitted ${source.emitted}, consumed ${seen.length}`)
      source.assertReleased()
    })

    it('hands a ready result downstream without waiting for more input', async () => {
      const [queue, source] = Source.queue<number>(10)
      const seen: number[] = []
      const { result } = mapAsync(source, 4, async (n) => n * 2).runWith(Sink.forEach((n: number) => seen.push(n)))
      await queue.offer(1)
      await queue.offer(2)
      await within(
        (async () => {
          while (seen.length < 2) await sleep(2)
        })(),
        1000,
        'the first results',
      )
      assert.deepEqual([...seen].sort(), [2, 4])
      queue.complete()
      await within(result, 1000)
    })

    it('a rejected call fails the stream and cancels upstream', async () => {
      const source = probe()
      const error = boom()
      const result = mapAsync(source.source, 3, async (n) => {
        await sleep(1)
        if (n === 4) throw error
        return n
      }).runWith(Sink.collect()).result
      await assert.rejects(within(result, 2000), error)
      assert.equal(source.cancels[0], error)
      source.assertReleased()
    })

    it('a synchronously throwing f fails the stream and cancels upstream', async () => {
      const source = probe()
      const error = boom()
      const result = mapAsync(source.source, 2, (n) => {
        if (n === 1) throw error
        return n
      }).runWith(Sink.collect()).result
      await assert.rejects(within(result, 2000), error)
      assert.ok(source.cancelled)
      source.assertReleased()
    })

    it('an upstream failure fails the stream', async () => {
      const source = probe({ failAfter: 5 })
      const result = mapAsync(source.source, 2, async (n) => n).runWith(Sink.collect()).result
      await assert.rejects(within(result, 2000), source.error as Error)
      source.assertReleased()
    })

    it('downstream cancellation (take) cancels upstream', async () => {
      const source = probe()
      const out = await collect(mapAsync(source.source, 3, async (n) => n).take(2))
      assert.equal(out.length, 2)
      assert.ok(source.cancelled)
      source.assertReleased()
    })

    it('the kill switch cancels upstream while calls are running', async () => {
      const source = probe()
      const never = deferred<number>()
      const { result, killSwitch } = mapAsync(source.source, 2, () => never.promise).runWith(Sink.collect())
      await source.waitOpened()
      killSwitch.shutdown()
      assert.deepEqual(await within(result, 2000), [])
      assert.ok(source.cancelled)
      source.assertReleased()
    })

    it('rejects a parallelism below 1', () => {
      assert.throws(() => mapAsync(Source.single(1), 0, (n) => n), { code: 'KOOBER_INVALID_ARGUMENT' })
    })
  })
}

describe('mapAsync order', () => {
  it('keeps input order when calls complete out of order', async () => {
    const calls: Array<Deferred<string>> = []
    const seen: string[] = []
    const { result } = Source.range(0, 5)
      .mapAsync(3, () => {
        const call = deferred<string>()
        calls.push(call)
        return call.promise
      })
      .runWith(Sink.forEach((s: string) => seen.push(s)))
    const until = async (test: () => boolean, what: string): Promise<void> =>
      within(
        (async () => {
          while (!test()) await sleep(1)
        })(),
        1000,
        what,
      )
    await until(() => calls.length === 3, 'three calls started')
    await sleep(5)
    assert.equal(calls.length, 3, 'no fourth call while three run')
    calls[2]!.resolve('c')
    calls[1]!.resolve('b')
    await sleep(5)
    assert.deepEqual(seen, [], 'nothing passes the unfinished head')
    assert.equal(calls.length, 3, 'finished calls still count against parallelism until emitted')
    calls[0]!.resolve('a')
    await until(() => seen.length === 3, 'the first three results')
    assert.deepEqual(seen, ['a', 'b', 'c'])
    await until(() => calls.length === 6, 'the next three calls')
    calls[5]!.resolve('f')
    calls[3]!.resolve('d')
    calls[4]!.resolve('e')
    await within(result, 1000)
    assert.deepEqual(seen, ['a', 'b', 'c', 'd', 'e', 'f'])
  })

  it('keeps order with random durations', async () => {
    const out = await collect(Source.range(1, 50).mapAsync(8, async (n) => (await sleep((n * 13) % 7), n)))
    assert.deepEqual(out, Array.from({ length: 50 }, (_, i) => i + 1))
  })
})

describe('mapAsyncUnordered order', () => {
  it('emits results as they complete', async () => {
    const calls: Array<Deferred<string>> = []
    const seen: string[] = []
    const { result } = Source.range(0, 2)
      .mapAsyncUnordered(3, () => {
        const call = deferred<string>()
        calls.push(call)
        return call.promise
      })
      .runWith(Sink.forEach((s: string) => seen.push(s)))
    while (calls.length < 3) await sleep(1)
    calls[2]!.resolve('c')
    await within(
      (async () => {
        while (seen.length < 1) await sleep(1)
      })(),
      1000,
      'the first result',
    )
    calls[0]!.resolve('a')
    await sleep(5)
    calls[1]!.resolve('b')
    await within(result, 1000)
    assert.deepEqual(seen, ['c', 'a', 'b'])
  })
})
