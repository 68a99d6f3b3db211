import { watch, type FSWatcher } from 'node:fs'
import { mkdir, readdir } from 'node:fs/promises'
import { kooberError } from '../errors.js'
import { syncDirectory } from './atomic-file.js'
import type { LogRecord, PartitionDescription, TopicConfig } from './event-log.js'
import { setBaseOffset } from './record-batch.js'
import { Segment, parseSegmentFileName, type CachedChunk } from './segment.js'

/** A batch waiting for the next flush: encoded, numbered, not yet durable. */
export interface PendingBatch {
  buffer: Buffer
  baseOffset: number
  recordCount: number
  maxTimestamp: number
}

export interface PartitionRead {
  records: LogRecord[]
  nextOffset: number
  /** Where the next sequential read continues (pass it back as `hint`). */
  hint: ReadHint
}

export interface ReadHint {
  offset: number
  segmentBase: number
  position: number
  chunk?: CachedChunk
}

export interface PartitionOpenOptions {
  writable: boolean
  /** Watch the directory for another process's writes while anyone waits for data (readers only). */
  watch: boolean
  config: Required<TopicConfig>
  indexIntervalBytes: number
}

/**
 * One partition of a topic: an ordered list of segments, the last one active.
 * The writer numbers batches as they are appended and makes them readable only
 * once `flush` has made them durable; readers in other processes `refresh`
 * from the files when the directory changes.
 */
export class PartitionLog {
  private segments: Segment[] = []
  private pending: PendingBatch[] = []
  private listeners = new Set<() => void>()
  private watcher: FSWatcher | undefined
  private refreshing: Promise<void> | undefined
  private refreshAgain = false
  /** The offset the next appended record gets (pending batches included). */
  nextOffset = 0
  /** One past the last durable, readable record. */
  endOffset = 0
  /** fdatasync calls made, for stats and tests of group commit. */
  syncs = 0

  private constructor(
    readonly topic: string,
    readonly partition: number,
    readonly dir: string,
    private readonly options: PartitionOpenOptions,
  ) {}

  static async open(topic: string, partition: number, dir: string, options: PartitionOpenOptions): Promise<PartitionLog> {
    const log = new PartitionLog(topic, partition, dir, options)
    if (options.writable) await mkdir(dir, { recursive: true })
    await log.load()
    return log
  }

  get startOffset(): number {
    return this.segments[0]?.baseOffset ?? this.endOffset
  }

  get sizeBytes(): number {
    let total = 0
    for (const segment of this.segments) total += segment.size
    return total
  }

  describe(): PartitionDescription {
    return {
      partition: this.partition,
      startOffset: this.startOffset,
      endOffset: this.endOffset,
      sizeBytes: this.sizeBytes,
      segments: this.segments.length,
    }
  }

  private get active(): Segment | undefined {
    return this.segments[this.segments.length - 1]
  }

  /**
   * Opens the segment files. Sealed segments trust a valid index; the last one
   * (and any whose index is missing) is scanned, and a writer truncates it at
   * the first invalid batch. Damage inside an older segment cuts the log there,
   * as Kafka's recovery does: the following segments are removed.
   */
  private async load(): Promise<void> {
    const bases = await listSegmentBases(this.dir)
    const { writable, indexIntervalBytes } = this.options
    let keep = bases.length
    for (let i = 0; i < bases.length; i++) {
      const sealed = i < bases.length - 1
      const { segment, scan } = await Segment.open(this.dir, bases[i]!, { writable, sealed, recover: writable, indexIntervalBytes })
      const previous = this.segments[this.segments.length - 1]
      if (previous !== undefined && previous.nextOffset !== segment.baseOffset) {
        await segment.close()
        keep = i
        break
      }
      this.segments.push(segment)
      if (sealed && scan?.stoppedBecause !== undefined) {
        keep = i + 1
        break
      }
    }
    if (writable && keep < bases.length) {
      for (const orphan of bases.slice(keep)) await Segment.remove(this.dir, orphan)
      await syncDirectory(this.dir)
    }
    const last = this.active
    if (writable && last === undefined) {
      this.segments.push(await Segment.create(this.dir, 0, indexIntervalBytes))
      await syncDirectory(this.dir)
    }
    this.endOffset = this.active?.nextOffset ?? 0
    this.nextOffset = this.endOffset
  }

