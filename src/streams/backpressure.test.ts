import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { Sink } from './sink.js'
import { probe, sleep, within } from './testing/probe.js'

/*
 * The point of pulled demand: a fast source into a slow sink holds no more than
 * a fixed number of elements in flight, whatever the speed difference.
 */
describe('backpressure', () => {
  it('a fast endless source into a slow sink through several operators and a buffer(16) stays within a fixed bound', async () => {
    setFlagsFromString('--expose-gc')
    const gc = runInNewContext('gc') as () => void
    const source = probe({ sync: true, chunkSize: 8 })
    let consumed = 0
    let worstLead = 0
    const heap: number[] = []
    const { result, killSwitch } = source.source
      .map((n) => ({ n, payload: `${n}`.padEnd(1000, '.') }))
      .filter((e) => e.n % 2 === 0)
      .mapAsync(4, async (e) => e)
      .buffer(16)
      .scan({ n: -1, payload: '' }, (_, e) => e)
      .runWith(
        Sink.forEachAsync(async () => {
          consumed++
          // Every other source element is filtered out: the lead in source elements is pulled minus twice the consumed.
          worstLead = Math.max(worstLead, source.emitted - 2 * consumed)
          if (consumed % 40 === 0) {
            gc()
            heap.push(process.memoryUsage().heapUsed)
          }
          await sleep(1)
        }),
      )
    await sleep(400)
    killSwitch.shutdown()
    await within(result, 2000)
    assert.ok(consumed >= 20, `the slow sink handled ${consumed}`)
    // Held at most: a source chunk (8), mapAsync's input chunk and 4 calls, the buffer (16 plus a chunk),
    // the chunk the sink works on; each counted twice for the filter. 100 is well above; without
    // backpressure the synchronous source would have produced millions.
    assert.ok(worstLead <= 100, `the source got ${worstLead} elements ahead of the sink`)
    assert.ok(source.emitted <= 2 * consumed + 100)
    source.assertReleased()
    // Optional, with a wide margin: the heap does not grow with the number of elements.
    const growth = heap.at(-1)! - heap[0]!
    assert.ok(growth < 16e6, `heap grew ${Math.round(growth / 1e6)} MB`)
  })
})
