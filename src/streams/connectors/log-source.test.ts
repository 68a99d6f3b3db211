import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { openEmbeddedLog, type EmbeddedLog, type ProducerRecord } from '../../log/index.js'
import { Sink } from '../sink.js'
import { Source } from '../source.js'
import { commitAll, committableLogSource, logSource } from './log-source.js'
import { logAppendFlow, logSink } from './log-sink.js'

const root = mkdtempSync(join(tmpdir(), 'koober-log-connectors-'))
let log: EmbeddedLog
let topics = 0
const freshTopic = async (partitions = 1): Promise<string> => {
  const name = `t${topics++}`
  await log.createTopic(name, { partitions })
  return name
}
const values = (n: number, prefix = 'v'): ProducerRecord[] => Array.from({ length: n }, (_, i) => ({ value: `${prefix}${i}` }))

before(async () => {
  log = await openEmbeddedLog({ dataDir: root })
})
after(async () => {
  await log.close()
  rmSync(root, { recursive: true, force: true })
})

async function committedOffset(topic: string, group: string): Promise<number | undefined> {
  const consumer = await log.consumer({ topics: [topic], group })
  try {
    return (await consumer.committed([{ topic, partition: 0 }]))[0]?.offset
  } finally {
    await consumer.close()
  }
}

describe('log connectors', () => {
  it('appends in batches with logSink and reports where records landed with logAppendFlow', async () => {
    const topic = await freshTopic(2)
    const appended = await Source.from(values(2500)).runWith(logSink(log, topic, { maxBatch: 1000 })).result
    assert.equal(appended, 2500)
    const ends = (await log.describeTopic(topic)).partitions.map((p) => p.endOffset)
    assert.equal(ends[0]! + ends[1]!, 2500)
    const placed = await Source.from([{ value: 'x', partition: 1 }, { value: 'y', partition: 1 }]).via(logAppendFlow(log, topic)).runWith(Sink.collect()).result
    assert.deepEqual(placed, [
      { partition: 1, offset: ends[1] },
      { partition: 1, offset: ends[1]! + 1 },
    ])
  })

  it('tails a topic with logSource, waking on new records, and closes its consumer when cancelled', async () => {
    const topic = await freshTopic()
    await log.append(topic, values(3))
    const { result, killSwitch } = logSource(log, { topics: [topic], pollTimeoutMs: 50 }).take(5).runWith(Sink.collect())
    setTimeout(() => void log.append(topic, values(2, 'late')), 100)
    const records = await result
    assert.deepEqual(
      records.map((r) => r.value.toString()),
      ['v0', 'v1', 'v2', 'late0', 'late1'],
    )
    killSwitch.shutdown() // already complete: a no-op
    // The consumer of a group source is closed: the group can be joined again at once.
    const group = 'tail-group'
    await logSource(log, { topics: [topic], group, pollTimeoutMs: 50 }).take(1).runWith(Sink.ignore()).result
    const again = await log.consumer({ topics: [topic], group })
    await again.close()
  })

  it('starts every partition at fromTime: the recent past, then the tail', async () => {
    const topic = await freshTopic(2)
    const at = (value: string, timestamp: number, key: string): ProducerRecord => ({ key, value, timestamp })
    await log.append(topic, [at('old-a', 1_000, 'a'), at('old-b', 1_500, 'b'), at('new-a', 5_000, 'a'), at('new-b', 6_000, 'b')])
    const records = await logSource(log, { topics: [topic], fromTime: 5_000, pollTimeoutMs: 50 }).take(2).runWith(Sink.collect()).result
    assert.deepEqual(records.map((r) => r.value.toString()).sort(), ['new-a', 'new-b'])
  })

  it('commits only what was processed, in batches, and at the end', async () => {
    const topic = await freshTopic()
    const group = 'batches'
    await log.append(topic, values(95))
    let processed = 0
    const { result } = committableLogSource(log, { topics: [topic], group, commitEvery: 10, commitIntervalMs: 60_000, pollTimeoutMs: 50 })
      .take(95)
      .map((c) => {
        processed++
        return c
      })
      .runWith(commitAll())
    await result
    assert.equal(processed, 95)
    // take() hands its last chunk downstream before it cancels the source, so every processed record was committed.
    assert.equal(await committedOffset(topic, group), 95)
    // A stream stopped by its kill switch commits everything it marked, and the next run starts right after.
    await log.append(topic, values(5, 'more'))
    const seen: number[] = []
    const run = committableLogSource(log, { topics: [topic], group, commitEvery: 1000, commitIntervalMs: 60_000, pollTimeoutMs: 50 }).runWith(
      Sink.forEach((c) => {
        seen.push(c.record.offset)
        c.commit()
      }),
    )
    const deadline = Date.now() + 10_000
    while (seen.length < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
    run.killSwitch.shutdown()
    await run.result
    assert.deepEqual(seen, [95, 96, 97, 98, 99])
    assert.equal(await committedOffset(topic, group), 100)
  })

  it('never commits past an element still in flight when processing completes out of order', async () => {
    const topic = await freshTopic()
    const group = 'unordered'
    await log.append(topic, values(20))
    const { result } = committableLogSource(log, { topics: [topic], group, commitEvery: 1, pollTimeoutMs: 50, drainTimeoutMs: 300 })
      .take(20)
      .mapAsyncUnordered(20, async (c) => {
        // Offset 3 finishes last and is never marked: nothing from 3 on may be committed.
        await new Promise((r) => setTimeout(r, c.record.offset === 3 ? 100 : 1))
        if (c.record.offset !== 3) c.commit()
        return c
      })
      .runWith(Sink.ignore())
    await result
    assert.equal(await committedOffset(topic, group), 3)
  })

  it('after failing midway and restarting, re-delivers exactly the uncommitted records', async () => {
    const topic = await freshTopic()
    const group = 'restart'
    await log.append(topic, values(100))
    const delivered: number[] = []
    let failures = 0
    const committedAtRestart: Array<number | undefined> = []
    const source = Source.restartWithBackoff({ minBackoffMs: 10, maxBackoffMs: 50, onlyOnFailures: true }, () => {
      if (failures > 0) committedAtRestart.push(undefined) // filled in below, once the consumer of the failed run is closed
      return committableLogSource(log, { topics: [topic], group, commitEvery: 10, commitIntervalMs: 60_000, pollTimeoutMs: 50 }).map((c) => {
        delivered.push(c.record.offset)
        if (c.record.offset === 57 && failures === 0) {
          failures++
          throw new Error('processing failed at 57')
        }
        c.commit()
        return c
      })
    })
    const { result } = source.takeWhile((c) => c.record.offset < 99).runWith(Sink.ignore())
    await result
    assert.equal(failures, 1)
    const firstRun = delivered.slice(0, delivered.indexOf(57) + 1)
    const secondRun = delivered.slice(delivered.indexOf(57) + 1)
    assert.deepEqual(
      firstRun,
      Array.from({ length: 58 }, (_, i) => i),
    )
    // The failed run had marked 0..56 and its source committed them as it closed; the record that failed
    // (57) was never marked, so the restarted source starts exactly there: nothing lost, nothing committed replayed.
    assert.deepEqual(
      secondRun,
      Array.from({ length: 43 }, (_, i) => 57 + i),
    )
    assert.equal(committedAtRestart.length, 1)
  })
})
