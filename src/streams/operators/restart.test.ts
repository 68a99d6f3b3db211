import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Sink } from '../sink.js'
import { Source } from '../source.js'
import { DONE } from '../stage.js'
import { boom, isPending, probe, sleep, within, type ProbeSource } from '../testing/probe.js'

const collect = <T>(source: Source<T>): Promise<T[]> => within(source.runWith(Sink.collect<T>()).result, 3000, 'the stream')

/** A factory of probe sources that records when each was made. */
function factory(options: ConstructorParameters<typeof ProbeSource>[0]) {
  const made: ProbeSource[] = []
  const at: number[] = []
  const start = Date.now()
  const make = (): Source<number> => {
    const source = probe(options)
    made.push(source)
    at.push(Date.now() - start)
    return source.source
  }
  return { made, at, make }
}

describe('Source.restartWithBackoff', () => {
  it('restarts a failing source, elements flowing on as from one source', async () => {
    const { made, make } = factory({ failAfter: 2 })
    const out = await collect(Source.restartWithBackoff({ minBackoffMs: 1, maxBackoffMs: 5, randomFactor: 0 }, make).take(7))
    assert.deepEqual(out, [0, 1, 0, 1, 0, 1, 0])
    assert.equal(made.length, 4)
    made.slice(0, 3).forEach((source) => assert.equal(source.failures, 1))
    assert.ok(made[3]!.cancelled, 'the last one cancelled by take')
    made.forEach((source) => source.assertReleased())
  })

  it('waits exponentially longer between restarts in a row, up to maxBackoffMs', async () => {
    const { at, make } = factory({ failAfter: 0 })
    const error = probe().error
    const start = Date.now()
    await assert.rejects(
      collect(Source.restartWithBackoff({ minBackoffMs: 15, maxBackoffMs: 60, randomFactor: 0, maxRestarts: 4 }, make)),
      (err) => err instanceof Error && err.message === (error as Error).message,
    )
    const gaps = at.slice(1).map((t, i) => t - at[i]!)
    assert.equal(at.length, 5)
    // 15, 30, 60, 60 (capped); timers may run late, never early.
    const expected = [15, 30, 60, 60]
    gaps.forEach((gap, i) => assert.ok(gap >= expected[i]! - 2 && gap < expected[i]! + 250, `gap ${i} was ${gap} ms, expected ~${expected[i]}`))
    assert.ok(Date.now() - start < 1500)
  })

  it('adds up to randomFactor of jitter to each wait', async () => {
    const { at, make } = factory({ failAfter: 0 })
    await assert.rejects(collect(Source.restartWithBackoff({ minBackoffMs: 20, maxBackoffMs: 20, randomFactor: 1, maxRestarts: 3 }, make)))
    const gaps = at.slice(1).map((t, i) => t - at[i]!)
    gaps.forEach((gap) => assert.ok(gap >= 18 && gap < 40 + 250, `gap ${gap}`))
  })

  it('gives up after maxRestarts failures in a row, failing with the last error', async () => {
    let n = 0
    const made: number[] = []
    const result = collect(
      Source.restartWithBackoff({ minBackoffMs: 1, maxBackoffMs: 2, maxRestarts: 2 }, () => {
        made.push(++n)
        return Source.failed<number>(boom(`failure ${n}`))
      }),
    )
    await assert.rejects(result, /failure 3/)
    assert.deepEqual(made, [1, 2, 3])
  })

  it('an element getting through resets the count of restarts in a row', async () => {
    // Each source gives one element and fails: with maxRestarts 1 it would give up at the second
    // failure in a row, but every source delivered an element first.
    const { made, make } = factory({ failAfter: 1 })
    const out = await collect(Source.restartWithBackoff({ minBackoffMs: 1, maxBackoffMs: 2, maxRestarts: 1 }, make).take(5))
    assert.deepEqual(out, [0, 0, 0, 0, 0])
    assert.equal(made.length, 5)
  })

  it('restarts after a completion too (by default), until maxRestarts', async () => {
    const { made, make } = factory({ count: 2 })
    const out = await collect(Source.restartWithBackoff({ minBackoffMs: 1, maxBackoffMs: 2, maxRestarts: 2 }, make).take(5))
    assert.deepEqual(out, [0, 1, 0, 1, 0])
    assert.equal(made.length, 3)
    // Completions without elements in between give up with a completion.
    let opens = 0
    assert.deepEqual(
      await collect(
        Source.restartWithBackoff({ minBackoffMs: 1, maxBackoffMs: 2, maxRestarts: 2 }, () => {
          opens++
          return Source.empty<number>()
        }),
      ),
      [],
    )
    assert.equal(opens, 3)
  })

  it('with onlyOnFailures, a completion completes the stream', async () => {
    const { made, make } = factory({ count: 3 })
    assert.deepEqual(await collect(Source.restartWithBackoff({ minBackoffMs: 1, maxBackoffMs: 2, onlyOnFailures: true }, make)), [0, 1, 2])
    assert.equal(made.length, 1)
    made[0]!.assertReleased()
  })

  it('with onlyOnFailures, a failure still restarts', async () => {
    const { made, make } = factory({ failAfter: 1 })
    assert.deepEqual(await collect(Source.restartWithBackoff({ minBackoffMs: 1, maxBackoffMs: 2, onlyOnFailures: true }, make).take(3)), [0, 0, 0])
    assert.equal(made.length, 3)
  })

  it('a factory that throws counts as a failure and is retried', async () => {
    let calls = 0
    const out = await collect(
      Source.restartWithBackoff({ minBackoffMs: 1, maxBackoffMs: 2 }, () => {
        if (++calls < 3) throw boom('not yet')
        return Source.from([1, 2])
      }).take(2),
    )
    assert.deepEqual(out, [1, 2])
    assert.equal(calls, 3)
  })

  it('downstream cancellation cancels the current source', async () => {
    const { made, make } = factory({})
    assert.deepEqual(await collect(Source.restartWithBackoff({ minBackoffMs: 1, maxBackoffMs: 2 }, make).take(2)), [0, 1])
    assert.equal(made.length, 1)
    assert.ok(made[0]!.cancelled)
    made[0]!.assertReleased()
  })

  it('a cancel during a backoff wait settles the pending pull at once and restarts nothing', async () => {
    const { made, make } = factory({ failAfter: 0 })
    const stage = Source.restartWithBackoff({ minBackoffMs: 5000, maxBackoffMs: 5000 }, make).open()
    const pending = Promise.resolve(stage.pull())
    await sleep(10)
    assert.ok(await isPending(pending))
    assert.equal(made.length, 1)
    await stage.cancel()
    assert.equal(await within(pending, 1000, 'the pending pull'), DONE)
    await sleep(10)
    assert.equal(made.length, 1)
  })

  it('a cancel while the current source has a pull pending settles at once, with no backoff wait', async () => {
    const { made, make } = factory({ hang: true })
    const stage = Source.restartWithBackoff({ minBackoffMs: 5000, maxBackoffMs: 5000 }, make).open()
    const pending = Promise.resolve(stage.pull())
    assert.ok(await isPending(pending, 5))
    await stage.cancel()
    assert.equal(await within(pending, 1000, 'the pending pull'), DONE)
    assert.equal(made.length, 1)
    made[0]!.assertReleased()
  })

  it('the kill switch stops it during a backoff wait', async () => {
    const { made, make } = factory({ failAfter: 0 })
    const { result, killSwitch } = Source.restartWithBackoff({ minBackoffMs: 5000, maxBackoffMs: 5000 }, make).runWith(Sink.collect())
    await sleep(10)
    killSwitch.shutdown()
    assert.deepEqual(await within(result, 1000), [])
    assert.equal(made.length, 1)
  })

  it('rejects backoffs out of order', () => {
    assert.throws(() => Source.restartWithBackoff({ minBackoffMs: 10, maxBackoffMs: 5 }, () => Source.empty()).open(), { code: 'KOOBER_INVALID_ARGUMENT' })
  })
})
