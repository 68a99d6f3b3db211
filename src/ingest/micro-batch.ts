import { kooberError } from '../errors.js'
import type { Consumer, EventLog, LogRecord, ProducerRecord, TopicPartitionOffset } from '../log/index.js'
import type { Row, Store } from '../store/index.js'

/** Where one record goes: rows for some tables. Derive their keys from the record's identity, so a replay overwrites itself. */
export interface TableRow {
  table: string
  row: Row
}

/** What happened in one micro-batch, for logs and the metrics endpoint. */
export interface BatchReport {
  records: number
  bytes: number
  rows: number
  deadLetters: number
  durationMs: number
  /** Records still in the log after this batch's offsets, over the assigned partitions. */
  lag: number
}

export interface MicroBatchOptions {
  log: EventLog
  store: Store
  topics: string[]
  group: string
  /**
   * Turns a record into rows. Throwing rejects the record: it goes to the
   * dead-letter topic with the error's message as the reason, and the batch
   * goes on.
   */
  toRows: (record: LogRecord) => TableRow[]
  /** A batch closes after this long (ms, default 1000)... */
  intervalMs?: number
  /** ...or once it holds this many records (default 10,000), whichever comes first. */
  maxRecords?: number
  /** Where rejected records go (default `dead-letters`); it must exist. */
  deadLetterTopic?: string
  onBatch?: (report: BatchReport) => void
  /** Stops the loop after the batch in progress is written and committed. */
  signal?: AbortSignal
  /** Stop once every assigned partition is read up to where it ended when the run started (`--once`). */
  untilCaughtUp?: boolean
}

/** Batches whose writes may be under way at once: one being written, the next ones queued behind it. */
const WRITES_IN_FLIGHT = 3

export interface IngestTotals {
  batches: number
  records: number
  rows: number
  deadLetters: number
}

/**
 * Spark Streaming's direct approach on Koober's log: every interval (or N
 * records) it reads the next offset range of each partition this member of
 * `group` holds, writes it to the store, and only then commits the offsets.
 * A crash between the write and the commit replays the batch, which writes
 * the same keys again: nothing is lost and nothing is written twice. Several
 * processes in one group split the partitions (on Kafka).
 *
 * Batches are pipelined, never reordered: while batch N is written, batch
 * N+1 is already being read and mapped and its write queued behind N's (the
 * store applies upserts in call order), and N's commit (an fsync or a broker
 * round trip) overlaps N+1's write. A commit starts only after its own
 * batch's write and after the previous commit finished, so committed offsets
 * only ever cover written rows, in order. A batch is reported once its commit
 * is done.
 *
 * @example
 * ```ts
 * await runMicroBatches({ log, store, topics: ['driver'], group: 'ingest', toRows: (r) => [{ table: 'events', row: ... }] })
 * ```
 */
export async function runMicroBatches(options: MicroBatchOptions): Promise<IngestTotals> {
  const intervalMs = options.intervalMs ?? 1000
  const maxRecords = options.maxRecords ?? 10_000
  const deadLetterTopic = options.deadLetterTopic ?? 'dead-letters'
  if (!(intervalMs > 0) || !Number.isSafeInteger(maxRecords) || maxRecords < 1) {
    throw kooberError('KOOBER_INVALID_ARGUMENT', `a micro-batch needs an interval > 0 ms and at least 1 record, got ${intervalMs} ms and ${maxRecords}`)
  }
  const consumer = await options.log.consumer({ topics: options.topics, group: options.group, from: 'earliest', maxPollRecords: maxRecords })
  const totals: IngestTotals = { batches: 0, records: 0, rows: 0, deadLetters: 0 }
  const { signal } = options
  let reading: Promise<Collected> | undefined
  let committing: Promise<void> = Promise.resolve()
  let commitFailure: { error: unknown } | undefined
  const writing: Array<Promise<void>> = []
  try {
    const ends = options.untilCaughtUp ? await endOffsets(options.log, options.topics) : undefined
    const read = (): Promise<Collected> => collect(consumer, Date.now() + intervalMs, maxRecords, signal, ends)
    reading = read()
    while (reading) {
      const { batch, started, positions, last } = await reading
      reading = undefined
      if (commitFailure) throw commitFailure.error
      if (signal?.aborted) break
      if (!last) {
        reading = read()
        // Failures of a read begun ahead surface when it is awaited; none is left unobserved meanwhile.
        reading.catch(() => undefined)
      }
      if (batch.length === 0) continue
      // At most WRITES_IN_FLIGHT batches written at once: the oldest finishes before a new one starts.
      if (writing.length >= WRITES_IN_FLIGHT) await writing.shift()
      const { report, offsets, written } = writeBatch(options, batch, deadLetterTopic)
      const previous = committing
      // Observed now, awaited in turn: a write that fails early must not go unhandled meanwhile.
      written.catch(() => undefined)
      committing = (async () => {
        await previous
        await written
        await consumer.commit(offsets)
        report.lag = await lagOf(options.log, positions)
        report.durationMs = Date.now() - started
        totals.batches++
        totals.records += report.records
        totals.rows += report.rows
        totals.deadLetters += report.deadLetters
        options.onBatch?.(report)
      })()
      committing.catch((error: unknown) => void (commitFailure ??= { error }))
      writing.push(committing.catch(() => undefined))
    }
    await committing
  } finally {
    // A read begun ahead is abandoned: its records were not written, so they stay uncommitted and are read again.
    await reading?.catch(() => undefined)
    await committing.catch(() => undefined)
    await consumer.close()
  }
  return totals
}

