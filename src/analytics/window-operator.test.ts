import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { seededRandom } from '../log/testing/seeded-random.js'
import { Sink, Source } from '../streams/index.js'
import { avg, combine, count, max, min, quantiles, sum } from './aggregates.js'
import { END_OF_TIME, type Element } from './elements.js'
import { resultId, windowAggregate, type WindowResult } from './window-operator.js'
import { TICK, withWatermarks } from './watermarks.js'
import { session, sliding, tumbling, type Window, type WindowAssigner } from './windows.js'

interface Event {
  key: string
  time: number
  value: number
  partition: number
}

/** Events roughly in time order per partition, with jitter up to `disorder` ms and some far-late stragglers. */
function events(seed: number, n: number, disorder: number): Event[] {
  const next = seededRandom(seed)
  const out: Event[] = []
  let clock = 1_000_000
  for (let i = 0; i < n; i++) {
    clock += Math.floor(next() * 40)
    const straggler = next() < 0.03
    out.push({
      key: `k${Math.floor(next() * 5)}`,
      time: clock - Math.floor(next() * disorder) - (straggler ? 2000 + Math.floor(next() * 3000) : 0),
      value: Math.floor(next() * 1000),
      partition: Math.floor(next() * 3),
    })
  }
  return out
}

const stats = combine({ n: count<Event>(), total: sum((e: Event) => e.value), low: min((e: Event) => e.value), high: max((e: Event) => e.value), mean: avg((e: Event) => e.value) })
type Stats = ReturnType<typeof stats.result>

async function run(input: Event[], assigner: WindowAssigner, lateness: number): Promise<{ elements: Element<Event>[]; outputs: Element<WindowResult<string, Stats>>[] }> {
  // One record at a time, as a tail of the log brings them, so watermarks move between records.
  const elements = await oneByOne(input).via(withWatermarks({ time: (e: Event) => e.time, partition: (e) => e.partition, maxOutOfOrdernessMs: 300 })).runWith(Sink.collect()).result
  const outputs = await Source.from(elements).via(windowAggregate({ key: (e: Event) => e.key, window: assigner, aggregate: stats, allowedLatenessMs: lateness })).runWith(Sink.collect()).result
  return { elements, outputs }
}

/** The brute-force reference: replays the same elements, deciding lateness per window by the watermark at arrival, and aggregates each window's accepted values at the end. */
function reference(elements: Element<Event>[], assigner: WindowAssigner, lateness: number): { windows: Map<string, Event[]>; late: Event[] } {
  let wm = -Infinity
  const windows = new Map<string, Event[]>()
  const late: Event[] = []
  for (const e of elements) {
    if (e.kind === 'watermark') wm = Math.max(wm, e.time)
    if (e.kind !== 'record') continue
    let taken = false
    for (const w of assigner.assign(e.time)) {
      if (w.end - 1 + lateness <= wm) continue
      taken = true
      const id = resultId(e.value.key, w)
      windows.set(id, [...(windows.get(id) ?? []), e.value])
    }
    if (!taken) late.push(e.value)
  }
  return { windows, late }
}

function statsOf(values: Event[]): Stats {
  const xs = values.map((v) => v.value)
  return { n: xs.length, total: xs.reduce((a, b) => a + b, 0), low: Math.min(...xs), high: Math.max(...xs), mean: xs.reduce((a, b) => a + b, 0) / xs.length }
}

function finals(outputs: Element<WindowResult<string, Stats>>[]): Map<string, WindowResult<string, Stats>> {
  const last = new Map<string, WindowResult<string, Stats>>()
  for (const o of outputs) if (o.kind === 'record') last.set(o.value.id, o.value)
  return last
}

const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8]

/** One element per chunk, with `step` run before each (a source that speaks one record at a time, as a log tail does). */
function oneByOne<T>(items: T[], step: (item: T) => void = () => undefined): Source<T> {
  return Source.fromAsyncIterable(
    (async function* () {
      for (const item of items) {
        step(item)
        await Promise.resolve()
        yield item
      }
    })(),
  )
}

