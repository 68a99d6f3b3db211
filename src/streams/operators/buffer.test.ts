import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Flow } from '../flow.js'
import { Sink } from '../sink.js'
import { Source } from '../source.js'
import { DONE } from '../stage.js'
import { isPending, probe, pullAll, sleep, slowSink, within } from '../testing/probe.js'

const collect = <T>(source: Source<T>): Promise<T[]> => within(source.runWith(Sink.collect<T>()).result, 2000, 'the stream')

describe('buffer', () => {
  describe('backpressure', () => {
    it('passes every element in order and completes', async () => {
      const source = probe({ count: 50, chunkSize: 3 })
      assert.deepEqual(await collect(source.source.buffer(8)), Array.from({ length: 50 }, (_, i) => i))
      source.assertReleased()
    })

    it('pulls ahead of a busy downstream, up to its size, then stops', async () => {
      const source = probe()
      const stage = source.source.buffer(5).open()
      assert.deepEqual(await stage.pull(), [0])
      await sleep(20)
      assert.equal(source.emitted, 6, 'the first element and a full buffer of 5')
      await sleep(10)
      assert.equal(source.emitted, 6, 'no pull beyond the size')
      assert.deepEqual(await stage.pull(), [1, 2, 3, 4, 5])
      await stage.cancel()
      source.assertReleased()
    })

    it('keeps a fast source within size (plus a chunk) of a slow sink', async () => {
      const source = probe({ chunkSize: 2 })
      const seen: number[] = []
      const { result, killSwitch } = source.source.buffer(4).runWith(slowSink(3, seen))
      await sleep(60)
      killSwitch.shutdown()
      await within(result, 2000)
      assert.ok(seen.length > 5)
      assert.ok(source.emitted <= seen.length + 4 + 2 + 2, `emitted ${source.emitted}, consumed ${seen.length}`)
      source.assertReleased()
    })
  })

  describe('dropHead', () => {
    it('drops the oldest buffered elements when full', async () => {
      const source = probe({ count: 20 })
      const stage = source.source.buffer(4, 'dropHead').open()
      assert.deepEqual(await stage.pull(), [0])
      await within(
        (async () => {
          while (!source.released) await sleep(2)
        })(),
        1000,
        'upstream drained',
      )
      assert.deepEqual(await pullAll(stage), [[16, 17, 18, 19]])
      source.assertReleased()
    })

    it('keeps pulling an endless synchronous source without starving the event loop (a slow sink still runs)', async () => {
      const source = probe({ sync: true, chunkSize: 16 })
      const seen: number[] = []
      const { result, killSwitch } = source.source.buffer(16, 'dropHead').runWith(slowSink(2, seen))
      await sleep(40)
      killSwitch.shutdown()
      await within(result, 2000)
      assert.ok(seen.length >= 3, `the slow sink saw ${seen.length}`)
      // Later elements are newer ones: the sink skips ahead.
      assert.ok(seen.at(-1)! > seen.length, 'elements were dropped')
      source.assertReleased()
    })
  })

  describe('dropTail', () => {
    it('drops the youngest buffered element to make room for the new one', async () => {
      const source = probe({ count: 20 })
      const stage = source.source.buffer(4, 'dropTail').open()
      assert.deepEqual(await stage.pull(), [0])
      await within(
        (async () => {
          while (!source.released) await sleep(2)
        })(),
        1000,
        'upstream drained',
      )
      assert.deepEqual(await pullAll(stage), [[1, 2, 3, 19]])
    })
  })

  describe('fail', () => {
    it('fails with KOOBER_STREAM_OVERFLOW and cancels upstream when full', async () => {
      const source = probe()
      const stage = source.source.buffer(3, 'fail').open()
      assert.deepEqual(await stage.pull(), [0])
      await sleep(20)
      await assert.rejects(Promise.resolve(stage.pull()), { code: 'KOOBER_STREAM_OVERFLOW' })
      assert.ok(source.cancelled)
      source.assertReleased()
    })

    it('passes everything when downstream keeps up', async () => {
      assert.deepEqual(await collect(Source.range(1, 3).buffer(3, 'fail')), [1, 2, 3])
    })
  })

  it('delivers the buffered elements before completing', async () => {
    const source = probe({ count: 5 })
    const stage = source.source.buffer(10).open()
    assert.deepEqual(await stage.pull(), [0])
    await sleep(20)
    assert.ok(source.released, 'upstream completed')
    assert.deepEqual(await pullAll(stage), [[1, 2, 3, 4]])
  })

  it('delivers an upstream failure at once, before the buffered elements', async () => {
    const source = probe({ failAfter: 3 })
    const stage = source.source.buffer(10).open()
    assert.deepEqual(await stage.pull(), [0])
    await sleep(20)
    await assert.rejects(Promise.resolve(stage.pull()), source.error as Error)
    source.assertReleased()
  })

  it('downstream cancellation (take) cancels upstream', async () => {
    const source = probe()
    assert.deepEqual(await collect(source.source.buffer(4).take(2)), [0, 1])
    assert.ok(source.cancelled)
    source.assertReleased()
  })

  it('a cancel while a pull waits settles that pull with DONE', async () => {
    const source = probe({ hang: true })
    const stage = source.source.buffer(4).open()
    const pending = Promise.resolve(stage.pull())
    assert.ok(await isPending(pending, 5))
    await stage.cancel()
    assert.equal(await within(pending, 1000, 'the pending pull'), DONE)
    source.assertReleased()
  })

  it('the kill switch cancels upstream while the buffer waits on it', async () => {
    const source = probe({ delayMs: 1000 })
    const { result, killSwitch } = source.source.buffer(4).runWith(Sink.collect())
    await source.waitOpened()
    killSwitch.abort(new Error('stop'))
    await assert.rejects(within(result, 1000), /stop/)
    source.assertReleased()
  })

  it('rejects a size below 1 and an unknown strategy', () => {
    assert.throws(() => Flow.identity<number>().buffer(0), { code: 'KOOBER_INVALID_ARGUMENT' })
    assert.throws(() => Flow.identity<number>().buffer(2, 'dropNew' as 'fail'), { code: 'KOOBER_INVALID_ARGUMENT' })
  })
})
