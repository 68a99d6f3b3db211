import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Flow } from '../flow.js'
import { Sink } from '../sink.js'
import { Source } from '../source.js'
import { DONE } from '../stage.js'
import { isPending, probe, sleep, within } from '../testing/probe.js'

const collect = <T>(source: Source<T>): Promise<T[]> => within(source.runWith(Sink.collect<T>()).result, 3000, 'the stream')

/** Elements with the ms since the start at which the sink got them. */
async function timed<T>(source: Source<T>): Promise<Array<{ element: T; at: number }>> {
  const start = Date.now()
  const out: Array<{ element: T; at: number }> = []
  await within(source.runWith(Sink.forEach((element: T) => out.push({ element, at: Date.now() - start }))).result, 3000, 'the stream')
  return out
}

describe('groupedWithin', () => {
  it('emits full groups of n at once, and the last partial group at completion without waiting for the timer', async () => {
    const start = Date.now()
    assert.deepEqual(await collect(Source.range(1, 10).groupedWithin(3, 5000)), [[1, 2, 3], [4, 5, 6], [7, 8, 9], [10]])
    assert.ok(Date.now() - start < 1000)
  })

  it('emits a partial group withinMs after its first element', async () => {
    const [queue, source] = Source.queue<number>(10)
    const groups: Array<{ group: number[]; at: number }> = []
    const start = Date.now()
    const { result } = source.groupedWithin(10, 40).runWith(Sink.forEach((group: number[]) => groups.push({ group, at: Date.now() - start })))
    await queue.offer(1)
    await queue.offer(2)
    await within(
      (async () => {
        while (groups.length === 0) await sleep(2)
      })(),
      1000,
      'the first group',
    )
    assert.deepEqual(groups[0]!.group, [1, 2])
    assert.ok(groups[0]!.at >= 35, `emitted after ${groups[0]!.at} ms`)
    // No empty groups while nothing comes.
    await sleep(100)
    assert.equal(groups.length, 1)
    await queue.offer(3)
    queue.complete()
    await within(result, 1000)
    assert.deepEqual(
      groups.map((g) => g.group),
      [[1, 2], [3]],
    )
  })

  it('groups a slow source by time, keeping every element in order', async () => {
    const source = probe({ count: 12, delayMs: 5 })
    const groups = await collect(source.source.groupedWithin(100, 25))
    assert.ok(groups.length >= 2, `${groups.length} groups`)
    assert.ok(groups.every((g) => g.length > 0))
    assert.deepEqual(groups.flat(), Array.from({ length: 12 }, (_, i) => i))
    source.assertReleased()
  })

  it('an upstream failure fails the stream', async () => {
    const source = probe({ failAfter: 4 })
    await assert.rejects(collect(source.source.groupedWithin(2, 50)), source.error as Error)
    source.assertReleased()
  })

  it('downstream cancellation (take) cancels upstream', async () => {
    const source = probe()
    assert.deepEqual(await collect(source.source.groupedWithin(3, 1000).take(2)), [
      [0, 1, 2],
      [3, 4, 5],
    ])
    assert.ok(source.cancelled)
    source.assertReleased()
  })

  it('a cancel while a group fills settles the pending pull with DONE', async () => {
    const [queue, source] = Source.queue<number>(10)
    const stage = source.groupedWithin(10, 5000).open()
    await queue.offer(1)
    const pending = Promise.resolve(stage.pull())
    assert.ok(await isPending(pending, 10))
    await stage.cancel()
    assert.equal(await within(pending, 1000, 'the pending pull'), DONE)
  })

  it('rejects a size below 1 or a duration that is not positive', () => {
    assert.throws(() => Flow.identity().groupedWithin(0, 10), { code: 'KOOBER_INVALID_ARGUMENT' })
    assert.throws(() => Flow.identity().groupedWithin(2, 0), { code: 'KOOBER_INVALID_ARGUMENT' })
  })
})

