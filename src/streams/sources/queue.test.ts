import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Sink } from '../sink.js'
import { Source } from '../source.js'
import { DONE } from '../stage.js'
import { boom, isPending, sleep, slowSink, within } from '../testing/probe.js'

describe('Source.queue', () => {
  it('emits what is offered, in order, and completes after the buffered elements', async () => {
    const [queue, source] = Source.queue<number>(10)
    const { result } = source.runWith(Sink.collect())
    assert.equal(await queue.offer(1), 'enqueued')
    assert.equal(await queue.offer(2), 'enqueued')
    await sleep(5)
    assert.equal(await queue.offer(3), 'enqueued')
    queue.complete()
    assert.deepEqual(await within(result, 1000), [1, 2, 3])
    await within(queue.closed, 1000, 'closed')
  })

  it('buffers before the stream runs', async () => {
    const [queue, source] = Source.queue<string>(4)
    await queue.offer('early')
    queue.complete()
    assert.deepEqual(await within(source.runWith(Sink.collect()).result, 1000), ['early'])
  })

  it('rejects offers after complete', async () => {
    const [queue] = Source.queue<number>(2)
    queue.complete()
    await assert.rejects(queue.offer(1), { code: 'KOOBER_STREAM_ABORTED' })
  })

  it('fail fails the stream with the error, and later offers', async () => {
    const [queue, source] = Source.queue<number>(4)
    const { result } = source.runWith(Sink.collect())
    await queue.offer(1)
    const error = boom()
    queue.fail(error)
    await assert.rejects(within(result, 1000), error)
    await assert.rejects(queue.offer(2))
    await within(queue.closed, 1000, 'closed')
  })

  describe('backpressure', () => {
    it('an offer waits for room, so a producer that awaits each offer is paced by the consumer', async () => {
      const [queue, source] = Source.queue<number>(2)
      const seen: number[] = []
      const { result } = source.runWith(slowSink(5, seen))
      let maxAhead = 0
      for (let n = 0; n < 20; n++) {
        assert.equal(await queue.offer(n), 'enqueued')
        maxAhead = Math.max(maxAhead, n + 1 - seen.length)
      }
      queue.complete()
      await within(result, 2000)
      assert.deepEqual(seen, Array.from({ length: 20 }, (_, i) => i))
      // The capacity, the chunk the sink works on, and the waiting offer.
      assert.ok(maxAhead <= 2 + 2 + 1, `the producer got ${maxAhead} elements ahead`)
    })

    it('an offer to a full queue stays pending until the consumer takes', async () => {
      const [queue, source] = Source.queue<number>(1)
      await queue.offer(1)
      const second = queue.offer(2)
      assert.ok(await isPending(second, 5))
      const stage = source.open()
      assert.deepEqual(await stage.pull(), [1])
      assert.equal(await within(second, 1000), 'enqueued')
      assert.deepEqual(await stage.pull(), [2])
      await stage.cancel()
    })

    it('pending offers are rejected when the stream is cancelled', async () => {
      const [queue, source] = Source.queue<number>(1)
      const stage = source.open()
      await queue.offer(1)
      assert.deepEqual(await stage.pull(), [1])
      assert.equal(await queue.offer(2), 'enqueued')
      const waiting = [queue.offer(3), queue.offer(4)]
      assert.ok(await isPending(waiting[0]!))
      await stage.cancel()
      for (const offer of waiting) await assert.rejects(offer, { code: 'KOOBER_STREAM_ABORTED' })
      await assert.rejects(queue.offer(5), { code: 'KOOBER_STREAM_ABORTED' })
      await within(queue.closed, 1000, 'closed')
    })

    it('pending offers are rejected when the queue fails', async () => {
      const [queue] = Source.queue<number>(1)
      await queue.offer(1)
      const waiting = queue.offer(2)
      const error = boom()
      queue.fail(error)
      await assert.rejects(waiting, error)
    })

    it('offers waiting when complete is called are still delivered', async () => {
      const [queue, source] = Source.queue<number>(1)
      await queue.offer(1)
      const waiting = queue.offer(2)
      queue.complete()
      assert.deepEqual(await within(source.runWith(Sink.collect()).result, 1000), [1, 2])
      assert.equal(await waiting, 'enqueued')
    })
  })

  describe('dropping strategies', () => {
    it('dropHead drops the oldest buffered element for the new one', async () => {
      const [queue, source] = Source.queue<number>(2, 'dropHead')
      assert.deepEqual(await Promise.all([1, 2, 3, 4].map((n) => queue.offer(n))), ['enqueued', 'enqueued', 'enqueued', 'enqueued'])
      queue.complete()
      assert.deepEqual(await within(source.runWith(Sink.collect()).result, 1000), [3, 4])
    })

    it('dropTail drops the offered element when full, and says so', async () => {
      const [queue, source] = Source.queue<number>(2, 'dropTail')
      assert.deepEqual(await Promise.all([1, 2, 3, 4].map((n) => queue.offer(n))), ['enqueued', 'enqueued', 'dropped', 'dropped'])
      queue.complete()
      assert.deepEqual(await within(source.runWith(Sink.collect()).result, 1000), [1, 2])
    })

    it('fail fails the stream with KOOBER_STREAM_OVERFLOW when full', async () => {
      const [queue, source] = Source.queue<number>(2, 'fail')
      await queue.offer(1)
      await queue.offer(2)
      await assert.rejects(queue.offer(3), { code: 'KOOBER_STREAM_OVERFLOW' })
      await assert.rejects(within(source.runWith(Sink.collect()).result, 1000), { code: 'KOOBER_STREAM_OVERFLOW' })
    })
  })

  it('the kill switch ends a stream waiting on an empty queue, and closes it', async () => {
    const [queue, source] = Source.queue<number>(2)
    const { result, killSwitch } = source.runWith(Sink.collect())
    await queue.offer(1)
    await sleep(5)
    killSwitch.shutdown()
    assert.deepEqual(await within(result, 1000), [1])
    await within(queue.closed, 1000, 'closed')
    await assert.rejects(queue.offer(2), { code: 'KOOBER_STREAM_ABORTED' })
  })

  it('a cancel settles a pull waiting on an empty queue with DONE', async () => {
    const [, source] = Source.queue<number>(2)
    const stage = source.open()
    const pending = Promise.resolve(stage.pull())
    assert.ok(await isPending(pending, 5))
    await stage.cancel()
    assert.equal(await within(pending, 1000, 'the pending pull'), DONE)
  })

  it('runs only once', async () => {
    const [queue, source] = Source.queue<number>(2)
    queue.complete()
    await within(source.runWith(Sink.ignore()).result, 1000)
    await assert.rejects(source.runWith(Sink.ignore()).result, { code: 'KOOBER_STREAM_REUSED' })
  })

  it('rejects a capacity below 1', () => {
    assert.throws(() => Source.queue(0), { code: 'KOOBER_INVALID_ARGUMENT' })
  })
})
