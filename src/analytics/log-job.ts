import { kooberError } from '../errors.js'
import type { Consumer, EventLog, LogRecord } from '../log/index.js'
import { DONE, Source, type Pulled, type Sink } from '../streams/index.js'
import type { CheckpointStorage } from './checkpoint-storage.js'
import { runPartitionedJob } from './partitioned-log-job.js'
import { resultsSink } from './results-sink.js'
import type { Checkpoint, Element } from './elements.js'
import { barrier, TICK, type Barrier, type Tick } from './watermarks.js'

export interface LogJobOptions<T, Out> {
  /** The job's name: its consumer group and its checkpoints' key. */
  name: string
  log: EventLog
  topics: string[]
  /** A record into the job's input. Throwing skips the record (counted and told to `onInvalid`). */
  decode: (record: LogRecord) => T
  /**
   * The job itself, from its input (values, ticks and barriers) to its
   * elements out. `context.restored` holds the operators' saved states by
   * name (empty on a first start), to hand to the operators of the same
   * names; `context.partitions` names the partitions this copy reads
   * (`topic/partition`), for the watermark to wait for.
   */
  build: (input: Source<T | Tick | Barrier>, context: JobContext) => Source<Element<Out>>
  /** Writes results. It must be idempotent (results carry deterministic ids): after a crash, what came after the last checkpoint is written again. */
  write: (results: Out[]) => Promise<void>
  checkpoints: CheckpointStorage
  /** Default 10 s. */
  checkpointIntervalMs?: number
  /** Processing-time ticks, for idleness and early firings (default 1 s). */
  tickMs?: number
  onLate?: (value: unknown, time: number) => void
  onInvalid?: (record: LogRecord, error: unknown) => void
  onCheckpoint?: (checkpoint: Checkpoint) => void
  signal?: AbortSignal
  /** A bounded run: stop once every partition is read to where it ended at the start (after a last checkpoint). */
  untilCaughtUp?: boolean
  /**
   * Where state lives. `job` (the default): one dataflow over every partition,
   * one checkpoint; one copy of the job at a time. `partition`: one dataflow
   * per partition, each with its own state and checkpoint, so several copies
   * in one consumer group split the partitions and take over each other's
   * (every key's records must be in one partition). See `runPartitionedJob`.
   */
  scope?: 'job' | 'partition'
}

export interface JobContext {
  restored: Record<string, unknown>
  partitions: string[]
}

export interface LogJobTotals {
  records: number
  invalid: number
  results: number
  late: number
  checkpoints: number
}

/**
 * Runs an analytics job on the log with exactly-once state: every
 * `checkpointIntervalMs` the source puts a barrier in the stream; each
 * stateful operator saves its state into it as it passes; the sink, once
 * every result before the barrier is written, saves the checkpoint (states
 * and the source offsets they reflect) in one atomic write. A restarted job
 * loads the last checkpoint, restores the operators and reads on from its
 * offsets, so every record affects the state exactly once; results written
 * after the checkpoint are written again with the same ids, and overwrite.
 *
 * With the default `scope: 'job'`, one copy per job: its checkpoint covers
 * every partition it holds. With `scope: 'partition'`, each partition's
 * state is its own, and copies of the job in one group share the work.
 *
 * @example
 * ```ts
 * await runLogJob({ name: 'pickups-per-area', log, topics: ['rides'], decode, build: (input, restored) => input.via(...), write, checkpoints })
 * ```
 */
