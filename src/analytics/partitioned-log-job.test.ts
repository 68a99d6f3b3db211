import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { openEmbeddedLog, type EventLog } from '../log/index.js'
import { seededRandom } from '../log/testing/seeded-random.js'
import { openSqliteStore, type Store } from '../store/index.js'
import { storeCheckpoints, type CheckpointStorage } from './checkpoint-storage.js'
import type { Checkpoint, Element } from './elements.js'
import { runLogJob, type LogJobTotals } from './log-job.js'
import { partitionCheckpointKey } from './partitioned-log-job.js'
import { expectedWindows, readWindows, RESULTS_TABLE, seqJob, writeSeqResults, type SeqEvent, type SeqInput } from './testing/seq-job.js'

const root = mkdtempSync(join(tmpdir(), 'koober-partitioned-job-'))
after(() => rmSync(root, { recursive: true, force: true }))

const JOB = 'seq-windows'

interface Copy {
  name: string
  done: Promise<LogJobTotals>
  stop: () => Promise<LogJobTotals>
  /** The partitions this copy checkpointed, in order. */
  checkpointed: string[]
}

function startCopy(name: string, log: EventLog, store: Store, checkpoints: CheckpointStorage, bounded = false): Copy {
  const controller = new AbortController()
  const checkpointed: string[] = []
  const done = runLogJob({
    name: JOB,
    log,
    topics: ['seq'],
    scope: 'partition',
    decode: (record): SeqInput => ({ ...(JSON.parse(record.value.toString()) as SeqEvent), p: `${record.topic}/${record.partition}` }),
    build: (input, context) => seqJob(input, context, bounded),
    write: (results) => writeSeqResults(store, results),
    checkpoints,
    checkpointIntervalMs: 25,
    tickMs: 10,
    signal: controller.signal,
    untilCaughtUp: bounded,
    onCheckpoint: (c: Checkpoint) => void checkpointed.push(...c.offsets.map((o) => `${o.topic}/${o.partition}`)),
  })
  return {
    name,
    done,
    checkpointed,
    stop: async () => {
      controller.abort()
      return done
    },
  }
}

