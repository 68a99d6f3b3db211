import { crc32c } from '@node-rs/crc32'
import { kooberError } from '../errors.js'
import type { LogRecord, ProducerRecord } from './event-log.js'

/*
 * The on-disk record batch of the embedded log. A segment file is these
 * batches back to back. Integers are big-endian; int64 values are written as
 * two uint32 halves and must stay below 2^53.
 *
 *   offset  size  field
 *   0       8     baseOffset       int64   offset of the first record
 *   8       4     batchLength      int32   bytes after this field
 *   12      4     crc              uint32  CRC32C (Castagnoli) of bytes 16..end
 *   16      1     magic            int8    format version, 1
 *   17      1     attributes       int8    bit 0: record timestamps are int64 (else int32 deltas)
 *   18      4     recordCount      int32   at least 1
 *   22      8     firstTimestamp   int64   epoch ms of the first record
 *   30      8     maxTimestamp     int64   the largest record timestamp
 *   38            records, recordCount times:
 *                   attributes     int8    bit 0: has a key, bit 1: has headers
 *                   timestamp      int32   delta from firstTimestamp (int64 epoch ms when the batch says so)
 *                   [keyLength     int32, key bytes]          when it has a key
 *                   valueLength    int32
 *                   value          bytes
 *                   [headerCount   int16, then per header:    when it has headers
 *                      nameLength int32, name (UTF-8), valueLength int32, value]
 *
 * The layout follows Kafka's record batch v2 (baseOffset, batchLength, a CRC32C
 * over what follows the CRC, a record count, per-record timestamp deltas) with
 * fixed-width fields instead of varints, which encode and decode faster in
 * JavaScript. A keyless record without headers costs 9 bytes over its value.
 * The CRC covers all but the offset and length, which recovery checks apart.
 */

export const BATCH_HEADER_BYTES = 38
/** The bytes of `baseOffset` and `batchLength`, which precede what batchLength counts. */
export const BATCH_LENGTH_PREFIX = 12
export const MAGIC = 1
const BATCH_WIDE_TIMESTAMPS = 1
const RECORD_HAS_KEY = 1
const RECORD_HAS_HEADERS = 2
/** attributes + valueLength; the timestamp (4 or 8 bytes) is added per batch. */
const RECORD_FIXED_BYTES = 1 + 4
const MAX_HEADERS = 0x7fff
const TWO_32 = 0x1_0000_0000
const INT32_MAX = 0x7fffffff

export interface BatchHeader {
  baseOffset: number
  /** Total bytes of the batch, header included. */
  sizeBytes: number
  recordCount: number
  firstTimestamp: number
  maxTimestamp: number
  /** The offset after the batch's last record. */
  nextOffset: number
  wideTimestamps: boolean
}

function viewOf(buf: Buffer): DataView {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
}

export function readInt64(buf: Buffer, at: number): number {
  return buf.readUInt32BE(at) * TWO_32 + buf.readUInt32BE(at + 4)
}

export function writeInt64(buf: Buffer, at: number, value: number): void {
  buf.writeUInt32BE(Math.floor(value / TWO_32), at)
  buf.writeUInt32BE(value >>> 0, at + 4)
}

function byteLengthOf(bytes: Buffer | string): number {
  return typeof bytes === 'string' ? Buffer.byteLength(bytes) : bytes.length
}

/**
 * The bytes a record takes in a batch, less its timestamp field (4 or 8 bytes,
 * chosen per batch); also the size checked against a topic's `maxRecordBytes`.
 * Throws KOOBER_LOG_INVALID_RECORD for a record of the wrong shape.
 */
export function encodedRecordBytes(record: ProducerRecord): number {
  if (record === null || typeof record !== 'object') {
    throw kooberError('KOOBER_LOG_INVALID_RECORD', 'a record must be an object with a value')
  }
  const { key, value, headers, timestamp } = record
  let size = RECORD_FIXED_BYTES
  if (Buffer.isBuffer(value)) size += value.length
  else if (typeof value === 'string') size += Buffer.byteLength(value)
  else throw kooberError('KOOBER_LOG_INVALID_RECORD', 'a record value must be a Buffer or a string')
  if (key !== undefined && key !== null) {
    if (typeof key !== 'string' && !Buffer.isBuffer(key)) {
      throw kooberError('KOOBER_LOG_INVALID_RECORD', 'a record key must be a Buffer, a string or null')
    }
    size += 4 + byteLengthOf(key)
  }
  if (timestamp !== undefined && !(Number.isSafeInteger(timestamp) && timestamp >= 0)) {
    throw kooberError('KOOBER_LOG_INVALID_RECORD', `a record timestamp must be epoch milliseconds, got ${String(timestamp)}`)
  }
  if (headers !== undefined) {
    if (headers === null || typeof headers !== 'object') {
      throw kooberError('KOOBER_LOG_INVALID_RECORD', 'record headers must be an object of names to values')
    }
    let count = 0
    for (const name in headers) {
      const headerValue = headers[name]
      if (typeof headerValue !== 'string' && !Buffer.isBuffer(headerValue)) {
        throw kooberError('KOOBER_LOG_INVALID_RECORD', `header ${JSON.stringify(name)} must be a Buffer or a string`)
      }
      size += 8 + Buffer.byteLength(name) + byteLengthOf(headerValue)
      count++
    }
    if (count > MAX_HEADERS) throw kooberError('KOOBER_LOG_INVALID_RECORD', `a record has at most ${MAX_HEADERS} headers`)
    if (count > 0) size += 2
  }
  return size
}

