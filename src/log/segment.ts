import { writevSync } from 'node:fs'
import { open, readFile, rm, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import { kooberError } from '../errors.js'
import { writeFileAtomic } from './atomic-file.js'
import type { LogRecord } from './event-log.js'
import { OffsetIndex } from './offset-index.js'
import { BATCH_LENGTH_PREFIX, checkBatch, decodeBatch, firstOffsetAtOrAfter, type BatchHeader } from './record-batch.js'

/** How many bytes a read or a scan takes from the file at once. */
const SCAN_CHUNK_BYTES = 8 << 20
const READ_CHUNK_BYTES = 1 << 20

export function segmentFileName(baseOffset: number, extension: 'log' | 'index'): string {
  return `${String(baseOffset).padStart(20, '0')}.${extension}`
}

/** The base offset a segment file name encodes, or undefined for other files. */
export function parseSegmentFileName(name: string): number | undefined {
  const match = /^(\d{20})\.log$/.exec(name)
  return match ? Number(match[1]) : undefined
}

export interface ScanResult {
  /** Bytes of valid batches from the start of the file. */
  validBytes: number
  nextOffset: number
  maxTimestamp: number
  /** Why the scan stopped before the end of the file, if it did. */
  stoppedBecause?: { reason: 'incomplete' | 'invalid'; detail: string; position: number }
}

export interface SegmentRead {
  records: LogRecord[]
  /** The offset and byte position where the next read continues. */
  nextOffset: number
  nextPosition: number
  /** The bytes last read, which the next sequential read can start from. */
  chunk?: CachedChunk
}

/** File bytes already read: `buffer` holds the segment's bytes from `position` on. */
export interface CachedChunk {
  buffer: Buffer
  position: number
  /**
   * The position of a batch in `buffer` that was checked and partly handed
   * out: its records are views into `buffer` that an application may have
   * changed, so its CRC is not checked again (the records not yet handed out
   * are bytes no application holds).
   */
  checkedBatchAt?: number
}

/**
 * One file of a partition: record batches from `baseOffset` on, with its sparse
 * index. Only bytes below `size` are ever read; `size` moves forward once a
 * write is durable (writer) or once a batch is seen complete (reader).
 */
export class Segment {
  size = 0
  nextOffset: number
  maxTimestamp = 0
  private readers = 0
  private deleted = false
  private closed = false

  private constructor(
    readonly dir: string,
    readonly baseOffset: number,
    private readonly handle: FileHandle,
    public index: OffsetIndex,
    private readonly indexIntervalBytes: number,
  ) {
    this.nextOffset = baseOffset
  }

  get logPath(): string {
    return join(this.dir, segmentFileName(this.baseOffset, 'log'))
  }

  get indexPath(): string {
    return join(this.dir, segmentFileName(this.baseOffset, 'index'))
  }

  get isEmpty(): boolean {
    return this.nextOffset === this.baseOffset
  }

  static async create(dir: string, baseOffset: number, indexIntervalBytes: number): Promise<Segment> {
    const handle = await open(join(dir, segmentFileName(baseOffset, 'log')), 'wx+')
    return new Segment(dir, baseOffset, handle, new OffsetIndex(baseOffset, indexIntervalBytes), indexIntervalBytes)
  }

  /**
   * Opens an existing segment. A sealed segment with a valid index file trusts
   * it; otherwise the segment is scanned (and, when `recover`, truncated at its
   * first invalid or incomplete batch).
   */
  static async open(
    dir: string,
    baseOffset: number,
    options: { writable: boolean; sealed: boolean; recover: boolean; indexIntervalBytes: number },
  ): Promise<{ segment: Segment; scan?: ScanResult }> {
    const handle = await open(join(dir, segmentFileName(baseOffset, 'log')), options.writable ? 'r+' : 'r')
    const segment = new Segment(dir, baseOffset, handle, new OffsetIndex(baseOffset, options.indexIntervalBytes), options.indexIntervalBytes)
    try {
      const fileBytes = (await handle.stat()).size
      if (options.sealed) {
        const loaded = await segment.loadIndex(fileBytes)
        if (loaded) return { segment }
      }
      const scan = await segment.scan(0, fileBytes)
      if (scan.stoppedBecause && options.recover) {
        await handle.truncate(scan.validBytes)
        await handle.sync()
      }
      return { segment, scan }
    } catch (err) {
      await handle.close()
      throw err
    }
  }

  private async loadIndex(fileBytes: number): Promise<boolean> {
    let bytes: Buffer
    try {
      bytes = await readFile(this.indexPath)
    } catch {
      return false
    }
    const loaded = OffsetIndex.decode(bytes, this.baseOffset, this.indexIntervalBytes, fileBytes)
    if (!loaded) return false
    this.index = loaded.index
    this.size = fileBytes
    this.nextOffset = loaded.nextOffset
    this.maxTimestamp = loaded.maxTimestamp
    return true
  }

  /**
   * Reads batches from `position` up to `fileBytes`, checking each one's CRC
   * and offsets, and advances `size`, `nextOffset` and the index past every
   * valid batch. Stops at the first batch that is incomplete or invalid.
   */
  async scan(position: number, fileBytes: number): Promise<ScanResult> {
    const walked = await this.forEachBatch(position, fileBytes, this.nextOffset, SCAN_CHUNK_BYTES, (_chunk, _at, header, batchPosition) => {
      this.acceptBatch(header, batchPosition)
      return false
    })
    return {
      validBytes: this.size,
      nextOffset: this.nextOffset,
      maxTimestamp: this.maxTimestamp,
      ...(walked.stopped ? { stoppedBecause: { ...walked.stopped, position: walked.position } } : {}),
    }
  }

  /**
   * Visits the checked batches from `position` (a batch boundary) up to `end`,
   * reading the file in chunks, until `visit` returns true. Returns where it
   * stopped, and why when a batch was incomplete or failed its checks.
   * With `expectedOffset`, each batch must continue the offsets of the last.
   */
  private async forEachBatch(
    position: number,
    end: number,
    expectedOffset: number | undefined,
    firstChunkBytes: number,
    visit: (chunk: Buffer, at: number, header: BatchHeader, batchPosition: number) => boolean,
    cached?: CachedChunk,
  ): Promise<{ position: number; stopped?: { reason: 'incomplete' | 'invalid'; detail: string }; chunk?: CachedChunk }> {
    let chunkBytes = Math.min(firstChunkBytes, Math.max(end - position, 1))
    let last: CachedChunk | undefined
    while (position < end) {
      let view: Buffer
      let bytesRead: number
      let checkedBatchAt = -1
      const cachedFrom = cached ? position - cached.position : -1
      if (cached && cachedFrom >= 0 && cachedFrom < cached.buffer.length) {
        // Bytes below `end` never change, so what the last read left over is still good.
        view = cached.buffer.subarray(cachedFrom, Math.min(cached.buffer.length, end - cached.position))
        bytesRead = view.length
        checkedBatchAt = cached.checkedBatchAt ?? -1
        cached = undefined
      } else {
        const want = Math.min(chunkBytes, end - position)
        const chunk = Buffer.allocUnsafe(want)
        ;({ bytesRead } = await this.handle.read(chunk, 0, want, position))
        view = bytesRead === want ? chunk : chunk.subarray(0, bytesRead)
      }
      last = { buffer: view, position }
      let at = 0
      while (at < view.length) {
        const check = checkBatch(view, at, expectedOffset, position + at !== checkedBatchAt)
        if (!check.ok) {
          const needed = neededBytes(view, at)
          const fitsInFile = needed === undefined || position + at + needed <= end
          if (check.reason === 'incomplete' && position + view.length < end && fitsInFile) {
            // The batch continues past this chunk: read again from its start, in a bigger chunk if it is the first.
            if (at === 0) chunkBytes = Math.max(chunkBytes * 2, needed ?? 0)
            break
          }
          return { position: position + at, stopped: { reason: check.reason, detail: check.detail } }
        }
        const header = check.header
        if (visit(view, at, header, position + at)) return { position: position + at + header.sizeBytes, chunk: last }
        if (expectedOffset !== undefined) expectedOffset = header.nextOffset
        at += header.sizeBytes
      }
      if (bytesRead === 0) return { position, stopped: { reason: 'incomplete', detail: 'file shorter than expected' } }
      position += at
    }
    return { position, chunk: last }
  }

  /** Records a batch that is now readable at `position` (after its write is durable, or after a scan checked it). */
  acceptBatch(header: Pick<BatchHeader, 'baseOffset' | 'sizeBytes' | 'maxTimestamp' | 'nextOffset'>, position: number): void {
    this.index.observe(header.baseOffset, position, header.maxTimestamp)
    if (header.maxTimestamp > this.maxTimestamp) this.maxTimestamp = header.maxTimestamp
    this.nextOffset = header.nextOffset
    this.size = position + header.sizeBytes
  }

  /** Writes batches at `position` (not yet durable, not yet readable). */
  /**
   * Writes batches at `position` (not yet durable, not yet readable). The write
   * only copies into the page cache, so it is done synchronously: a trip through
   * the thread pool costs more than the copy. The sync that follows is not.
   */
  write(buffers: Buffer[], position: number): void {
    let written = 0
    let total = 0
    for (const b of buffers) total += b.length
    let pending = buffers
    while (written < total) {
      written += writevSync(this.handle.fd, pending, position + written)
      if (written < total) pending = remainingBuffers(buffers, written)
    }
  }

  async sync(): Promise<void> {
    await this.handle.datasync()
  }

  /** Cuts the file back to `size` bytes (an append that failed halfway). */
  async truncateTo(size: number): Promise<void> {
    await this.handle.truncate(size)
    this.index.truncateTo(size)
  }

  /** Writes the index file of a segment that takes no more appends. */
  async seal(): Promise<void> {
    await writeFileAtomic(this.indexPath, this.index.encode(this.size, this.nextOffset, this.maxTimestamp))
  }

  /** The current length of the file on disk (a reader's view of a segment another process writes). */
  async fileBytes(): Promise<number> {
    return (await this.handle.stat()).size
  }

  /**
   * Reads records from `offset`, starting the byte scan at `position` when the
   * caller knows it (a consumer continuing where it stopped) or at the index's
   * floor entry. Returns no records at the end of the segment. Never returns a
   * record whose batch fails its CRC: that is a KOOBER_LOG_CORRUPT error.
   */
  async read(
    topic: string,
    partition: number,
    offset: number,
    maxRecords: number,
    position?: number,
    cached?: CachedChunk,
  ): Promise<SegmentRead> {
    const records: LogRecord[] = []
    let nextOffset = Math.max(offset, this.baseOffset)
    let nextPosition = position ?? this.index.floor(offset).position
    let stoppedInsideBatch = false
    this.readers++
    try {
      const walked = await this.forEachBatch(nextPosition, this.size, undefined, READ_CHUNK_BYTES, (chunk, at, header, batchPosition) => {
        if (header.nextOffset <= nextOffset) {
          nextPosition = batchPosition + header.sizeBytes
          return false
        }
        decodeBatch(chunk, at, header, topic, partition, nextOffset, maxRecords - records.length, records)
        nextOffset = records[records.length - 1]!.offset + 1
        // Stopped inside the batch: the next read starts at the batch again.
        stoppedInsideBatch = nextOffset < header.nextOffset
        nextPosition = stoppedInsideBatch ? batchPosition : batchPosition + header.sizeBytes
        return records.length >= maxRecords
      }, cached)
      if (walked.stopped) {
        throw kooberError(
          'KOOBER_LOG_CORRUPT',
          `${topic}-${partition}: ${walked.stopped.detail} at byte ${walked.position} of ${this.logPath}`,
        )
      }
      const chunk = walked.chunk && (stoppedInsideBatch ? { ...walked.chunk, checkedBatchAt: nextPosition } : walked.chunk)
      return { records, nextOffset, nextPosition, ...(chunk ? { chunk } : {}) }
    } finally {
      this.readers--
      if (this.readers === 0 && this.deleted) await this.closeHandle()
    }
  }

  /** The first offset in this segment whose record is at or after `timestamp`, or undefined. */
  async offsetForTime(timestamp: number): Promise<number | undefined> {
    if (this.maxTimestamp < timestamp) return undefined
    let found: number | undefined
    this.readers++
    try {
      const walked = await this.forEachBatch(this.index.floorForTime(timestamp).position, this.size, undefined, READ_CHUNK_BYTES, (chunk, at, header) => {
        found = firstOffsetAtOrAfter(chunk, at, header, timestamp)
        return found !== undefined
      })
      if (walked.stopped) throw kooberError('KOOBER_LOG_CORRUPT', `${walked.stopped.detail} at byte ${walked.position} of ${this.logPath}`)
      return found
    } finally {
      this.readers--
      if (this.readers === 0 && this.deleted) await this.closeHandle()
    }
  }

  /** Removes the files of a segment that is not open. */
  static async remove(dir: string, baseOffset: number): Promise<void> {
    await rm(join(dir, segmentFileName(baseOffset, 'log')), { force: true })
    await rm(join(dir, segmentFileName(baseOffset, 'index')), { force: true })
  }

  /** Removes the segment's files; an ongoing read finishes on the open handle first. */
  async delete(): Promise<void> {
    this.deleted = true
    await rm(this.logPath, { force: true })
    await rm(this.indexPath, { force: true })
    if (this.readers === 0) await this.closeHandle()
  }

  async close(): Promise<void> {
    if (this.readers === 0) await this.closeHandle()
    else this.deleted = true
  }

  private async closeHandle(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.handle.close()
  }
}

/** The full size of the batch at `at`, when its length field is readable. */
function neededBytes(buf: Buffer, at: number): number | undefined {
  if (buf.length - at < BATCH_LENGTH_PREFIX) return undefined
  const length = buf.readInt32BE(at + 8)
  return length > 0 ? length + BATCH_LENGTH_PREFIX : undefined
}

function remainingBuffers(buffers: Buffer[], skip: number): Buffer[] {
  const rest: Buffer[] = []
  for (const b of buffers) {
    if (skip >= b.length) {
      skip -= b.length
      continue
    }
    rest.push(skip > 0 ? b.subarray(skip) : b)
    skip = 0
  }
  return rest
}
