import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Sink } from '../sink.js'
import { Source } from '../source.js'
import { DONE } from '../stage.js'
import { isPending, sleep, within } from '../testing/probe.js'

/** The ms since `start` at which each element reached the sink (the sink takes `workMs(i)` on element i). */
async function arrivals(source: Source<string>, workMs: (i: number) => number = () => 0): Promise<number[]> {
  const start = Date.now()
  const at: number[] = []
  await within(
    source.runWith(
      Sink.forEachAsync(async () => {
        at.push(Date.now() - start)
        const ms = workMs(at.length - 1)
        if (ms > 0) await sleep(ms)
      }),
    ).result,
    3000,
    'the ticks',
  )
  return at
}

describe('Source.tick', () => {
  it('emits the value after the initial delay, then every interval', async () => {
    const values = await within(Source.tick(5, 10, 'tick').take(3).runWith(Sink.collect()).result, 1000)
    assert.deepEqual(values, ['tick', 'tick', 'tick'])
    const at = await arrivals(Source.tick(30, 20, 'x').take(4))
    // Ticks keep a fixed schedule (30 ms, then every 20): none comes before its time. A busy machine can make one
    // late, and the next then follows sooner than 20 ms, on schedule; so the bound is on the schedule, not the gaps.
    for (let i = 0; i < at.length; i++) assert.ok(at[i]! >= 30 + 20 * i - 2, `tick ${i} at ${at[i]} ms, before its time ${30 + 20 * i} ms`)
    assert.ok(at[3]! < 1000)
  })

  it('skips the ticks a slow consumer missed instead of sending a backlog', async () => {
    // The consumer stalls 100 ms on the first tick: about five ticks are missed. With a backlog the next
    // four would come at once; skipped, at most one is due at once and the others follow on the schedule.
    const at = await arrivals(Source.tick(0, 20, 'x').take(5), (i) => (i === 0 ? 100 : 0))
    assert.ok(at[1]! >= 95)
    // Skipped: the ticks after the stall keep the schedule (due at 120, 140, 160 ms); a backlog would send them all at ~100 ms.
    // One tick may already wait in the sink's one-element prefetch when the stall ends, so the fifth is due at 140 at the
    // earliest, or 160 without it. Lower bounds only, so a busy machine (which makes ticks late, never early) cannot fail it.
    assert.ok(at[4]! >= 135, `a backlog: the fifth tick came at ${at[4]} ms`)
  })

  it('the kill switch stops it while it waits for the next tick', async () => {
    const { result, killSwitch } = Source.tick(0, 10_000, 1).runWith(Sink.collect())
    await sleep(10)
    killSwitch.shutdown()
    assert.deepEqual(await within(result, 1000), [1])
  })

  it('a cancel settles a pull waiting for the next tick with DONE', async () => {
    const stage = Source.tick(10_000, 10_000, 1).open()
    const pending = Promise.resolve(stage.pull())
    assert.ok(await isPending(pending, 5))
    await stage.cancel()
    assert.equal(await within(pending, 1000, 'the pending pull'), DONE)
  })
})