describe('windowAggregate against a brute-force reference (randomized, out of order, late records)', () => {
  for (const [name, assigner] of [
    ['tumbling 1 s', tumbling(1000)],
    ['sliding 1 s every 250 ms', sliding(1000, 250)],
    ['tumbling 1 s and sliding 3 s every 1 s at once (windows of two sizes)', { kind: 'tumbling', assign: (t: number) => [...tumbling(1000).assign(t), ...sliding(3000, 1000).assign(t)] } as WindowAssigner],
  ] as const) {
    for (const lateness of [0, 1500]) {
      it(`${name}, allowed lateness ${lateness} ms: every window's final result, and the side output, match`, async () => {
        let lateSeen = 0
        for (const seed of SEEDS) {
          const input = events(seed, 3000, 600)
          const { elements, outputs } = await run(input, assigner, lateness)
          const ref = reference(elements, assigner, lateness)
          const got = finals(outputs)
          assert.equal(got.size, ref.windows.size, `seed ${seed}: windows`)
          for (const [id, values] of ref.windows) {
            const result = got.get(id)
            assert.ok(result, `seed ${seed}: no result for ${id}`)
            const want = statsOf(values)
            assert.equal(result.value.n, want.n, `seed ${seed} ${id}: count`)
            assert.equal(result.value.total, want.total, `seed ${seed} ${id}: sum`)
            assert.equal(result.value.low, want.low)
            assert.equal(result.value.high, want.high)
            assert.ok(Math.abs(result.value.mean! - want.mean!) < 1e-9)
          }
          const late = outputs.filter((o) => o.kind === 'late').map((o) => o.value)
          assert.deepEqual(late, ref.late, `seed ${seed}: side output`)
          lateSeen += ref.late.length
          // Each (key, window) fires on time exactly once; late firings only within the lateness.
          const onTime = outputs.filter((o) => o.kind === 'record' && o.value.firing === 'on-time').map((o) => (o as { value: WindowResult<string, Stats> }).value.id)
          assert.equal(new Set(onTime).size, onTime.length, `seed ${seed}: a window fired on time twice`)
          if (lateness === 0) assert.equal(outputs.filter((o) => o.kind === 'record' && o.value.firing === 'late').length, 0)
          // An on-time result goes out with the very watermark that reached its window's end: not before, not later.
          let forwarded = -Infinity
          outputs.forEach((o, i) => {
            if (o.kind === 'watermark') forwarded = o.time
            if (o.kind !== 'record' || o.value.firing !== 'on-time') return
            const last = o.value.window.end - 1
            assert.ok(forwarded < last, `seed ${seed}: ${o.value.id} fired after watermark ${forwarded} had passed it`)
            const next = outputs.slice(i + 1).find((n) => n.kind === 'watermark')
            assert.ok(next && next.time >= last, `seed ${seed}: ${o.value.id} fired before a watermark reached ${last}`)
          })
        }
        assert.ok(lateSeen > 0, 'the inputs hold records too late for every window')
      })
    }
  }

  it('session windows (gap 200 ms) with nothing late: the sessions of each key, as an offline grouping finds them', async () => {
    for (const seed of SEEDS) {
      const input = events(seed, 2000, 600)
      const { outputs } = await run(input, session(200), 1_000_000)
      const byKey = new Map<string, Event[]>()
      for (const e of input) byKey.set(e.key, [...(byKey.get(e.key) ?? []), e])
      const want = new Map<string, Stats>()
      for (const [key, list] of byKey) {
        const sorted = [...list].sort((a, b) => a.time - b.time)
        let current: Event[] = []
        const close = (): void => {
          const window: Window = { start: current[0]!.time, end: current.at(-1)!.time + 200 }
          want.set(resultId(key, window), statsOf(current))
        }
        for (const e of sorted) {
          if (current.length > 0 && e.time >= current.at(-1)!.time + 200) {
            close()
            current = []
          }
          current.push(e)
        }
        close()
      }
      // A session that fired and then grew (a late record bridged it) leaves its smaller firing behind: compare the final sessions only.
      const got = finals(outputs)
      for (const [id, stat] of want) {
        const result = got.get(id)
        assert.ok(result, `seed ${seed}: no session ${id}`)
        assert.equal(result.value.n, stat.n, `seed ${seed} ${id}`)
        assert.equal(result.value.total, stat.total, `seed ${seed} ${id}`)
      }
      assert.equal(outputs.filter((o) => o.kind === 'late').length, 0)
    }
  })
})

