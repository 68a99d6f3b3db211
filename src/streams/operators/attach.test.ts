import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Sink } from '../sink.js'
import { Source } from '../source.js'
import { boom, probe, sleep, slowSink, within } from '../testing/probe.js'

const collect = <T>(source: Source<T>): Promise<T[]> => within(source.runWith(Sink.collect<T>()).result, 2000, 'the stream')

describe('flatMap', () => {
  it('emits the inner sources one after the other, in order', async () => {
    const out = await collect(Source.from([1, 2, 3]).flatMap((n) => Source.from([n, n]).concat(Source.single(-n))))
    assert.deepEqual(out, [1, 1, -1, 2, 2, -2, 3, 3, -3])
  })

  it('pulls upstream only once the current inner source completed', async () => {
    const outer = probe({ count: 3 })
    const inner = probe({ count: 2 })
    const out = await collect(outer.source.flatMap(() => inner.source))
    assert.deepEqual(out, [0, 1, 0, 1, 0, 1])
    assert.equal(inner.opens, 3)
    // One pull per element, then the DONE: never ahead of the inner streams.
    assert.equal(outer.pulls, 4)
    outer.assertReleased()
    inner.assertReleased()
  })

  it('a throwing f fails the stream and cancels upstream', async () => {
    const outer = probe()
    const error = boom()
    const result = outer.source
      .flatMap((n) => {
        if (n === 1) throw error
        return Source.single(n)
      })
      .runWith(Sink.collect()).result
    await assert.rejects(within(result, 2000), error)
    assert.equal(outer.cancels[0], error)
    outer.assertReleased()
  })

  it('an inner failure fails the stream and cancels upstream', async () => {
    const outer = probe()
    const inner = probe({ failAfter: 1 })
    const result = outer.source.flatMap(() => inner.source).runWith(Sink.collect()).result
    await assert.rejects(within(result, 2000), inner.error as Error)
    outer.assertReleased()
    inner.assertReleased()
    assert.ok(outer.cancelled)
  })

  it('an upstream failure fails the stream', async () => {
    const outer = probe({ failAfter: 2 })
    const result = outer.source.flatMap((n) => Source.single(n)).runWith(Sink.collect()).result
    await assert.rejects(within(result, 2000), outer.error as Error)
    outer.assertReleased()
  })

  it('cancellation cancels the inner source and upstream', async () => {
    const outer = probe()
    const inner = probe()
    assert.deepEqual(await collect(outer.source.flatMap(() => inner.source).take(3)), [0, 1, 2])
    assert.ok(outer.cancelled)
    assert.ok(inner.cancelled)
    outer.assertReleased()
    inner.assertReleased()
  })

  it('the kill switch cancels both while the inner source has a pull pending', async () => {
    const outer = probe()
    const inner = probe({ hang: true })
    const { result, killSwitch } = outer.source.flatMap(() => inner.source).runWith(Sink.collect())
    await inner.waitOpened()
    killSwitch.shutdown()
    assert.deepEqual(await within(result, 2000), [])
    outer.assertReleased()
    inner.assertReleased()
  })
})

describe('alsoTo', () => {
  it('sends every element to the side sink as well as downstream', async () => {
    const side: number[] = []
    assert.deepEqual(await collect(Source.range(1, 5).alsoTo(Sink.forEach((n: number) => side.push(n)))), [1, 2, 3, 4, 5])
    assert.deepEqual(side, [1, 2, 3, 4, 5])
  })

  it('the side sink completes with the stream', async () => {
    let sideDone = false
    const side = new Sink<number, void>(async (upstream, control) => {
      await Sink.ignore<number>().consume(upstream, control)
      sideDone = true
    })
    const source = probe({ count: 3 })
    assert.deepEqual(await collect(source.source.alsoTo(side)), [0, 1, 2])
    await sleep(5)
    assert.ok(sideDone)
    source.assertReleased()
  })

  it('a slow side sink backpressures the stream', async () => {
    const source = probe()
    const seen: number[] = []
    const { result, killSwitch } = source.source.alsoTo(slowSink(5, seen)).runWith(Sink.ignore())
    await sleep(60)
    killSwitch.shutdown()
    await within(result, 2000)
    // Each branch holds at most one chunk: the source is at most a few elements ahead of the slow side.
    assert.ok(source.emitted <= seen.length + 3, `emitted ${source.emitted}, side saw ${seen.length}`)
  })

  it('a failing side sink fails the stream and cancels upstream', async () => {
    const source = probe()
    const error = boom()
    const side = Sink.forEach((n: number) => {
      if (n === 3) throw error
    })
    await assert.rejects(collect(source.source.alsoTo(side)), error)
    assert.ok(source.cancelled)
    source.assertReleased()
  })

  it('a side sink that finishes early leaves the stream going', async () => {
    const source = probe({ count: 6 })
    assert.deepEqual(await collect(source.source.alsoTo(Sink.head())), [0, 1, 2, 3, 4, 5])
    source.assertReleased()
  })

  it('an upstream failure fails the stream', async () => {
    const source = probe({ failAfter: 2 })
    await assert.rejects(collect(source.source.alsoTo(Sink.ignore())), source.error as Error)
    source.assertReleased()
  })

  it('downstream cancellation (take) cancels the side sink and the source', async () => {
    const source = probe()
    let sideSettled = false
    const side = new Sink<number, void>(async (upstream, control) => {
      await Sink.ignore<number>().consume(upstream, control)
      sideSettled = true
    })
    assert.deepEqual(await collect(source.source.alsoTo(side).take(3)), [0, 1, 2])
    await within(
      (async () => {
        while (!source.released) await sleep(2)
      })(),
      1000,
      'the source release',
    )
    source.assertReleased()
    assert.ok(source.cancelled)
    await sleep(5)
    assert.ok(sideSettled, 'the side sink ended')
  })

  it('the kill switch stops the side sink too', async () => {
    const source = probe()
    const { result, killSwitch } = source.source.alsoTo(Sink.ignore()).runWith(Sink.ignore())
    await source.waitOpened()
    killSwitch.abort(boom('stop'))
    await assert.rejects(within(result, 2000), /stop/)
    source.assertReleased()
  })
})
