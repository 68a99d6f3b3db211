import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Sink, Source } from '../streams/index.js'
import { sum } from './aggregates.js'
import type { Checkpoint, Element } from './elements.js'
import { countWindow, type CountWindowResult } from './count-window.js'

const rec = (value: { k: string; x: number }, time: number): Element<{ k: string; x: number }> => ({ kind: 'record', value, time })
const input = (n: number): Array<Element<{ k: string; x: number }>> => Array.from({ length: n }, (_, i) => rec({ k: i % 2 === 0 ? 'even' : 'odd', x: i }, i))

async function results(elements: Array<Element<{ k: string; x: number }>>, size: number, slide?: number, restored?: unknown): Promise<Array<CountWindowResult<string, number>>> {
  const out = await Source.from(elements)
    .via(countWindow({ key: (v: { k: string; x: number }) => v.k, size, ...(slide ? { slide } : {}), aggregate: sum((v: { k: string; x: number }) => v.x), name: 'c', restored }))
    .runWith(Sink.collect()).result
  return out.filter((e) => e.kind === 'record').map((e) => (e as { value: CountWindowResult<string, number> }).value)
}

describe('countWindow', () => {
  it('tumbling: fires a key every `size` records with their aggregate, never its partial last window', async () => {
    const even = (await results(input(20), 3)).filter((r) => r.key === 'even')
    // Evens are 0, 2, 4, ..., 18: windows (0,2,4) (6,8,10) (12,14,16); 18 is left partial.
    assert.deepEqual(even.map((r) => [r.index, r.value, r.id]), [[0, 6, 'even#0'], [1, 24, 'even#1'], [2, 42, 'even#2']])
  })

  it('sliding: every `slide` records over the last `size`', async () => {
    const odd = (await results(input(14), 4, 2)).filter((r) => r.key === 'odd')
    // Odds 1, 3, ..., 13: windows (1,3,5,7) (5,7,9,11), then (9,11,13,...) needs two more.
    assert.deepEqual(odd.map((r) => r.value), [16, 32])
  })

  it('saves its per-key state at a barrier, and a restored copy fires as one that never stopped', async () => {
    const checkpoint: Checkpoint = { id: 1, offsets: [], states: {} }
    const all = input(20)
    const uninterrupted = await results(all, 3)
    const first = await results([...all.slice(0, 7), { kind: 'barrier', checkpoint }], 3)
    const second = await results(all.slice(7), 3, undefined, JSON.parse(JSON.stringify(checkpoint.states.c)))
    assert.deepEqual([...first, ...second], uninterrupted)
  })

  it('refuses a slide larger than the window', () => {
    assert.throws(() => countWindow({ key: () => 'k', size: 2, slide: 3, aggregate: sum((x: number) => x) }), { code: 'KOOBER_INVALID_ARGUMENT' })
  })
})
