import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Sink, Source } from '../streams/index.js'
import { avg } from './aggregates.js'
import type { Checkpoint, Element } from './elements.js'
import { keyedProcess } from './keyed-process.js'
import { windowAggregate } from './window-operator.js'
import { tumbling } from './windows.js'

interface Step {
  ride: string
  status: 'requested' | 'pickedUp'
}

const rec = <T>(value: T, time: number): Element<T> => ({ kind: 'record', value, time })
const wm = (time: number): Element<never> => ({ kind: 'watermark', time })
const barrierOf = (): { element: Element<never>; checkpoint: Checkpoint } => {
  const checkpoint: Checkpoint = { id: 1, offsets: [], states: {} }
  return { element: { kind: 'barrier', checkpoint }, checkpoint }
}

/** Wait from request to pickup per ride; a ride not picked up within 1000 ms of event time is given up by a timer. */
const waits = (restored?: unknown) =>
  keyedProcess<Step, string, { requestedAt: number }, { ride: string; waitMs?: number; gaveUp?: boolean }>({
    name: 'waits',
    restored,
    key: (s) => s.ride,
    onRecord: (step, time, ctx) => {
      if (step.status === 'requested') {
        ctx.state = { requestedAt: time }
        ctx.eventTimer(time + 1000)
      } else if (ctx.state) {
        ctx.emit({ ride: step.ride, waitMs: time - ctx.state.requestedAt }, time)
        ctx.state = undefined
      }
    },
    onTimer: (at, domain, ctx) => {
      if (domain === 'event' && ctx.state) {
        ctx.emit({ ride: ctx.key, gaveUp: true }, at)
        ctx.state = undefined
      }
    },
  })

describe('keyedProcess', () => {
  it('keeps state per key, emits from it, and fires event-time timers in order when the watermark reaches them, before passing it on', async () => {
    const input: Array<Element<Step>> = [
      rec({ ride: 'a', status: 'requested' }, 100),
      rec({ ride: 'b', status: 'requested' }, 200),
      rec({ ride: 'a', status: 'pickedUp' }, 700),
      wm(1150),
      wm(1300),
    ]
    const out = await Source.from(input).via(waits()).runWith(Sink.collect()).result
    assert.deepEqual(out, [rec({ ride: 'a', waitMs: 600 }, 700), wm(1150), rec({ ride: 'b', gaveUp: true }, 1200), wm(1300)])
  })

  it('saves state and timers at a barrier as they are then, and a restored copy goes on from there', async () => {
    const { element, checkpoint } = barrierOf()
    // One chunk: what comes after the barrier must not reach the checkpoint.
    await Source.from<Element<Step>>([rec({ ride: 'a', status: 'requested' }, 100), element, rec({ ride: 'a', status: 'pickedUp' }, 400)])
      .via(waits())
      .runWith(Sink.collect()).result
    const saved = checkpoint.states.waits as { states: Array<[string, unknown]>; eventTimers: unknown[] }
    assert.deepEqual(saved.states, [['a', { requestedAt: 100 }]])
    assert.deepEqual(saved.eventTimers, [{ at: 1100, key: 'a' }])
    const after = await Source.from<Element<Step>>([rec({ ride: 'a', status: 'pickedUp' }, 450)]).via(waits(JSON.parse(JSON.stringify(checkpoint.states.waits)))).runWith(Sink.collect()).result
    assert.deepEqual(after, [rec({ ride: 'a', waitMs: 350 }, 450)])
  })
})

describe('windowAggregate checkpoints', () => {
  it('saves accumulators as they are at the barrier, though the records after it in the same chunk change them in place', async () => {
    const { element, checkpoint } = barrierOf()
    const op = (restored?: unknown) => windowAggregate({ name: 'w', restored, key: () => 'all', window: tumbling(1000), aggregate: avg((x: number) => x) })
    await Source.from<Element<number>>([rec(10, 100), element, rec(40, 200)]).via(op()).runWith(Sink.collect()).result
    const out = await Source.from<Element<number>>([rec(30, 300), wm(999)])
      .via(op(JSON.parse(JSON.stringify(checkpoint.states.w))))
      .runWith(Sink.collect()).result
    const result = out.find((e) => e.kind === 'record') as { value: { value: number } }
    assert.equal(result.value.value, 20, 'avg of 10 (before the barrier) and 30 (after the restore); the 40 after the barrier is not in the checkpoint')
  })
})