export async function runLogJob<T, Out>(options: LogJobOptions<T, Out>): Promise<LogJobTotals> {
  const { log, name, checkpoints } = options
  const intervalMs = options.checkpointIntervalMs ?? 10_000
  const tickMs = options.tickMs ?? 1000
  if (!(intervalMs > 0) || !(tickMs > 0)) throw kooberError('KOOBER_INVALID_ARGUMENT', `checkpointIntervalMs and tickMs must be > 0, got ${intervalMs} and ${tickMs}`)
  const restored = await checkpoints.load(name)
  // Chunks of 2,000 rather than the consumer's 10,000: a chunk that crosses several stages must stay young in V8's
  // heap (bench:analytics, Nexmark q5: 37 % more events per CPU-second).
  const consumer = await log.consumer({ topics: options.topics, group: name, from: 'earliest', maxPollRecords: 2000 })
  const totals: LogJobTotals = { records: 0, invalid: 0, results: 0, late: 0, checkpoints: 0 }
  try {
    if (options.scope === 'partition') {
      if (restored) throw kooberError('KOOBER_ANALYTICS_CHECKPOINT', `${name} has a checkpoint of the whole job (scope job): it cannot resume with state per partition`)
      await runPartitionedJob(options, consumer, totals, intervalMs, tickMs)
      return totals
    }
    if (restored) {
      const held = new Set(consumer.assignment().map((tp) => `${tp.topic}/${tp.partition}`))
      for (const at of restored.offsets) {
        if (!held.has(`${at.topic}/${at.partition}`)) {
          throw kooberError('KOOBER_ANALYTICS_CHECKPOINT', `checkpoint ${restored.id} of ${name} covers ${at.topic}/${at.partition}, which this copy does not hold: run one copy of this job`)
        }
        await consumer.seek(at)
      }
    }
    const ends = options.untilCaughtUp ? await endOffsets(log, options.topics) : undefined
    const input = source(consumer, options, intervalMs, tickMs, (restored?.id ?? 0) + 1, totals, ends)
    const partitions = consumer.assignment().map((tp) => `${tp.topic}/${tp.partition}`)
    const graph = options.build(input, { restored: restored?.states ?? {}, partitions }).runWith(sink(consumer, options, totals))
    const onAbort = (): void => graph.killSwitch.shutdown()
    options.signal?.addEventListener('abort', onAbort, { once: true })
    try {
      await graph.result
    } finally {
      options.signal?.removeEventListener('abort', onAbort)
    }
  } finally {
    await consumer.close()
  }
  return totals
}

async function endOffsets(log: EventLog, topics: string[]): Promise<Map<string, number>> {
  const ends = new Map<string, number>()
  for (const topic of topics) for (const p of (await log.describeTopic(topic)).partitions) ends.set(`${topic}/${p.partition}`, p.endOffset)
  return ends
}

/** The job's input: decoded records, a TICK every tickMs, a barrier every intervalMs (and a last one before a bounded end). */
function source<T, Out>(
  consumer: Consumer,
  options: LogJobOptions<T, Out>,
  intervalMs: number,
  tickMs: number,
  firstId: number,
  totals: LogJobTotals,
  ends: Map<string, number> | undefined,
): Source<T | Tick | Barrier> {
  return Source.fromStage(() => {
    let nextId = firstId
    let lastBarrier = Date.now()
    let lastTick = Date.now()
    let finished = false
    const positions = (): Checkpoint['offsets'] => consumer.assignment().map((tp) => ({ ...tp, offset: consumer.position(tp) ?? 0 }))
    const makeBarrier = (): Barrier => {
      lastBarrier = Date.now()
      return barrier({ id: nextId++, offsets: positions(), states: {} })
    }
    const caughtUp = (): boolean => !!ends && consumer.assignment().every((tp) => (consumer.position(tp) ?? 0) >= (ends.get(`${tp.topic}/${tp.partition}`) ?? 0))
    return {
      async pull(): Promise<Pulled<T | Tick | Barrier>> {
        if (finished || options.signal?.aborted) return DONE
        if (caughtUp()) {
          finished = true
          return [makeBarrier()]
        }
        const now = Date.now()
        if (now - lastBarrier >= intervalMs) return [makeBarrier()]
        const out: Array<T | Tick | Barrier> = []
        if (now - lastTick >= tickMs) {
          lastTick = now
          out.push(TICK)
        }
        const wait = ends ? 0 : Math.max(0, Math.min(lastTick + tickMs, lastBarrier + intervalMs) - now)
        const records = await consumer.poll({ timeoutMs: wait, ...(options.signal ? { signal: options.signal } : {}) })
        for (const record of records) {
          totals.records++
          try {
            out.push(options.decode(record))
          } catch (error) {
            totals.invalid++
            options.onInvalid?.(record, error)
          }
        }
        // An empty answer is not an end: a tick or barrier comes at the next pull.
        return out.length > 0 ? out : [TICK]
      },
      async cancel() {
        finished = true
      },
    }
  })
}

/** At a barrier, once what came before it is written: the checkpoint is saved, then its offsets committed (for lag). */
function sink<T, Out>(consumer: Consumer, options: LogJobOptions<T, Out>, totals: LogJobTotals): Sink<Element<Out>, void> {
  return resultsSink(options, totals, async (checkpoint) => {
    await options.checkpoints.save(options.name, checkpoint)
    totals.checkpoints++
    options.onCheckpoint?.(checkpoint)
    await consumer.commit(checkpoint.offsets)
  })
}