  /** Queues an encoded batch for the next flush. */
  enqueue(batch: PendingBatch): void {
    this.pending.push(batch)
  }

  get hasPending(): boolean {
    return this.pending.length > 0
  }

  /**
   * Writes every pending batch and syncs it (one fdatasync per segment touched),
   * rolling to a new segment when the active one would outgrow `segmentBytes`.
   * On failure the partition cuts the file back to its last durable byte and
   * renumbers what is still queued, so the failed batches leave no trace.
   */
  async flush(): Promise<void> {
    const batches = this.pending
    this.pending = []
    let i = 0
    try {
      while (i < batches.length) {
        const segment = this.active!
        const group: PendingBatch[] = []
        let bytes = segment.size
        while (i < batches.length) {
          const batch = batches[i]!
          const wouldOverflow = bytes + batch.buffer.length > this.options.config.segmentBytes
          if (wouldOverflow && (bytes > 0 || group.length > 0)) break
          group.push(batch)
          bytes += batch.buffer.length
          i++
        }
        if (group.length > 0) {
          segment.write(
            group.map((b) => b.buffer),
            segment.size,
          )
          await segment.sync()
          this.syncs++
          let position = segment.size
          for (const batch of group) {
            segment.acceptBatch(
              {
                baseOffset: batch.baseOffset,
                sizeBytes: batch.buffer.length,
                maxTimestamp: batch.maxTimestamp,
                nextOffset: batch.baseOffset + batch.recordCount,
              },
              position,
            )
            position += batch.buffer.length
          }
          this.endOffset = segment.nextOffset
          this.notify()
        }
        if (i < batches.length) await this.roll()
      }
    } catch (err) {
      await this.abandon(batches.slice(i))
      throw kooberError('KOOBER_LOG_IO', `${this.topic}-${this.partition}: append failed: ${(err as Error).message}`, err)
    }
  }

  /** Forgets failed batches: cuts the active segment back to its durable size and renumbers the queue behind them. */
  private async abandon(failed: PendingBatch[]): Promise<void> {
    const segment = this.active
    if (segment) await segment.truncateTo(segment.size).catch(() => undefined)
    let next = this.endOffset
    const lost = failed.reduce((sum, b) => sum + b.recordCount, 0)
    for (const batch of this.pending) {
      batch.baseOffset = next
      setBaseOffset(batch.buffer, next)
      next += batch.recordCount
    }
    this.nextOffset -= lost
  }

  /** Seals the active segment (its index file written atomically) and starts a new one. */
  private async roll(): Promise<void> {
    const current = this.active!
    await current.seal()
    this.segments.push(await Segment.create(this.dir, current.nextOffset, this.options.indexIntervalBytes))
    await syncDirectory(this.dir)
    await this.applyRetention(Date.now())
  }

  /**
   * Deletes sealed segments past retention: whole segments, oldest first, while
   * the partition is over `retentionBytes` or the segment's newest record is
   * older than `retentionMs`. The active segment is never deleted.
   */
  async applyRetention(now: number): Promise<number> {
    const { retentionBytes, retentionMs } = this.options.config
    let total = this.sizeBytes
    let deleted = 0
    while (this.segments.length > 1) {
      const oldest = this.segments[0]!
      const overSize = retentionBytes >= 0 && total > retentionBytes
      const tooOld = retentionMs >= 0 && oldest.maxTimestamp < now - retentionMs
      if (!overSize && !tooOld) break
      this.segments.shift()
      total -= oldest.size
      await oldest.delete()
      deleted++
    }
    if (deleted > 0) await syncDirectory(this.dir)
    return deleted
  }