async function until(what: string, test: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe('analytics: state per partition, copies of a job in one group', () => {
  it('two copies split the partitions; a copy that takes a partition over restores its state; the results are those of one run without failures', { timeout: 120_000 }, async () => {
    const seed = Math.floor(Math.random() * 2 ** 31)
    const random = seededRandom(seed)
    const log = await openEmbeddedLog({ dataDir: join(root, 'log') })
    const store = openSqliteStore({ dataDir: join(root, 'store') })
    await store.createTable(RESULTS_TABLE)
    const checkpoints = await storeCheckpoints(store)
    await log.createTopic('seq', { partitions: 4 })
    const sequence = new Map<string, number>()
    const all: SeqEvent[] = []
    let clock = 1_700_000_000_000
    const append = async (n: number): Promise<void> => {
      const events: SeqEvent[] = []
      for (let i = 0; i < n; i++) {
        const key = `k${Math.floor(random() * 12)}`
        sequence.set(key, (sequence.get(key) ?? 0) + 1)
        clock += 1 + Math.floor(random() * 10)
        events.push({ key, seq: sequence.get(key)!, time: clock })
      }
      await log.append('seq', events.map((e) => ({ key: e.key, value: JSON.stringify(e) })))
      all.push(...events)
    }
    // Every partition checkpointed at the end of what was appended.
    const checkpointedToEnd = async (): Promise<boolean> => {
      const { partitions } = await log.describeTopic('seq')
      for (const p of partitions) {
        const saved = await checkpoints.load(partitionCheckpointKey(JOB, { topic: 'seq', partition: p.partition }))
        if (saved?.offsets[0]?.offset !== p.endOffset) return false
      }
      return true
    }
    try {
      await append(1500)
      const first = startCopy('first', log, store, checkpoints)
      await until('the first copy to checkpoint every partition', checkpointedToEnd)
      assert.deepEqual(new Set(first.checkpointed), new Set(['seq/0', 'seq/1', 'seq/2', 'seq/3']), 'alone, the first copy holds every partition')

      const second = startCopy('second', log, store, checkpoints)
      await append(1500)
      await until('both copies to checkpoint the new records', checkpointedToEnd)
      // What each copy checkpoints from now on (barriers go on without new records) is its share.
      first.checkpointed.length = 0
      second.checkpointed.length = 0
      await new Promise((r) => setTimeout(r, 250))
      const firstShare = new Set(first.checkpointed)
      const secondShare = new Set(second.checkpointed)
      assert.ok(firstShare.size > 0 && secondShare.size > 0, `both copies hold partitions: ${[...firstShare]} and ${[...secondShare]}`)
      for (const p of secondShare) assert.ok(!firstShare.has(p), `${p} is held by one copy`)
      assert.equal(firstShare.size + secondShare.size, 4, 'every partition is held')

      await first.stop()
      await append(1500)
      await until('the second copy to take over every partition', checkpointedToEnd)
      assert.equal(new Set(second.checkpointed).size, 4, 'the second copy took over the first copy’s partitions')
      await second.stop()

      // A bounded last run fires every window that is still open.
      const last = startCopy('last', log, store, checkpoints, true)
      await last.done

      const want = expectedWindows(all)
      const got = await readWindows(store)
      assert.equal(got.size, want.size, `seed ${seed}: windows`)
      for (const [id, w] of want) assert.deepEqual(got.get(id), w, `seed ${seed}: window ${id}`)
    } finally {
      await store.close()
      await log.close()
    }
  })

  it('a checkpoint of the whole job is refused by a job with state per partition, with a clear error', async () => {
    const log = await openEmbeddedLog({ dataDir: join(root, 'scope-log') })
    const store = openSqliteStore({ dataDir: join(root, 'scope-store') })
    try {
      await log.createTopic('seq', { partitions: 2 })
      const checkpoints = await storeCheckpoints(store)
      await checkpoints.save(JOB, { id: 3, offsets: [{ topic: 'seq', partition: 0, offset: 0 }], states: {} })
      const copy = startCopy('refused', log, store, checkpoints)
      await assert.rejects(copy.done, (err: Error & { code?: string }) => err.code === 'KOOBER_ANALYTICS_CHECKPOINT' && /state per partition/.test(err.message))
    } finally {
      await store.close()
      await log.close()
    }
  })

  describe('rebalances and failures', () => {
    /** A job that passes every value on as a result (no checkpoints: barriers stop here). */
    const passThrough = (name: string, log: EventLog, checkpoints: CheckpointStorage, write: (values: string[]) => Promise<void>, signal: AbortSignal, bounded = false): Promise<LogJobTotals> =>
      runLogJob<string, string>({
        name,
        log,
        topics: ['t'],
        scope: 'partition',
        decode: (record) => `${record.partition}:${record.value.toString()}`,
        build: (input) => input.mapConcat((v): Array<Element<string>> => (typeof v === 'string' ? [{ kind: 'record', value: v, time: 0 }] : [])),
        write,
        checkpoints,
        checkpointIntervalMs: 60_000,
        tickMs: 10,
        signal,
        untilCaughtUp: bounded,
      })

    it('a partition that comes back to a copy before its first checkpoint is read from its beginning: nothing is lost', { timeout: 30_000 }, async () => {
      const log = await openEmbeddedLog({ dataDir: join(root, 'back-log') })
      const store = openSqliteStore({ dataDir: join(root, 'back-store') })
      try {
        await log.createTopic('t', { partitions: 2 })
        const seen = new Set<string>()
        const stop = new AbortController()
        const job = passThrough('back', log, await storeCheckpoints(store), async (values) => void values.forEach((v) => seen.add(v)), stop.signal)
        await new Promise((r) => setTimeout(r, 100))
        // Another member takes a partition, records land on both, and it leaves without reading: the partition comes back.
        const other = await log.consumer({ topics: ['t'], group: 'back' })
        const taken = other.assignment()[0]!.partition
        await log.append('t', Array.from({ length: 10 }, (_, i) => ({ partition: taken, value: `v${i}` })))
        await log.append('t', [{ partition: 1 - taken, value: 'w' }])
        await new Promise((r) => setTimeout(r, 100))
        await other.close()
        await until('every record written', () => seen.size === 11)
        stop.abort()
        await job
      } finally {
        await store.close()
        await log.close()
      }
    })

    it('a copy that loses a partition while it loads its checkpoint goes on with the others', { timeout: 30_000 }, async () => {
      const log = await openEmbeddedLog({ dataDir: join(root, 'slow-log') })
      const store = openSqliteStore({ dataDir: join(root, 'slow-store') })
      try {
        await log.createTopic('t', { partitions: 4 })
        const inner = await storeCheckpoints(store)
        // As slow as a Cassandra read: a rebalance lands while the lanes start.
        const slow: CheckpointStorage = { load: async (job) => (await new Promise((r) => setTimeout(r, 20)), inner.load(job)), save: (job, c) => inner.save(job, c) }
        for (let p = 0; p < 4; p++) await inner.save(partitionCheckpointKey('slow', { topic: 't', partition: p }), { id: 1, offsets: [{ topic: 't', partition: p, offset: 0 }], states: {} })
        const stop = new AbortController()
        const seen = new Set<string>()
        const job = passThrough('slow', log, slow, async (values) => void values.forEach((v) => seen.add(v)), stop.signal)
        let failed: unknown
        job.catch((error: unknown) => (failed = error))
        await new Promise((r) => setTimeout(r, 30))
        const other = await log.consumer({ topics: ['t'], group: 'slow' })
        const mine = [0, 1, 2, 3].filter((p) => !other.assignment().some((tp) => tp.partition === p))
        await log.append('t', mine.map((partition) => ({ partition, value: 'x' })))
        await until('the records of the partitions it kept', () => seen.size === mine.length || failed !== undefined)
        assert.equal(failed, undefined)
        await other.close()
        stop.abort()
        await job
      } finally {
        await store.close()
        await log.close()
      }
    })

    for (const bounded of [false, true]) {
      it(`a lane whose write fails fails the job with that error, and stops the other lanes (${bounded ? 'bounded' : 'unbounded'})`, { timeout: 30_000 }, async () => {
        const log = await openEmbeddedLog({ dataDir: join(root, `fail-${bounded}-log`) })
        const store = openSqliteStore({ dataDir: join(root, `fail-${bounded}-store`) })
        try {
          await log.createTopic('t', { partitions: 3 })
          await log.append('t', [0, 1, 2].map((partition) => ({ partition, value: 'x' })))
          const write = async (values: string[]): Promise<void> => {
            if (values.some((v) => v.startsWith('1:'))) throw new Error('the store is down for partition 1')
          }
          const job = passThrough(`fail-${bounded}`, log, await storeCheckpoints(store), write, new AbortController().signal, bounded)
          await assert.rejects(job, /the store is down for partition 1/)
        } finally {
          await store.close()
          await log.close()
        }
      })
    }
  })
})
