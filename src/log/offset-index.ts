import { crc32c } from '@node-rs/crc32'
import { readInt64, writeInt64 } from './record-batch.js'

/*
 * The sparse index of one segment, in memory and in its `.index` file. An entry
 * is added when a batch starts at least `intervalBytes` after the last indexed
 * batch, so lookups scan at most that many bytes. Each entry also carries the
 * largest timestamp of every record up to and including its batch, which makes
 * the same index answer "first offset at or after time T".
 *
 * File layout (big-endian), replaced atomically when a segment is sealed:
 *
 *   0   4   magic         "KIDX"
 *   4   4   version       1
 *   8   8   segmentBytes  the segment size the index describes
 *   16  8   nextOffset    the offset after the segment's last record
 *   24  8   maxTimestamp  the largest timestamp in the segment
 *   32  4   entryCount
 *   36  4   crc           CRC32C of bytes 0..36 and of the entries
 *   40      entries, 16 bytes each:
 *             relativeOffset uint32 (offset - segment base offset)
 *             position       uint32 (byte position of the batch in the segment)
 *             maxTimestamp   int64  (largest timestamp up to and including the batch)
 *
 * An index whose CRC fails or whose segmentBytes differs from the segment file
 * is ignored and rebuilt by scanning the segment.
 */

const MAGIC = 0x4b494458 // "KIDX"
const VERSION = 1
const HEADER_BYTES = 40
const ENTRY_BYTES = 16

export interface SealedSegmentIndex {
  index: OffsetIndex
  nextOffset: number
  maxTimestamp: number
}

export interface IndexPosition {
  offset: number
  position: number
}

export class OffsetIndex {
  private relativeOffsets: number[] = []
  private positions: number[] = []
  private maxTimestamps: number[] = []
  private lastIndexedPosition = -Infinity
  private maxTimestampSoFar = 0

  constructor(
    readonly baseOffset: number,
    private readonly intervalBytes: number,
  ) {}

  get entries(): number {
    return this.positions.length
  }

  /** Notes a batch written at `position`; indexes it when it is far enough from the last entry. */
  observe(batchBaseOffset: number, position: number, batchMaxTimestamp: number): void {
    if (batchMaxTimestamp > this.maxTimestampSoFar) this.maxTimestampSoFar = batchMaxTimestamp
    if (position - this.lastIndexedPosition < this.intervalBytes) return
    this.relativeOffsets.push(batchBaseOffset - this.baseOffset)
    this.positions.push(position)
    this.maxTimestamps.push(this.maxTimestampSoFar)
    this.lastIndexedPosition = position
  }

  /** The indexed batch at or before `offset` (where a scan for it starts), or the segment start. */
  floor(offset: number): IndexPosition {
    const relative = offset - this.baseOffset
    let lo = 0
    let hi = this.relativeOffsets.length - 1
    let found = -1
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      if (this.relativeOffsets[mid]! <= relative) {
        found = mid
        lo = mid + 1
      } else {
        hi = mid - 1
      }
    }
    if (found < 0) return { offset: this.baseOffset, position: 0 }
    return { offset: this.baseOffset + this.relativeOffsets[found]!, position: this.positions[found]! }
  }

  /**
   * Where a scan for the first record with a timestamp at or after `timestamp`
   * starts: the last entry whose running maximum is still below it (every
   * record up to that batch is older), or the segment start.
   */
  floorForTime(timestamp: number): IndexPosition {
    let lo = 0
    let hi = this.maxTimestamps.length - 1
    let firstAtOrAfter = this.maxTimestamps.length
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      if (this.maxTimestamps[mid]! >= timestamp) {
        firstAtOrAfter = mid
        hi = mid - 1
      } else {
        lo = mid + 1
      }
    }
    const before = firstAtOrAfter - 1
    if (before < 0) return { offset: this.baseOffset, position: 0 }
    return { offset: this.baseOffset + this.relativeOffsets[before]!, position: this.positions[before]! }
  }

  /** Drops entries at or past `position` (after a truncation). */
  truncateTo(position: number): void {
    let keep = this.positions.length
    while (keep > 0 && this.positions[keep - 1]! >= position) keep--
    this.relativeOffsets.length = keep
    this.positions.length = keep
    this.maxTimestamps.length = keep
    this.lastIndexedPosition = keep > 0 ? this.positions[keep - 1]! : -Infinity
    this.maxTimestampSoFar = keep > 0 ? this.maxTimestamps[keep - 1]! : 0
  }

  encode(segmentBytes: number, nextOffset: number, maxTimestamp: number): Buffer {
    const count = this.positions.length
    const buf = Buffer.alloc(HEADER_BYTES + count * ENTRY_BYTES)
    let at = HEADER_BYTES
    for (let i = 0; i < count; i++) {
      buf.writeUInt32BE(this.relativeOffsets[i]!, at)
      buf.writeUInt32BE(this.positions[i]!, at + 4)
      writeInt64(buf, at + 8, this.maxTimestamps[i]!)
      at += ENTRY_BYTES
    }
    buf.writeUInt32BE(MAGIC, 0)
    buf.writeUInt32BE(VERSION, 4)
    writeInt64(buf, 8, segmentBytes)
    writeInt64(buf, 16, nextOffset)
    writeInt64(buf, 24, maxTimestamp)
    buf.writeUInt32BE(count, 32)
    buf.writeUInt32BE(checksum(buf), 36)
    return buf
  }

  /** Loads an index file's bytes, or returns undefined when they do not describe a segment of `segmentBytes`. */
  static decode(buf: Buffer, baseOffset: number, intervalBytes: number, segmentBytes: number): SealedSegmentIndex | undefined {
    if (buf.length < HEADER_BYTES) return undefined
    if (buf.readUInt32BE(0) !== MAGIC || buf.readUInt32BE(4) !== VERSION) return undefined
    if (readInt64(buf, 8) !== segmentBytes) return undefined
    const count = buf.readUInt32BE(32)
    if (buf.length !== HEADER_BYTES + count * ENTRY_BYTES) return undefined
    if (checksum(buf) !== buf.readUInt32BE(36)) return undefined
    const index = new OffsetIndex(baseOffset, intervalBytes)
    let at = HEADER_BYTES
    for (let i = 0; i < count; i++) {
      index.relativeOffsets.push(buf.readUInt32BE(at))
      index.positions.push(buf.readUInt32BE(at + 4))
      index.maxTimestamps.push(readInt64(buf, at + 8))
      at += ENTRY_BYTES
    }
    if (count > 0) {
      index.lastIndexedPosition = index.positions[count - 1]!
    }
    index.maxTimestampSoFar = readInt64(buf, 24)
    return { index, nextOffset: readInt64(buf, 16), maxTimestamp: index.maxTimestampSoFar }
  }
}

function checksum(buf: Buffer): number {
  return crc32c(buf.subarray(HEADER_BYTES), crc32c(buf.subarray(0, 36)))
}
