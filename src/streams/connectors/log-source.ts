import type { Consumer, ConsumerOptions, EventLog, LogRecord, TopicPartitionOffset } from '../../log/index.js'
import { Sink } from '../sink.js'
import { Source } from '../source.js'
import { DONE, type Pulled, type Stage } from '../stage.js'

/** A record and the means to say it has been processed, so its offset may be committed. */
export interface Committable<T> {
  readonly record: T
  /**
   * Marks the element processed. Its offset is committed with the next batch,
   * once every earlier element of its partition is marked too: mark the
   * elements a filter drops as well, or the partition's commits stop there.
   */
  commit(): void
}

export interface CommittableSourceOptions extends ConsumerOptions {
  group: string
  /** Commit once this many elements were marked since the last commit (default 1000). */
  commitEvery?: number
  /** Commit at least this often while elements are being marked (ms, default 1000). */
  commitIntervalMs?: number
  /** How long one poll waits for records before asking again (ms, default 1000); cancellation is seen within it. */
  pollTimeoutMs?: number
  /**
   * When the stream completes (take, a kill switch's shutdown), how long the
   * source waits for the elements already emitted to be marked before its
   * last commit (ms, default 2000). A stream that fails does not wait.
   */
  drainTimeoutMs?: number
}

/**
 * Per partition, which emitted offsets have been marked processed: the offset
 * to commit is one past the longest run of marked offsets from the start, so
 * an element processed out of order (mapAsyncUnordered) never lets a
 * commit skip one still in flight.
 */
class PartitionProgress {
  private emitted: number[] = []
  private head = 0
  private marked = new Set<number>()
  committable: number | undefined

  emit(offset: number): void {
    this.emitted.push(offset)
  }

  mark(offset: number): boolean {
    this.marked.add(offset)
    let advanced = false
    while (this.head < this.emitted.length && this.marked.has(this.emitted[this.head]!)) {
      const done = this.emitted[this.head++]!
      this.marked.delete(done)
      this.committable = done + 1
      advanced = true
    }
    if (this.head > 4096) {
      this.emitted = this.emitted.slice(this.head)
      this.head = 0
    }
    return advanced
  }
}

/**
 * The records of a consumer group, each committable after processing: the
 * at-least-once source. The consumer is made when the stream opens and closed
 * when it ends, after a last commit of what was marked. Commits go out in
 * batches (every `commitEvery` marks or `commitIntervalMs`). An element marked
 * after the stream ended is not committed: it is read again next time, which
 * is what at-least-once allows.
 *
 * Demand: polls only when pulled; one poll's records (at most the consumer's
 * `maxPollRecords`) are one chunk.
 *
 * @example
 * ```ts
 * await LogSource.committable(log, { topics: ['driver'], group: 'ingest' })
 *   .mapAsync(4, async (c) => { await save(c.record); return c })
 *   .runWith(Sink.commitAll()).result
 * ```
 */
export function committableLogSource(log: EventLog, options: CommittableSourceOptions): Source<Committable<LogRecord>> {
  return Source.fromStage(() => committableStage(log, options))
}

