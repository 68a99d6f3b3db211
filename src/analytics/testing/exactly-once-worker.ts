/**
 * The child process of `../exactly-once.test.ts`: a checkpointed job over
 * the `seq` topic (per-key sequence numbers) counting, summing and bounding
 * them per key in 1 s event-time windows, results upserted by id into a
 * SQLite table, until SIGKILLed (`loop`) or to the end of the log (`once`).
 *
 *   node --import tsx exactly-once-worker.ts <dataDir> loop|once
 *
 * Prints `ready` once the job runs, `checkpoint <id>` after each checkpoint,
 * and `done <totals JSON>` at the end of `once`.
 */
import { join } from 'node:path'
import { openEmbeddedLog } from '../../log/index.js'
import { openSqliteStore } from '../../store/index.js'
import { combine, count, max, min, sum } from '../aggregates.js'
import { storeCheckpoints } from '../checkpoint-storage.js'
import { runLogJob } from '../log-job.js'
import { windowAggregate, type WindowResult } from '../window-operator.js'
import { withWatermarks } from '../watermarks.js'
import { tumbling } from '../windows.js'
import { RESULTS_TABLE, type SeqEvent } from './seq-job.js'

const MAX_LIFETIME_MS = 60_000

async function main(): Promise<void> {
  const [dataDir, mode] = process.argv.slice(2)
  if (!dataDir || (mode !== 'loop' && mode !== 'once')) throw new Error('usage: exactly-once-worker.ts <dataDir> loop|once')
  setTimeout(() => process.exit(3), MAX_LIFETIME_MS).unref()
  const log = await openEmbeddedLog({ dataDir: join(dataDir, 'log') })
  const store = openSqliteStore({ dataDir: join(dataDir, 'store') })
  await store.createTable(RESULTS_TABLE)
  const checkpoints = await storeCheckpoints(store)
  const stats = combine({ n: count<SeqEvent & { p: string }>(), total: sum((e: SeqEvent) => e.seq), low: min((e: SeqEvent) => e.seq), high: max((e: SeqEvent) => e.seq) })
  process.stdout.write('ready\n')
  const totals = await runLogJob({
    name: 'seq-windows',
    log,
    topics: ['seq'],
    decode: (record) => ({ ...(JSON.parse(record.value.toString()) as SeqEvent), p: `${record.topic}/${record.partition}` }),
    build: (input, { restored, partitions }) =>
      input
        .via(withWatermarks<SeqEvent & { p: string }>({ name: 'watermarks', restored: restored.watermarks, time: (e) => e.time, partition: (e) => e.p, expectPartitions: partitions, maxOutOfOrdernessMs: 0, atEnd: mode === 'once' ? 'flush' : 'hold' }))
        .via(windowAggregate({ name: 'windows', restored: restored.windows, key: (e: SeqEvent) => e.key, window: tumbling(1000), aggregate: stats })),
    write: async (results: Array<WindowResult<string, ReturnType<typeof stats.result>>>) => {
      await store.upsert(
        RESULTS_TABLE.name,
        results.map((r) => ({ id: r.id, key: r.key, start: r.window.start, n: r.value.n, total: r.value.total, low: r.value.low, high: r.value.high })),
      )
    },
    checkpoints,
    checkpointIntervalMs: 30,
    tickMs: 20,
    untilCaughtUp: mode === 'once',
    onCheckpoint: (checkpoint) => void process.stdout.write(`checkpoint ${checkpoint.id}\n`),
  })
  await store.close()
  await log.close()
  process.stdout.write(`done ${JSON.stringify(totals)}\n`)
}

main().catch((err: unknown) => {
  process.stderr.write(`exactly-once-worker failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
  process.exit(2)
})