describe('throttle', () => {
  it('lets a burst of `elements` through at once, then at most `elements` per interval', async () => {
    const out = await timed(Source.range(1, 20).throttle(5, 50))
    assert.deepEqual(
      out.map((o) => o.element),
      Array.from({ length: 20 }, (_, i) => i + 1),
    )
    // The burst needs no token: well under the 50 ms a sixth token takes (the margin is for a busy machine).
    assert.ok(out[4]!.at - out[0]!.at < 45, `the burst took ${out[4]!.at - out[0]!.at} ms`)
    // 15 elements after the burst at 5 per 50 ms: at least ~150 ms.
    assert.ok(out[19]!.at >= 120, `20 elements took only ${out[19]!.at} ms`)
    // A token bucket: in any stretch of time t, at most the burst (5) plus what t earns (5 per 50 ms) go through.
    // A late timer lets the bucket refill to a full burst, never more, so this holds however busy the machine is.
    for (let i = 0; i < out.length; i++) {
      for (let j = i + 1; j < out.length; j++) {
        const allowed = 5 + Math.ceil(((out[j]!.at - out[i]!.at) * 5) / 50) + 1
        assert.ok(j - i + 1 <= allowed, `elements ${i + 1}..${j + 1} came within ${out[j]!.at - out[i]!.at} ms`)
      }
    }
  })

  it('pulls upstream only as fast as it lets elements through', async () => {
    const source = probe()
    const seen: number[] = []
    const { result, killSwitch } = source.source.throttle(2, 20).runWith(Sink.forEach((n: number) => seen.push(n)))
    await sleep(100)
    killSwitch.shutdown()
    await within(result, 1000)
    assert.ok(seen.length >= 4, `saw ${seen.length}`)
    assert.ok(source.emitted <= seen.length + 1, `emitted ${source.emitted}, passed ${seen.length}`)
    source.assertReleased()
  })

  it('completes when upstream completes', async () => {
    const source = probe({ count: 3 })
    assert.deepEqual(await collect(source.source.throttle(10, 100)), [0, 1, 2])
    source.assertReleased()
  })

  it('an upstream failure fails the stream', async () => {
    const source = probe({ failAfter: 2 })
    await assert.rejects(collect(source.source.throttle(10, 100)), source.error as Error)
    source.assertReleased()
  })

  it('downstream cancellation (take) cancels upstream', async () => {
    const source = probe()
    assert.deepEqual(await collect(source.source.throttle(10, 100).take(3)), [0, 1, 2])
    assert.ok(source.cancelled)
    source.assertReleased()
  })

  it('a cancel while waiting for tokens settles the pending pull with DONE', async () => {
    const source = probe({ sync: true })
    const stage = source.source.throttle(1, 10_000).open()
    assert.deepEqual(await stage.pull(), [0])
    const pending = Promise.resolve(stage.pull())
    assert.ok(await isPending(pending, 10))
    await stage.cancel()
    assert.equal(await within(pending, 1000, 'the pending pull'), DONE)
    source.assertReleased()
  })

  it('the kill switch stops a stream waiting for tokens', async () => {
    const source = probe()
    const { result, killSwitch } = source.source.throttle(1, 10_000).runWith(Sink.collect())
    await sleep(20)
    killSwitch.shutdown()
    assert.deepEqual(await within(result, 1000), [0])
    source.assertReleased()
  })

  it('rejects a count below 1 or a duration that is not positive', () => {
    assert.throws(() => Flow.identity().throttle(0, 10), { code: 'KOOBER_INVALID_ARGUMENT' })
    assert.throws(() => Flow.identity().throttle(1, -5), { code: 'KOOBER_INVALID_ARGUMENT' })
  })
})

describe('idleTimeout', () => {
  it('passes elements that come in time, and completion', async () => {
    const source = probe({ count: 5, delayMs: 5 })
    assert.deepEqual(await collect(source.source.idleTimeout(200)), [0, 1, 2, 3, 4])
    source.assertReleased()
  })

  it('fails with KOOBER_STREAM_TIMEOUT when no element comes in time, and cancels upstream', async () => {
    const source = probe({ hang: true })
    const start = Date.now()
    await assert.rejects(collect(source.source.idleTimeout(30)), { code: 'KOOBER_STREAM_TIMEOUT' })
    assert.ok(Date.now() - start >= 25)
    assert.ok(source.cancelled)
    source.assertReleased()
  })

  it('times out after elements stopped coming', async () => {
    const [queue, source] = Source.queue<number>(10)
    const seen: number[] = []
    const { result } = source.idleTimeout(40).runWith(Sink.forEach((n: number) => seen.push(n)))
    await queue.offer(1)
    await sleep(20)
    await queue.offer(2)
    await assert.rejects(within(result, 1000), { code: 'KOOBER_STREAM_TIMEOUT' })
    assert.deepEqual(seen, [1, 2])
    await assert.rejects(queue.offer(3), { code: 'KOOBER_STREAM_ABORTED' })
  })

  it('an upstream failure fails the stream with that error', async () => {
    const source = probe({ failAfter: 1 })
    await assert.rejects(collect(source.source.idleTimeout(200)), source.error as Error)
    source.assertReleased()
  })

  it('downstream cancellation (take) cancels upstream', async () => {
    const source = probe()
    assert.deepEqual(await collect(source.source.idleTimeout(200).take(2)), [0, 1])
    assert.ok(source.cancelled)
    source.assertReleased()
  })

  it('rejects a duration that is not positive', () => {
    assert.throws(() => Flow.identity().idleTimeout(0), { code: 'KOOBER_INVALID_ARGUMENT' })
  })
})