  /**
   * Reads up to `maxRecords` durable records from `offset`. An offset below the
   * start (removed by retention) or past the end is KOOBER_LOG_OFFSET_OUT_OF_RANGE.
   */
  async read(offset: number, maxRecords: number, hint?: ReadHint): Promise<PartitionRead> {
    if (!Number.isSafeInteger(offset) || offset < this.startOffset || offset > this.endOffset) {
      throw kooberError(
        'KOOBER_LOG_OFFSET_OUT_OF_RANGE',
        `${this.topic}-${this.partition}: offset ${offset} is outside [${this.startOffset}, ${this.endOffset}]`,
      )
    }
    let index = this.segmentIndexFor(offset)
    const useHint = hint !== undefined && hint.offset === offset && hint.segmentBase === this.segments[index]?.baseOffset
    let position = useHint ? hint.position : undefined
    let cached = useHint ? hint.chunk : undefined
    while (index < this.segments.length) {
      const segment = this.segments[index]!
      if (offset < segment.nextOffset) {
        const read = await segment.read(this.topic, this.partition, offset, maxRecords, position, cached)
        if (read.records.length > 0 || index === this.segments.length - 1) {
          return {
            records: read.records,
            nextOffset: read.nextOffset,
            hint: { offset: read.nextOffset, segmentBase: segment.baseOffset, position: read.nextPosition, ...(read.chunk ? { chunk: read.chunk } : {}) },
          }
        }
      }
      index++
      position = undefined
      cached = undefined
    }
    return { records: [], nextOffset: offset, hint: { offset, segmentBase: -1, position: 0 } }
  }

  private segmentIndexFor(offset: number): number {
    let lo = 0
    let hi = this.segments.length - 1
    let found = 0
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      if (this.segments[mid]!.baseOffset <= offset) {
        found = mid
        lo = mid + 1
      } else {
        hi = mid - 1
      }
    }
    return found
  }

  async offsetForTime(timestamp: number): Promise<number> {
    for (const segment of this.segments) {
      const found = await segment.offsetForTime(timestamp)
      if (found !== undefined) return found
    }
    return this.endOffset
  }

  /**
   * Calls `listener` whenever new records become readable; returns the
   * unsubscribe function. A reader of another process's log watches the
   * partition directory (inotify) while anyone listens.
   */
  onData(listener: () => void): () => void {
    this.listeners.add(listener)
    if (this.options.watch && this.watcher === undefined) {
      this.watcher = watch(this.dir, { persistent: true }, () => void this.catchUp())
      this.watcher.on('error', () => this.stopWatching())
      void this.catchUp() // records written before the watch began
    }
    return () => {
      this.listeners.delete(listener)
      if (this.listeners.size === 0) this.stopWatching()
    }
  }

  private stopWatching(): void {
    this.watcher?.close()
    this.watcher = undefined
  }

  /** Runs `refresh` once at a time; a change seen during one runs it once more after. */
  catchUp(): Promise<void> {
    if (this.refreshing) {
      this.refreshAgain = true
      return this.refreshing
    }
    this.refreshing = (async () => {
      try {
        do {
          this.refreshAgain = false
          await this.refresh()
        } while (this.refreshAgain)
      } catch {
        // The files changed under us (a segment deleted by retention mid-scan): the next change retries.
      } finally {
        this.refreshing = undefined
      }
    })()
    return this.refreshing
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener()
  }

  /**
   * A reader's catch-up with a partition another process writes: picks up new
   * segment files, forgets deleted ones, and accepts the batches completed
   * since the last look.
   */
  private async refresh(): Promise<void> {
    const bases = await listSegmentBases(this.dir)
    const present = new Set(bases)
    while (this.segments.length > 0 && !present.has(this.segments[0]!.baseOffset)) {
      await this.segments.shift()!.close()
    }
    const { indexIntervalBytes } = this.options
    let last = this.active
    if (last) await last.scan(last.size, await last.fileBytes())
    for (const base of bases) {
      if (last !== undefined && base <= last.baseOffset) continue
      if (last !== undefined && base !== last.nextOffset) break
      const { segment } = await Segment.open(this.dir, base, { writable: false, sealed: false, recover: false, indexIntervalBytes })
      this.segments.push(segment)
      last = segment
    }
    const end = this.active?.nextOffset ?? 0
    if (end !== this.endOffset) {
      this.endOffset = end
      this.nextOffset = end
      this.notify()
    }
  }

  async close(): Promise<void> {
    this.stopWatching()
    this.listeners.clear()
    for (const segment of this.segments) await segment.close()
    this.segments = []
  }
}

async function listSegmentBases(dir: string): Promise<number[]> {
  let names: string[]
  try {
    names = await readdir(dir)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw err
  }
  const bases: number[] = []
  for (const name of names) {
    const base = parseSegmentFileName(name)
    if (base !== undefined) bases.push(base)
  }
  return bases.sort((a, b) => a - b)
}

