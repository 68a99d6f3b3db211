import { isKooberError, kooberError } from '../errors.js'
import type { Consumer, LogRecord, TopicPartition } from '../log/index.js'
import { Source, type RunningGraph, type Sink, type SourceQueue } from '../streams/index.js'
import type { Element } from './elements.js'
import type { LogJobOptions, LogJobTotals } from './log-job.js'
import { resultsSink } from './results-sink.js'
import { barrier, TICK, type Barrier, type Tick } from './watermarks.js'

/** Chunks a lane may have queued before the poll loop waits for it (backpressure). */
const LANE_QUEUE_CHUNKS = 4

/** The checkpoint key of one partition of a job (file names allow letters, digits, `.`, `-`, `_`). */
export const partitionCheckpointKey = (job: string, tp: TopicPartition): string => `${job}.${tp.topic}.${tp.partition}`

type LaneInput<T> = T | Tick | Barrier

/** One partition's copy of the dataflow, with its own state and checkpoints. */
interface Lane<T> {
  tp: TopicPartition
  queue: SourceQueue<Array<LaneInput<T>>>
  graph: RunningGraph<void>
  /** The offset after the last record handed to the lane: what its next barrier reflects. */
  next: number
  nextBarrierId: number
  /** Set when the partition left this copy: the lane saves and commits nothing more. */
  stopped: boolean
  finished: boolean
}

/**
 * `runLogJob` with `scope: 'partition'`: state partitioned along the log's
 * partitions (Flink's key groups, with the partition as the group). Each
 * assigned partition runs its own copy of the dataflow (a lane), fed from
 * the one consumer, with its own barriers and its own checkpoint (the
 * lane's operator states and the partition's offset, saved under
 * `<job>.<topic>.<partition>`). So copies of a job in one consumer group
 * split the partitions, and when a rebalance hands a partition to another
 * copy, that copy loads the partition's last checkpoint, seeks to its
 * offset and goes on, exactly once; the copy that lost it stops the lane
 * without saving or committing anything more.
 *
 * It needs every key's records in one partition (a topic keyed by the key,
 * or a repartition topic written by an upstream job).
 */
export async function runPartitionedJob<T, Out>(options: LogJobOptions<T, Out>, consumer: Consumer, totals: LogJobTotals, intervalMs: number, tickMs: number): Promise<void> {
  const lanes = new Map<string, Lane<T>>()
  const events: Array<{ assigned: TopicPartition[]; revoked: TopicPartition[] }> = []
  const keyOf = (tp: TopicPartition): string => `${tp.topic}/${tp.partition}`
  consumer.onRebalance((event) => {
    // A rebalance comes when it comes (on Kafka, while the loop waits on a poll or a lane): a lost partition may be
    // another copy's already, so its lane saves nothing from now on; it is stopped once the loop gets to it.
    for (const tp of event.revoked) {
      const lane = lanes.get(keyOf(tp))
      if (lane) lane.stopped = true
    }
    events.push(event)
  })
  let failure: { error: unknown } | undefined
  const ends = options.untilCaughtUp ? await endOffsets(options) : undefined

  const holds = (tp: TopicPartition): boolean => consumer.assignment().some((held) => held.topic === tp.topic && held.partition === tp.partition)
  /** Starts a partition's lane from its checkpoint, or from the partition's beginning when it has none; false when the partition left this copy meanwhile (the pending rebalance says so). */
  const startLane = async (tp: TopicPartition): Promise<boolean> => {
    const saved = await options.checkpoints.load(partitionCheckpointKey(options.name, tp))
    if (!holds(tp)) return false
    const at = saved?.offsets.find((o) => o.topic === tp.topic && o.partition === tp.partition)
    if (saved && !at) throw kooberError('KOOBER_ANALYTICS_CHECKPOINT', `checkpoint ${saved.id} of ${partitionCheckpointKey(options.name, tp)} has no offset for ${keyOf(tp)}`)
    try {
      // Always a seek: records the consumer fetched for it before the lane existed are dropped, and must be read again from here.
      if (at) await consumer.seek(at)
      else await consumer.seekToBeginning([tp])
    } catch (error) {
      if (isKooberError(error, 'KOOBER_LOG_NOT_ASSIGNED')) return false
      throw error
    }
    const [queue, input] = Source.queue<Array<LaneInput<T>>>(LANE_QUEUE_CHUNKS)
    const lane = { tp, queue, next: at?.offset ?? consumer.position(tp) ?? 0, nextBarrierId: (saved?.id ?? 0) + 1, stopped: false, finished: false } as Lane<T>
    lane.graph = options
      .build(input.mapConcat((chunk) => chunk), { restored: saved?.states ?? {}, partitions: [keyOf(tp)] })
      .runWith(laneSink(lane, consumer, options, totals))
    lane.graph.result.catch((error: unknown) => {
      if (!lane.stopped) failure ??= { error }
    })
    lanes.set(keyOf(tp), lane)
    return true
  }
  const stopLane = (key: string): void => {
    const lane = lanes.get(key)
    if (!lane) return
    lane.stopped = true
    lanes.delete(key)
    lane.graph.killSwitch.abort(kooberError('KOOBER_STREAM_ABORTED', `${key} left this copy of ${options.name}`))
  }
  /** Applies the rebalances seen so far; returns the lanes (re)started, whose records already polled must be dropped (their seek re-reads them). */
  const rebalance = async (): Promise<Set<string>> => {
    const fresh = new Set<string>()
    for (const event of events.splice(0)) {
      for (const tp of event.revoked) stopLane(keyOf(tp))
      for (const tp of event.assigned) {
        stopLane(keyOf(tp))
        // Dropped either way: a started lane reads them again from its seek; a partition gone again is another copy's.
        fresh.add(keyOf(tp))
        await startLane(tp)
      }
    }
    return fresh
  }
  const barrierFor = (lane: Lane<T>): Barrier =>
    barrier({ id: lane.nextBarrierId++, offsets: [{ topic: lane.tp.topic, partition: lane.tp.partition, offset: lane.next }], states: {} })
  const caughtUp = (): boolean => !!ends && [...lanes.values()].every((lane) => lane.next >= (ends.get(keyOf(lane.tp)) ?? 0))

  try {
    events.splice(0)
    for (const tp of consumer.assignment()) await startLane(tp)
    let lastBarrier = Date.now()
    let lastTick = Date.now()
    while (!options.signal?.aborted && !failure) {
      const now = Date.now()
      const batches = new Map<Lane<T>, Array<LaneInput<T>>>()
      const batchOf = (lane: Lane<T>): Array<LaneInput<T>> => {
        let batch = batches.get(lane)
        if (!batch) batches.set(lane, (batch = []))
        return batch
      }
      if (caughtUp()) {
        for (const lane of lanes.values()) {
          // A lane that failed refuses it; its own error is what the job reports.
          await lane.queue.offer([barrierFor(lane)]).catch(() => undefined)
          lane.finished = true
          lane.queue.complete()
        }
        break
      }
      if (now - lastTick >= tickMs) {
        lastTick = now
        for (const lane of lanes.values()) batchOf(lane).push(TICK)
      }
      const wait = ends ? 0 : Math.max(0, Math.min(lastTick + tickMs, lastBarrier + intervalMs) - now)
      const records = await consumer.poll({ timeoutMs: wait, ...(options.signal ? { signal: options.signal } : {}) })
      const fresh = await rebalance()
      for (const record of records) dispatch(record, lanes.get(`${record.topic}/${record.partition}`), fresh, batchOf, options, totals)
      if (Date.now() - lastBarrier >= intervalMs) {
        lastBarrier = Date.now()
        for (const lane of lanes.values()) batchOf(lane).push(barrierFor(lane))
      }
      await Promise.all([...batches].filter(([lane]) => !lane.stopped).map(([lane, batch]) => lane.queue.offer(batch).catch(() => undefined)))
    }
    if (failure) {
      // One lane failed: the job stops, and the other lanes with it (they would wait for input forever).
      for (const lane of lanes.values()) lane.graph.killSwitch.abort(failure.error)
    } else if (options.signal?.aborted) for (const lane of lanes.values()) lane.graph.killSwitch.shutdown()
    await Promise.all([...lanes.values()].map((lane) => lane.graph.result.catch(() => undefined)))
    if (failure) throw failure.error
  } finally {
    for (const key of [...lanes.keys()]) if (!lanes.get(key)!.finished) stopLane(key)
  }
}

