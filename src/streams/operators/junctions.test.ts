import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { runInNewContext } from 'node:vm'
import { setFlagsFromString } from 'node:v8'
import { Sink } from '../sink.js'
import { Source } from '../source.js'
import { DONE } from '../stage.js'
import { boom, isPending, probe, sleep, within } from '../testing/probe.js'

const collect = <T>(source: Source<T>): Promise<T[]> => within(source.runWith(Sink.collect<T>()).result, 2000, 'the stream')

describe('merge', () => {
  it('emits every element of every source, each source in order, and completes when all did', async () => {
    const a = probe({ count: 20, chunkSize: 3 })
    const b = probe({ count: 10, delayMs: 1 })
    const out = await collect(a.source.map((n) => `a${n}`).merge(b.source.map((n) => `b${n}`), Source.from(['c0', 'c1'])))
    assert.equal(out.length, 32)
    for (const prefix of ['a', 'b', 'c']) {
      const mine = out.filter((s) => s.startsWith(prefix)).map((s) => Number(s.slice(1)))
      assert.deepEqual(
        mine,
        [...mine].sort((x, y) => x - y),
        `${prefix} in order`,
      )
    }
    a.assertReleased()
    b.assertReleased()
  })

  it('a fast source is not held back by a slow one', async () => {
    const slow = probe({ delayMs: 1000 })
    const fast = probe({ count: 50 })
    const start = Date.now()
    const out = await collect(slow.source.merge(fast.source).take(50))
    assert.deepEqual(out, Array.from({ length: 50 }, (_, i) => i))
    assert.ok(Date.now() - start < 500)
    assert.ok(slow.cancelled)
    slow.assertReleased()
  })

  it('serves ready sources in turn, so none starves', async () => {
    const a = probe({ sync: true })
    const b = probe({ sync: true })
    const out = await collect(a.source.map(() => 'a').merge(b.source.map(() => 'b')).take(20))
    const as = out.filter((s) => s === 'a').length
    assert.ok(as >= 8 && as <= 12, `${as} of 20 from a`)
    a.assertReleased()
    b.assertReleased()
  })

  it('pulls each source at most once ahead: a slow sink holds a fast source back', async () => {
    const a = probe()
    const b = probe()
    const seen: number[] = []
    const { result, killSwitch } = a.source.merge(b.source).runWith(
      Sink.forEachAsync(async (n: number) => {
        seen.push(n)
        await sleep(3)
      }),
    )
    await sleep(50)
    killSwitch.shutdown()
    await within(result, 1000)
    assert.ok(a.emitted + b.emitted <= seen.length + 2, `emitted ${a.emitted + b.emitted}, consumed ${seen.length}`)
    a.assertReleased()
    b.assertReleased()
  })

  it('a failure fails the stream and cancels the other sources', async () => {
    const ok = probe({ delayMs: 5 })
    const failing = probe({ failAfter: 2 })
    await assert.rejects(collect(ok.source.merge(failing.source)), failing.error as Error)
    assert.equal(ok.cancels[0], failing.error)
    ok.assertReleased()
    failing.assertReleased()
  })

  it('downstream cancellation cancels every source', async () => {
    const sources = [probe(), probe({ hang: true }), probe({ delayMs: 2 })]
    await collect(sources[0]!.source.merge(sources[1]!.source, sources[2]!.source).take(3))
    for (const s of sources) {
      assert.ok(s.cancelled)
      s.assertReleased()
    }
  })

  it('the kill switch stops a merge of endless synchronous sources', async () => {
    const a = probe({ sync: true, chunkSize: 64 })
    const b = probe({ sync: true, chunkSize: 64 })
    const { result, killSwitch } = a.source.merge(b.source).runWith(Sink.ignore())
    setTimeout(() => killSwitch.shutdown(), 20)
    await within(result, 2000)
    a.assertReleased()
    b.assertReleased()
  })

  it('memory stays flat while one source stays idle', async () => {
    setFlagsFromString('--expose-gc')
    const gc = runInNewContext('gc') as () => void
    const idle = probe({ hang: true })
    const fast = probe({ sync: true })
    let count = 0
    let heapAt10k = 0
    const { result, killSwitch } = fast.source.merge(idle.source).runWith(
      Sink.forEach(() => {
        count++
        if (count === 10_000) {
          gc()
          heapAt10k = process.memoryUsage().heapUsed
        }
        if (count === 60_000) killSwitch.shutdown()
      }),
    )
    await within(result, 5000)
    gc()
    const growth = process.memoryUsage().heapUsed - heapAt10k
    // Before the fix, each merge pull left a reaction on the idle source's pull: ~40 MB here.
    assert.ok(growth < 10e6, `heap grew ${Math.round(growth / 1e6)} MB over 50,000 pulls`)
    idle.assertReleased()
  })
})