function writeBytes(buf: Buffer, view: DataView, at: number, bytes: Buffer | string): number {
  if (typeof bytes === 'string') {
    const length = buf.write(bytes, at + 4, 'utf8')
    view.setInt32(at, length)
    return at + 4 + length
  }
  view.setInt32(at, bytes.length)
  buf.set(bytes, at + 4)
  return at + 4 + bytes.length
}

/**
 * Encodes the already validated records `records[start..end)` as one batch.
 * `sizes[i]` is `encodedRecordBytes(records[i])`, computed by the caller's
 * validation, so each record is measured once.
 */
export function encodeBatch(
  baseOffset: number,
  records: readonly ProducerRecord[],
  sizes: ArrayLike<number>,
  start: number,
  end: number,
  defaultTimestamp: number,
): Buffer {
  const count = end - start
  const firstTimestamp = records[start]!.timestamp ?? defaultTimestamp
  let maxTimestamp = firstTimestamp
  let wide = false
  let total = BATCH_HEADER_BYTES
  for (let i = start; i < end; i++) {
    const timestamp = records[i]!.timestamp ?? defaultTimestamp
    if (timestamp > maxTimestamp) maxTimestamp = timestamp
    const delta = timestamp - firstTimestamp
    if (delta > INT32_MAX || delta < -INT32_MAX) wide = true
    total += sizes[i]!
  }
  total += count * (wide ? 8 : 4)
  const buf = Buffer.allocUnsafe(total)
  const view = viewOf(buf)
  let at = BATCH_HEADER_BYTES
  for (let i = start; i < end; i++) {
    const record = records[i]!
    const timestamp = record.timestamp ?? defaultTimestamp
    const key = record.key
    const headers = record.headers
    const attributesAt = at
    let attributes = 0
    at += 1
    if (wide) {
      view.setUint32(at, Math.floor(timestamp / TWO_32))
      view.setUint32(at + 4, timestamp >>> 0)
      at += 8
    } else {
      view.setInt32(at, timestamp - firstTimestamp)
      at += 4
    }
    if (key !== undefined && key !== null) {
      attributes |= RECORD_HAS_KEY
      at = writeBytes(buf, view, at, key)
    }
    at = writeBytes(buf, view, at, record.value)
    if (headers !== undefined) {
      const countAt = at
      let headerCount = 0
      at += 2
      for (const name in headers) {
        at = writeBytes(buf, view, at, name)
        at = writeBytes(buf, view, at, headers[name]!)
        headerCount++
      }
      if (headerCount > 0) {
        attributes |= RECORD_HAS_HEADERS
        view.setInt16(countAt, headerCount)
      } else {
        at = countAt
      }
    }
    buf[attributesAt] = attributes
  }
  view.setUint32(0, Math.floor(baseOffset / TWO_32))
  view.setUint32(4, baseOffset >>> 0)
  view.setInt32(8, total - BATCH_LENGTH_PREFIX)
  buf[16] = MAGIC
  buf[17] = wide ? BATCH_WIDE_TIMESTAMPS : 0
  view.setInt32(18, count)
  view.setUint32(22, Math.floor(firstTimestamp / TWO_32))
  view.setUint32(26, firstTimestamp >>> 0)
  view.setUint32(30, Math.floor(maxTimestamp / TWO_32))
  view.setUint32(34, maxTimestamp >>> 0)
  view.setUint32(12, crc32c(buf.subarray(16)))
  return buf
}

/** Rewrites the base offset of an encoded batch (not covered by its CRC). */
export function setBaseOffset(buf: Buffer, baseOffset: number): void {
  writeInt64(buf, 0, baseOffset)
}

export type BatchCheck =
  | { ok: true; header: BatchHeader }
  /** `incomplete`: the bytes end inside the batch; `invalid`: the batch is damaged. */
  | { ok: false; reason: 'incomplete' | 'invalid'; detail: string }

/**
 * Checks the batch that starts at `at` in `buf`: its length, magic, CRC and
 * offsets. `expectedOffset` is the offset the batch must start at, when known.
 * `verifyCrc` is false only for bytes whose CRC this process already checked.
 */
