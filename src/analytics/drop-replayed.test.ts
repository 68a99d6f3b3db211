import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Sink, Source } from '../streams/index.js'
import { dropReplayed } from './drop-replayed.js'
import type { Checkpoint, Element } from './elements.js'

type Fact = { source: string; position: number }
const rec = (source: string, position: number): Element<Fact> => ({ kind: 'record', value: { source, position }, time: position })
const positions = (out: Element<Fact>[]): string[] => out.flatMap((e) => (e.kind === 'record' ? [`${e.value.source}@${e.value.position}`] : []))
const options = { source: (f: Fact) => f.source, position: (f: Fact) => f.position }

describe('analytics: dropReplayed', () => {
  it('drops what a source sends again at or before its last position, source by source', async () => {
    const input = [rec('a', 1), rec('b', 1), rec('a', 2), rec('a', 1), rec('a', 2), rec('b', 1), rec('a', 3), rec('b', 2)]
    const out = await Source.from(input).via(dropReplayed(options)).runWith(Sink.collect()).result
    assert.deepEqual(positions(out), ['a@1', 'b@1', 'a@2', 'a@3', 'b@2'])
  })

  it('saves each source’s last position at a barrier, and a restored copy drops the replay of what came before it', async () => {
    const checkpoint: Checkpoint = { id: 1, offsets: [], states: {} }
    const first = [rec('a', 1), rec('a', 2), rec('b', 7), { kind: 'barrier', checkpoint } as Element<Fact>, rec('a', 3)]
    const out = await Source.from(first).via(dropReplayed({ ...options, name: 'replays' })).runWith(Sink.collect()).result
    assert.deepEqual(positions(out), ['a@1', 'a@2', 'b@7', 'a@3'])
    assert.deepEqual(checkpoint.states.replays, [['a', 2], ['b', 7]])
    // After a crash the upstream job writes again from its own checkpoint: a@2 and b@7 are replays, a@3 is new here.
    const replay = [rec('a', 2), rec('b', 7), rec('a', 3), rec('b', 8)]
    const again = await Source.from(replay).via(dropReplayed({ ...options, name: 'replays', restored: checkpoint.states.replays })).runWith(Sink.collect()).result
    assert.deepEqual(positions(again), ['a@3', 'b@8'])
  })

  it('refuses a saved state of another shape with a coded error', async () => {
    await assert.rejects(Source.from([rec('a', 1)]).via(dropReplayed({ ...options, name: 'replays', restored: { a: 1 } })).runWith(Sink.collect()).result, { code: 'KOOBER_ANALYTICS_CHECKPOINT' })
  })
})