function dispatch<T, Out>(
  record: LogRecord,
  lane: Lane<T> | undefined,
  fresh: Set<string>,
  batchOf: (lane: Lane<T>) => Array<LaneInput<T>>,
  options: LogJobOptions<T, Out>,
  totals: LogJobTotals,
): void {
  // A record of a partition this copy lost, or of one it just (re)gained and sought back to its checkpoint, is read again by whoever holds it.
  if (!lane || fresh.has(`${record.topic}/${record.partition}`)) return
  totals.records++
  lane.next = record.offset + 1
  try {
    batchOf(lane).push(options.decode(record))
  } catch (error) {
    totals.invalid++
    options.onInvalid?.(record, error)
  }
}

/** Where every partition of the job's topics ends now (a lane gained later has its end too). */
async function endOffsets<T, Out>(options: LogJobOptions<T, Out>): Promise<Map<string, number>> {
  const ends = new Map<string, number>()
  for (const topic of options.topics) {
    for (const p of (await options.log.describeTopic(topic)).partitions) ends.set(`${topic}/${p.partition}`, p.endOffset)
  }
  return ends
}

/**
 * At a lane's barrier, once what came before it is written: the partition's
 * checkpoint is saved, then its offset committed to the group; nothing once
 * the lane has stopped.
 */
function laneSink<T, Out>(lane: Lane<T>, consumer: Consumer, options: LogJobOptions<T, Out>, totals: LogJobTotals): Sink<Element<Out>, void> {
  let committing: Promise<void> | undefined
  return resultsSink(options, totals, async (checkpoint) => {
    if (lane.stopped) return
    await options.checkpoints.save(partitionCheckpointKey(options.name, lane.tp), checkpoint)
    totals.checkpoints++
    options.onCheckpoint?.(checkpoint)
    // The group's offsets only show lag: a lane resumes from its checkpoint, just saved. On Kafka a commit during a
    // rebalance waits for the group to settle (up to the rebalance timeout) or is refused (ILLEGAL_GENERATION), even
    // for a partition this copy keeps: it must neither hold the lane back nor fail it. A later barrier's commit catches up.
    if (!lane.stopped && !committing) {
      committing = consumer
        .commit(checkpoint.offsets)
        .catch(() => undefined)
        .finally(() => (committing = undefined))
    }
  })
}
