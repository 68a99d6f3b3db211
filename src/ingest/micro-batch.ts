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
  try {
    const ends = options.untilCaughtUp ? await endOffsets(options.log, options.topics) : undefined
    while (!options.signal?.aborted) {
      const started = Date.now()
      const batch = await collect(consumer, started + intervalMs, maxRecords, options.signal, ends)
      if (batch.length > 0) {
        const report = await writeBatch(options, consumer, batch, deadLetterTopic)
        report.durationMs = Date.now() - started
        totals.batches++
        totals.records += report.records
        totals.rows += report.rows
        totals.deadLetters += report.deadLetters
        options.onBatch?.(report)
      }
      if (ends && caughtUp(consumer, ends)) break
    }
  } finally {
    await consumer.close()
  }
  return totals
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

/** Polls until the batch is full or its time is up; with `ends`, also until nothing older than the run's start is left. */
async function collect(
  consumer: Consumer,
  deadline: number,
  maxRecords: number,
  signal: AbortSignal | undefined,
  ends: Map<string, number> | undefined,
): Promise<LogRecord[]> {
  const batch: LogRecord[] = []
  while (batch.length < maxRecords && !signal?.aborted) {
    const timeoutMs = ends ? 0 : deadline - Date.now()
    if (timeoutMs < 0) break
    const records = await consumer.poll({ timeoutMs, maxRecords: maxRecords - batch.length, ...(signal ? { signal } : {}) })
    for (const record of records) batch.push(record)
    if (ends && (records.length === 0 || caughtUp(consumer, ends))) break
    if (Date.now() >= deadline) break
  }
  return batch
}

async function writeBatch(options: MicroBatchOptions, consumer: Consumer, batch: LogRecord[], deadLetterTopic: string): Promise<BatchReport> {
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
  // The write first; the commit only after it (and after the dead letters) succeeded.
  for (const [table, tableRows] of byTable) await options.store.upsert(table, tableRows)
  if (rejected.length > 0) await options.log.append(deadLetterTopic, rejected)
  const next = new Map<string, TopicPartitionOffset>()
  for (const record of batch) next.set(`${record.topic}/${record.partition}`, { topic: record.topic, partition: record.partition, offset: record.offset + 1 })
  await consumer.commit([...next.values()])
  return { records: batch.length, bytes, rows, deadLetters: rejected.length, durationMs: 0, lag: await lagOf(options.log, consumer) }
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

async function lagOf(log: EventLog, consumer: Consumer): Promise<number> {
  let lag = 0
  const topics = [...new Set(consumer.assignment().map((tp) => tp.topic))]
  for (const topic of topics) {
    const ends = (await log.describeTopic(topic)).partitions
    for (const tp of consumer.assignment()) {
      if (tp.topic !== topic) continue
      lag += Math.max(0, (ends[tp.partition]?.endOffset ?? 0) - (consumer.position(tp) ?? 0))
    }
  }
  return lag
}