describe('watermarks', () => {
  it('hold back by the slowest partition, rise only, and flush at the end of a bounded input', async () => {
    const input = [
      { p: 0, t: 1000 },
      { p: 1, t: 500 },
      { p: 0, t: 3000 },
      { p: 1, t: 2000 },
      { p: 0, t: 2500 },
    ]
    const out = await Source.from(input).via(withWatermarks({ time: (e) => e.t, partition: (e) => e.p, maxOutOfOrdernessMs: 100 })).runWith(Sink.collect()).result
    const marks = out.filter((e) => e.kind === 'watermark').map((e) => (e as { time: number }).time)
    assert.deepEqual(marks.slice(0, -1).every((m, i) => i === 0 || m > marks[i - 1]!), true)
    assert.equal(Math.max(...marks.slice(0, -1)), 1900, 'the slower partition (1) holds the watermark at 2000 - 100')
    assert.equal(marks.at(-1), END_OF_TIME)
  })

  it('stop waiting for a partition that went idle', async () => {
    let now = 0
    const options = { time: (e: { p: number; t: number }) => e.t, partition: (e: { p: number; t: number }) => e.p, maxOutOfOrdernessMs: 0, idleTimeoutMs: 1000, now: () => now, atEnd: 'hold' as const }
    const flow = withWatermarks(options)
    const input: Array<{ p: number; t: number } | typeof TICK> = [{ p: 0, t: 100 }, { p: 1, t: 50 }]
    const first = await Source.from(input).via(flow).runWith(Sink.collect()).result
    assert.deepEqual(first.filter((e) => e.kind === 'watermark'), [{ kind: 'watermark', time: 50 }])
    // Partition 1 goes quiet; after the idle timeout, partition 0 alone moves the watermark.
    now = 0
    const stepped = oneByOne<{ p: number; t: number } | typeof TICK>([{ p: 0, t: 100 }, { p: 1, t: 50 }, TICK, { p: 0, t: 5000 }], (e) => {
      if (e === TICK) now += 2000
    })
    const second = await stepped.via(withWatermarks(options)).runWith(Sink.collect()).result
    const marks = second.filter((e) => e.kind === 'watermark').map((e) => (e as { time: number }).time)
    assert.equal(marks.at(-1), 5000)
  })
})

describe('aggregates', () => {
  it('quantiles from a mergeable sketch, within 1% of the true value, and saved and loaded for checkpoints', () => {
    const q = quantiles((x: number) => x, [0.5, 0.9])
    let a = q.create()
    let b = q.create()
    for (let i = 1; i <= 5000; i++) a = q.add(a, i)
    for (let i = 5001; i <= 10_000; i++) b = q.add(b, i)
    const merged = q.merge(a, b)
    const [p50, p90] = q.result(merged)!
    assert.ok(Math.abs(p50! - 5000) / 5000 < 0.011, `p50 ${p50}`)
    assert.ok(Math.abs(p90! - 9000) / 9000 < 0.011, `p90 ${p90}`)
    const restored = q.result(q.load!(JSON.parse(JSON.stringify(q.save!(merged)))))!
    q.result(merged)!.forEach((value, i) => assert.ok(Math.abs(restored[i]! - value) < 1e-9 * value, `quantile ${i} after a reload`))
    assert.equal(q.result(q.create()), null)
  })
})

describe('early firings', () => {
  it('emit partial results of open windows on ticks, then the on-time result', async () => {
    let now = 0
    const input: Array<{ t: number } | typeof TICK> = [{ t: 100 }, { t: 200 }, TICK, { t: 300 }, TICK, { t: 5000 }]
    const out = await oneByOne(input, (e) => {
      if (e === TICK) now += 1000
    })
      .via(withWatermarks({ time: (e: { t: number }) => e.t, maxOutOfOrdernessMs: 0, now: () => now }))
      .via(windowAggregate({ key: () => 'all', window: tumbling(1000), aggregate: count(), earlyFiringsMs: 500 }))
      .runWith(Sink.collect()).result
    const results = out.filter((e) => e.kind === 'record').map((e) => (e as { value: WindowResult<string, number> }).value)
    assert.deepEqual(
      results.filter((r) => r.window.start === 0).map((r) => [r.firing, r.value]),
      [
        ['early', 2],
        ['early', 3],
        ['on-time', 3],
      ],
    )
  })
})
