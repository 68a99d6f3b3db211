/**
 * The child process of `../exactly-once.test.ts`: a checkpointed job over
 * the `seq` topic (per-key sequence numbers) counting, summing and bounding
 * them per key in 1 s event-time windows, results upserted by id into a
 * SQLite table, until SIGKILLed (`loop`) or to the end of the log (`once`).
 *
 *   node --import tsx exactly-once-worker.ts <dataDir> loop|once [job|partition]
 *
 * The last argument is the job's state scope (default `job`).
 *
 * Prints `ready` once the job runs, `checkpoint <id>` after each checkpoint,
 * and `done <totals JSON>` at the end of `once`.
 */
import { join } from 'node:path'
import { openEmbeddedLog } from '../../log/index.js'
import { printLine, runWorker } from '../../log/testing/worker-process.js'
import { openSqliteStore } from '../../store/index.js'
import { storeCheckpoints } from '../checkpoint-storage.js'
import { runLogJob } from '../log-job.js'
import { RESULTS_TABLE, seqJob, writeSeqResults, type SeqEvent, type SeqInput, type SeqResult } from './seq-job.js'

runWorker('exactly-once-worker', { maxLifetimeMs: 60_000 }, async () => {
  const [dataDir, mode, scope = 'job'] = process.argv.slice(2)
  if (!dataDir || (mode !== 'loop' && mode !== 'once') || (scope !== 'job' && scope !== 'partition')) throw new Error('usage: exactly-once-worker.ts <dataDir> loop|once [job|partition]')
  const log = await openEmbeddedLog({ dataDir: join(dataDir, 'log') })
  const store = openSqliteStore({ dataDir: join(dataDir, 'store') })
  await store.createTable(RESULTS_TABLE)
  const checkpoints = await storeCheckpoints(store)
  printLine('ready')
  const totals = await runLogJob({
    name: 'seq-windows',
    log,
    topics: ['seq'],
    decode: (record): SeqInput => ({ ...(JSON.parse(record.value.toString()) as SeqEvent), p: `${record.topic}/${record.partition}` }),
    build: (input, context) => seqJob(input, context, mode === 'once'),
    write: (results: SeqResult[]) => writeSeqResults(store, results),
    checkpoints,
    scope,
    checkpointIntervalMs: 30,
    tickMs: 20,
    untilCaughtUp: mode === 'once',
    onCheckpoint: (checkpoint) => printLine(`checkpoint ${checkpoint.id}`),
  })
  await store.close()
  await log.close()
  printLine(`done ${JSON.stringify(totals)}`)
})