function committableStage(log: EventLog, options: CommittableSourceOptions): Stage<Committable<LogRecord>> {
  const commitEvery = options.commitEvery ?? 1000
  const commitIntervalMs = options.commitIntervalMs ?? 1000
  const pollTimeoutMs = options.pollTimeoutMs ?? 1000
  const drainTimeoutMs = options.drainTimeoutMs ?? 2000
  let outstanding = 0
  let drained: (() => void) | undefined
  const progress = new Map<string, PartitionProgress>()
  const stop = new AbortController()
  let consumer: Consumer | undefined
  let opening: Promise<Consumer> | undefined
  let stopping = false
  let closed = false
  let marksSinceCommit = 0
  let committing: Promise<void> = Promise.resolve()
  let timer: NodeJS.Timeout | undefined

  const progressOf = (topic: string, partition: number): PartitionProgress => {
    const key = `${topic}\u0000${partition}`
    let entry = progress.get(key)
    if (!entry) progress.set(key, (entry = new PartitionProgress()))
    return entry
  }

  const commitNow = (): Promise<void> => {
    if (timer) clearTimeout(timer)
    timer = undefined
    marksSinceCommit = 0
    const offsets: TopicPartitionOffset[] = []
    for (const [key, entry] of progress) {
      if (entry.committable === undefined) continue
      const [topic, partition] = key.split('\u0000') as [string, string]
      offsets.push({ topic, partition: Number(partition), offset: entry.committable })
      entry.committable = undefined
    }
    if (offsets.length === 0 || !consumer) return committing
    const target = consumer
    // Commits go out one after the other, in order; a failed one is reported by the next pull.
    committing = committing.then(() => target.commit(offsets))
    return committing
  }

  const mark = (record: LogRecord): void => {
    if (closed) return
    if (--outstanding === 0) drained?.()
    if (!progressOf(record.topic, record.partition).mark(record.offset)) return
    if (++marksSinceCommit >= commitEvery) void commitNow().catch(() => undefined)
    else timer ??= setTimeout(() => void commitNow().catch(() => undefined), commitIntervalMs)
  }

  const close = async (failed: boolean): Promise<void> => {
    if (stopping) return
    stopping = true
    stop.abort()
    if (!failed && outstanding > 0) {
      // Elements emitted before the end are still on their way downstream: give them time to be marked.
      let timer: NodeJS.Timeout | undefined
      await new Promise<void>((resolve) => {
        drained = resolve
        timer = setTimeout(resolve, drainTimeoutMs)
      })
      clearTimeout(timer)
    }
    closed = true
    const current = consumer ?? (await opening?.catch(() => undefined))
    if (!current) return
    try {
      await commitNow()
    } finally {
      await current.close()
    }
  }

  return {
    pull: async (): Promise<Pulled<Committable<LogRecord>>> => {
      try {
        opening ??= log.consumer(options)
        consumer ??= await opening
        while (!stopping) {
          await committing // a failed commit fails the stream
          const records = await consumer.poll({ timeoutMs: pollTimeoutMs, signal: stop.signal })
          if (records.length === 0) continue
          outstanding += records.length
          return records.map((record) => {
            progressOf(record.topic, record.partition).emit(record.offset)
            let marked = false
            return {
              record,
              commit: () => {
                if (marked) return
                marked = true
                mark(record)
              },
            }
          })
        }
        return DONE
      } catch (error) {
        await close(true).catch(() => undefined)
        throw error
      }
    },
    cancel: (reason) => close(reason !== undefined),
  }
}

export interface LogSourceOptions extends ConsumerOptions {
  /** How long one poll waits before polling again (ms, default 1000). */
  pollTimeoutMs?: number
  /** Start every partition at its first record at or after this time (epoch ms), as `seekToTime`: a recent past replayed, then the tail. */
  fromTime?: number
}

/**
 * The records of topics, without committing (a tail: `koober consume`'s way).
 * With `group`, partitions are shared with the group's other members.
 */
export function logSource(log: EventLog, options: LogSourceOptions): Source<LogRecord> {
  return Source.fromStage(() => {
    const stop = new AbortController()
    let opening: Promise<Consumer> | undefined
    let closed = false
    const close = async (): Promise<void> => {
      if (closed) return
      closed = true
      stop.abort()
      const consumer = await opening?.catch(() => undefined)
      await consumer?.close()
    }
    return {
      pull: async (): Promise<Pulled<LogRecord>> => {
        try {
          opening ??= log.consumer(options).then(async (consumer) => {
            try {
              if (options.fromTime !== undefined) for (const topic of options.topics) await consumer.seekToTime(topic, options.fromTime)
            } catch (error) {
              await consumer.close().catch(() => undefined)
              throw error
            }
            return consumer
          })
          const consumer = await opening
          while (!closed) {
            const records = await consumer.poll({ timeoutMs: options.pollTimeoutMs ?? 1000, signal: stop.signal })
            if (records.length > 0) return records
          }
          return DONE
        } catch (error) {
          await close().catch(() => undefined)
          throw error
        }
      },
      cancel: close,
    }
  })
}

/** Marks every element processed: the end of an at-least-once pipeline. */
export function commitAll<T>(): Sink<Committable<T>, void> {
  return Sink.forEach((element) => element.commit())
}
