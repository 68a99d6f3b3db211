import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Sink } from './sink.js'
import { Source } from './source.js'
import { probe, sleep, within } from './testing/probe.js'

describe('the kill switch', () => {
  it('shutdown completes the run with what the sink had so far and cancels upstream', async () => {
    const source = probe({ delayMs: 2 })
    const { result, killSwitch } = source.source.runWith(Sink.collect())
    await sleep(30)
    killSwitch.shutdown()
    const got = await within(result, 1000)
    assert.ok(got.length > 0)
    assert.deepEqual(
      got,
      Array.from({ length: got.length }, (_, i) => i),
    )
    assert.ok(source.cancelled)
    assert.equal(source.cancels[0], undefined, 'a shutdown cancels without a reason')
    source.assertReleased()
  })

  it('abort fails the run with the error and cancels upstream with it', async () => {
    const source = probe({ delayMs: 2 })
    const { result, killSwitch } = source.source.runWith(Sink.collect())
    await sleep(10)
    const error = new Error('aborted by test')
    killSwitch.abort(error)
    await assert.rejects(within(result, 1000), error)
    assert.equal(source.cancels[0], error)
    source.assertReleased()
  })

  it('abort without an error fails with KOOBER_STREAM_ABORTED', async () => {
    const source = probe()
    const { result, killSwitch } = source.source.runWith(Sink.ignore())
    await sleep(5)
    killSwitch.abort()
    await assert.rejects(within(result, 1000), { code: 'KOOBER_STREAM_ABORTED' })
    source.assertReleased()
  })

  it('shutdown while a pull is pending on a slow source settles at once', async () => {
    const source = probe({ hang: true })
    const { result, killSwitch } = source.source.map((n) => n * 2).runWith(Sink.collect())
    await sleep(10)
    assert.equal(source.pulls, 1)
    const start = Date.now()
    killSwitch.shutdown()
    assert.deepEqual(await within(result, 1000), [])
    assert.ok(Date.now() - start < 500)
    assert.ok(source.cancelled)
    source.assertReleased()
  })

  it('abort while a pull is pending on a slow source fails at once', async () => {
    const source = probe({ delayMs: 10_000 })
    const { result, killSwitch } = source.source.runWith(Sink.collect())
    await sleep(10)
    killSwitch.abort(new Error('stop'))
    await assert.rejects(within(result, 1000), /stop/)
    source.assertReleased()
  })

  it('used before the first pull, the source is cancelled without being pulled', async () => {
    const source = probe()
    const { result, killSwitch } = source.source.runWith(Sink.collect())
    killSwitch.shutdown()
    assert.deepEqual(await within(result, 1000), [])
    assert.equal(source.pulls, 0)
    source.assertReleased()
  })

  it('the first use wins; later ones and uses after the end change nothing', async () => {
    const source = probe()
    const { result, killSwitch } = source.source.runWith(Sink.collect())
    await sleep(5)
    killSwitch.shutdown()
    killSwitch.abort(new Error('too late'))
    await within(result, 1000)
    const done = Source.single(1).runWith(Sink.collect())
    assert.deepEqual(await done.result, [1])
    done.killSwitch.abort()
    done.killSwitch.shutdown()
  })

  it('stops an endless synchronous stream: the run yields to the event loop', async () => {
    const source = probe({ sync: true, chunkSize: 100 })
    const { result, killSwitch } = source.source.map((n) => n + 1).runWith(Sink.ignore())
    setTimeout(() => killSwitch.shutdown(), 10)
    await within(result, 2000)
    assert.ok(source.emitted > 1000)
    source.assertReleased()
  })

  it('stops an endless stream of promises that settle at once (microtasks only)', async () => {
    const source = probe({ sync: true, chunkSize: 10 })
    const { result, killSwitch } = source.source.mapAsync(4, (n) => n).runWith(Sink.ignore())
    setTimeout(() => killSwitch.shutdown(), 10)
    await within(result, 2000)
    source.assertReleased()
  })

  it('stops every stage of a longer graph', async () => {
    const a = probe({ delayMs: 1 })
    const b = probe({ hang: true })
    const { result, killSwitch } = a.source
      .merge(b.source)
      .mapAsync(2, async (n) => n)
      .buffer(8)
      .grouped(3)
      .runWith(Sink.ignore())
    await sleep(20)
    killSwitch.shutdown()
    await within(result, 1000)
    a.assertReleased()
    b.assertReleased()
  })
})