describe('concat', () => {
  it('emits each source in turn, opening the next only when the previous completed', async () => {
    const first = probe({ count: 3 })
    const second = probe({ count: 2 })
    const seen: number[] = []
    let secondOpenedAfter = -1
    const { result } = first.source
      .concat(second.source.map((n) => n + 100), Source.single(-1))
      .runWith(
        Sink.forEach((n: number) => {
          if (secondOpenedAfter < 0 && second.opens > 0) secondOpenedAfter = seen.length
          seen.push(n)
        }),
      )
    await within(result, 1000)
    assert.deepEqual(seen, [0, 1, 2, 100, 101, -1])
    assert.equal(secondOpenedAfter, 3)
    first.assertReleased()
    second.assertReleased()
  })

  it('a failure fails the stream and the later sources are never opened', async () => {
    const first = probe({ failAfter: 1 })
    const second = probe()
    await assert.rejects(collect(first.source.concat(second.source)), first.error as Error)
    assert.equal(second.opens, 0)
    first.assertReleased()
  })

  it('a failure of a later source fails the stream', async () => {
    const second = probe({ failAfter: 1 })
    await assert.rejects(collect(Source.from([1, 2]).concat(second.source)), second.error as Error)
    second.assertReleased()
  })

  it('downstream cancellation cancels the current source and opens no later one', async () => {
    const first = probe()
    const second = probe()
    assert.deepEqual(await collect(first.source.concat(second.source).take(2)), [0, 1])
    assert.ok(first.cancelled)
    assert.equal(second.opens, 0)
  })

  it('a cancel while the current source has a pull pending opens no later source', async () => {
    const first = probe({ hang: true })
    const second = probe()
    const stage = first.source.concat(second.source).open()
    const pending = Promise.resolve(stage.pull())
    assert.ok(await isPending(pending, 5))
    await stage.cancel()
    assert.equal(await within(pending, 1000, 'the pending pull'), DONE)
    assert.equal(second.opens, 0, 'the second source was opened after the cancel')
    first.assertReleased()
  })
})

describe('zip', () => {
  it('pairs elements in order and completes with the shorter side, cancelling the other', async () => {
    const long = probe({ chunkSize: 3 })
    const out = await collect(Source.from(['a', 'b', 'c']).zip(long.source))
    assert.deepEqual(out, [
      ['a', 0],
      ['b', 1],
      ['c', 2],
    ])
    assert.ok(long.cancelled)
    long.assertReleased()
  })

  it('pairs across chunks of different sizes', async () => {
    const left = probe({ count: 7, chunkSize: 3 })
    const right = probe({ count: 9, chunkSize: 2 })
    const out = await collect(left.source.zip(right.source.map((n) => n * 10)))
    assert.deepEqual(
      out,
      Array.from({ length: 7 }, (_, i) => [i, i * 10]),
    )
    left.assertReleased()
    right.assertReleased()
  })

  it('completes as soon as one side completes, even when the other has nothing to give', async () => {
    const idle = probe({ hang: true })
    assert.deepEqual(await collect(Source.empty<number>().zip(idle.source)), [])
    assert.ok(idle.cancelled)
    idle.assertReleased()
    const idleLeft = probe({ hang: true })
    assert.deepEqual(await collect(idleLeft.source.zip(Source.empty<number>())), [])
    idleLeft.assertReleased()
  })

  it('a failure on either side fails the stream and cancels the other side', async () => {
    for (const failingLeft of [true, false]) {
      const failing = probe({ failAfter: 2 })
      const other = probe({ delayMs: 2 })
      const zipped = failingLeft ? failing.source.zip(other.source) : other.source.zip(failing.source)
      await assert.rejects(collect(zipped), failing.error as Error)
      assert.equal(other.cancels[0], failing.error)
      other.assertReleased()
      failing.assertReleased()
    }
  })

  it('downstream cancellation cancels both sides', async () => {
    const left = probe()
    const right = probe()
    assert.equal((await collect(left.source.zip(right.source).take(2))).length, 2)
    assert.ok(left.cancelled && right.cancelled)
    left.assertReleased()
    right.assertReleased()
  })
})

describe('recover', () => {
  it('passes a stream that does not fail unchanged', async () => {
    assert.deepEqual(await collect(Source.from([1, 2]).recover(() => -1)), [1, 2])
  })

  it('on an upstream failure, emits f(error) and completes', async () => {
    const source = probe({ failAfter: 3 })
    let seen: unknown
    const out = await collect(
      source.source.recover((error) => {
        seen = error
        return -1
      }),
    )
    assert.deepEqual(out, [0, 1, 2, -1])
    assert.equal(seen, source.error)
    source.assertReleased()
  })

  it('completes with nothing more when f returns undefined', async () => {
    const source = probe({ failAfter: 2 })
    assert.deepEqual(await collect(source.source.recover(() => undefined)), [0, 1])
  })

  it('lets the failure through when f rethrows', async () => {
    const other = boom('rethrown')
    await assert.rejects(
      collect(
        Source.failed<number>(boom()).recover(() => {
          throw other
        }),
      ),
      other,
    )
  })

  it('recovers from a failure of a user function upstream (the operator cancelled its source)', async () => {
    const source = probe()
    const out = await collect(
      source.source
        .map((n) => {
          if (n === 2) throw boom()
          return n
        })
        .recover(() => 99),
    )
    assert.deepEqual(out, [0, 1, 99])
    assert.ok(source.cancelled)
    source.assertReleased()
  })

  it('downstream cancellation cancels upstream', async () => {
    const source = probe()
    assert.deepEqual(await collect(source.source.recover(() => -1).take(1)), [0])
    assert.ok(source.cancelled)
    source.assertReleased()
  })
})