/** One batch as read: its records, when its reading began, where each assigned partition stood after it, whether it is the last. */
interface Collected {
  batch: LogRecord[]
  started: number
  positions: TopicPartitionOffset[]
  last: boolean
}

async function endOffsets(log: EventLog, topics: string[]): Promise<Map<string, number>> {
  const ends = new Map<string, number>()
  for (const topic of topics) {
    for (const p of (await log.describeTopic(topic)).partitions) ends.set(`${topic}/${p.partition}`, p.endOffset)
  }
  return ends
}

function caughtUp(consumer: Consumer, ends: Map<string, number>): boolean {
  return consumer.assignment().every((tp) => (consumer.position(tp) ?? 0) >= (ends.get(`${tp.topic}/${tp.partition}`) ?? 0))
}

/**
 * Polls until the batch is full or its time is up; with `ends` (`untilCaughtUp`),
 * without waiting, and marks the batch that reaches them as the last.
 */
async function collect(
  consumer: Consumer,
  deadline: number,
  maxRecords: number,
  signal: AbortSignal | undefined,
  ends: Map<string, number> | undefined,
): Promise<Collected> {
  const started = Date.now()
  const batch: LogRecord[] = []
  let last = false
  while (batch.length < maxRecords && !signal?.aborted) {
    const timeoutMs = ends ? 0 : deadline - Date.now()
    if (timeoutMs < 0) break
    const records = await consumer.poll({ timeoutMs, maxRecords: maxRecords - batch.length, ...(signal ? { signal } : {}) })
    for (const record of records) batch.push(record)
    if (ends && (records.length === 0 || caughtUp(consumer, ends))) {
      last = true
      break
    }
    if (Date.now() >= deadline) break
  }
  const positions = consumer.assignment().map((tp) => ({ ...tp, offset: consumer.position(tp) ?? 0 }))
  return { batch, started, positions, last }
}

/**
 * Maps a batch to rows and starts writing them and its dead letters; returns
 * its report (lag and duration still to fill), the offsets to commit, and
 * when the writes are done.
 */
function writeBatch(
  options: MicroBatchOptions,
  batch: LogRecord[],
  deadLetterTopic: string,
): { report: BatchReport; offsets: TopicPartitionOffset[]; written: Promise<unknown> } {
  const byTable = new Map<string, Row[]>()
  const rejected: ProducerRecord[] = []
  let bytes = 0
  let rows = 0
  for (const record of batch) {
    bytes += record.value.length + (record.key?.length ?? 0)
    let produced: TableRow[]
    try {
      produced = options.toRows(record)
    } catch (err) {
      rejected.push(deadLetter(record, (err as Error).message ?? String(err)))
      continue
    }
    for (const { table, row } of produced) {
      let list = byTable.get(table)
      if (!list) byTable.set(table, (list = []))
      list.push(row)
      rows++
    }
  }
  const writes: Array<Promise<unknown>> = [...byTable].map(([table, tableRows]) => options.store.upsert(table, tableRows))
  if (rejected.length > 0) writes.push(options.log.append(deadLetterTopic, rejected))
  const next = new Map<string, TopicPartitionOffset>()
  for (const record of batch) next.set(`${record.topic}/${record.partition}`, { topic: record.topic, partition: record.partition, offset: record.offset + 1 })
  return {
    report: { records: batch.length, bytes, rows, deadLetters: rejected.length, durationMs: 0, lag: 0 },
    offsets: [...next.values()],
    written: Promise.all(writes),
  }
}

/** A rejected record with where it came from and why, keyed by its topic (DESIGN.md's dead-letters topic). */
function deadLetter(record: LogRecord, reason: string): ProducerRecord {
  return {
    key: record.topic,
    value: JSON.stringify({
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
      timestamp: record.timestamp,
      key: record.key?.toString('utf8') ?? null,
      value: record.value.toString('utf8'),
      reason,
    }),
  }
}

/** Records in the log past `positions` (where a batch left each assigned partition). */
async function lagOf(log: EventLog, positions: TopicPartitionOffset[]): Promise<number> {
  let lag = 0
  for (const topic of new Set(positions.map((tp) => tp.topic))) {
    const ends = (await log.describeTopic(topic)).partitions
    for (const tp of positions) {
      if (tp.topic === topic) lag += Math.max(0, (ends[tp.partition]?.endOffset ?? 0) - tp.offset)
    }
  }
  return lag
}