export function checkBatch(buf: Buffer, at: number, expectedOffset?: number, verifyCrc = true): BatchCheck {
  if (buf.length - at < BATCH_HEADER_BYTES) {
    return { ok: false, reason: 'incomplete', detail: 'truncated batch header' }
  }
  const baseOffset = readInt64(buf, at)
  const length = buf.readInt32BE(at + 8)
  if (length < BATCH_HEADER_BYTES - BATCH_LENGTH_PREFIX) {
    return { ok: false, reason: 'invalid', detail: `batch length ${length} is too small` }
  }
  if (buf[at + 16] !== MAGIC) return { ok: false, reason: 'invalid', detail: `unknown batch magic ${buf[at + 16]}` }
  if (expectedOffset !== undefined && baseOffset !== expectedOffset) {
    return { ok: false, reason: 'invalid', detail: `batch starts at offset ${baseOffset}, expected ${expectedOffset}` }
  }
  const sizeBytes = length + BATCH_LENGTH_PREFIX
  if (buf.length - at < sizeBytes) return { ok: false, reason: 'incomplete', detail: 'truncated batch' }
  const recordCount = buf.readInt32BE(at + 18)
  if (recordCount < 1) return { ok: false, reason: 'invalid', detail: `batch record count ${recordCount}` }
  const crc = buf.readUInt32BE(at + 12)
  if (verifyCrc && crc32c(buf.subarray(at + 16, at + sizeBytes)) !== crc) {
    return { ok: false, reason: 'invalid', detail: 'batch CRC32C mismatch' }
  }
  return {
    ok: true,
    header: {
      baseOffset,
      sizeBytes,
      recordCount,
      firstTimestamp: readInt64(buf, at + 22),
      maxTimestamp: readInt64(buf, at + 30),
      nextOffset: baseOffset + recordCount,
      wideTimestamps: (buf[at + 17]! & BATCH_WIDE_TIMESTAMPS) !== 0,
    },
  }
}

function corrupt(detail: string): Error {
  return kooberError('KOOBER_LOG_CORRUPT', `record ${detail} runs past its batch`)
}

/**
 * Decodes the records of a batch already checked by `checkBatch`, pushing those
 * at or after `fromOffset` onto `out`, at most `limit` of them. Returns how many
 * it pushed. Keys, values and headers are views into `buf`, not copies.
 */
export function decodeBatch(
  buf: Buffer,
  at: number,
  header: BatchHeader,
  topic: string,
  partition: number,
  fromOffset: number,
  limit: number,
  out: LogRecord[],
): number {
  const view = viewOf(buf)
  const end = at + header.sizeBytes
  const wide = header.wideTimestamps
  const firstTimestamp = header.firstTimestamp
  let pos = at + BATCH_HEADER_BYTES
  let pushed = 0
  for (let i = 0; i < header.recordCount && pushed < limit; i++) {
    if (pos + RECORD_FIXED_BYTES + 4 > end) throw corrupt('header')
    const attributes = buf[pos]!
    let timestamp: number
    if (wide) {
      timestamp = view.getUint32(pos + 1) * TWO_32 + view.getUint32(pos + 5)
      pos += 9
    } else {
      timestamp = firstTimestamp + view.getInt32(pos + 1)
      pos += 5
    }
    let key: Buffer | null = null
    if ((attributes & RECORD_HAS_KEY) !== 0) {
      const keyLength = view.getInt32(pos)
      pos += 4
      if (keyLength < 0 || pos + keyLength > end) throw corrupt('key')
      key = buf.subarray(pos, (pos += keyLength))
    }
    const valueLength = view.getInt32(pos)
    pos += 4
    if (valueLength < 0 || pos + valueLength > end) throw corrupt('value')
    const value = buf.subarray(pos, (pos += valueLength))
    let headers: Record<string, Buffer> = EMPTY_HEADERS
    if ((attributes & RECORD_HAS_HEADERS) !== 0) {
      headers = {}
      const headerCount = view.getInt16(pos)
      pos += 2
      for (let h = 0; h < headerCount; h++) {
        const nameLength = view.getInt32(pos)
        pos += 4
        if (nameLength < 0 || pos + nameLength + 4 > end) throw corrupt('header name')
        const name = buf.toString('utf8', pos, (pos += nameLength))
        const headerLength = view.getInt32(pos)
        pos += 4
        if (headerLength < 0 || pos + headerLength > end) throw corrupt('header value')
        headers[name] = buf.subarray(pos, (pos += headerLength))
      }
    }
    const offset = header.baseOffset + i
    if (offset < fromOffset) continue
    out.push({ topic, partition, offset, timestamp, key, value, headers })
    pushed++
  }
  return pushed
}

/** Shared by every record without headers; frozen so no reader can change another's. */
const EMPTY_HEADERS: Record<string, Buffer> = Object.freeze({}) as Record<string, Buffer>

/** The offset of the first record in the batch whose timestamp is at or after `timestamp`, or undefined. */
export function firstOffsetAtOrAfter(buf: Buffer, at: number, header: BatchHeader, timestamp: number): number | undefined {
  if (header.maxTimestamp < timestamp) return undefined
  const records: LogRecord[] = []
  decodeBatch(buf, at, header, '', 0, 0, header.recordCount, records)
  for (const record of records) if (record.timestamp >= timestamp) return record.offset
  return undefined
}
