import { kooberError } from '../errors.js'
import type { ProducerRecord } from './event-log.js'
import { partitionForKey } from './partitioner.js'
import { encodedRecordBytes } from './record-batch.js'

export interface Placement {
  /** Each record's size as `maxRecordBytes` counts it. */
  sizes: number[]
  /** Each record's partition. */
  partitionOf: Int32Array
}

/**
 * Checks every record of an append and picks its partition, the same way on
 * both backends: an explicit partition if given, else murmur2 of the key (as
 * Kafka's default partitioner), else round-robin from `roundRobin.next`, which
 * it advances only when every record passed. A bad record throws a typed error
 * naming it, before anything is written.
 */
export function placeRecords(
  topic: string,
  records: ProducerRecord[],
  partitionCount: number,
  maxRecordBytes: number,
  roundRobin: { next: number },
): Placement {
  if (!Array.isArray(records)) throw kooberError('KOOBER_LOG_INVALID_RECORD', 'append takes an array of records')
  const count = records.length
  const sizes = new Array<number>(count)
  const partitionOf = new Int32Array(count)
  let next = roundRobin.next
  for (let i = 0; i < count; i++) {
    const record = records[i]!
    let size: number
    try {
      size = encodedRecordBytes(record)
    } catch (err) {
      throw kooberError('KOOBER_LOG_INVALID_RECORD', `record ${i} for ${topic}: ${(err as Error).message}`, err)
    }
    if (size > maxRecordBytes) {
      throw kooberError('KOOBER_LOG_RECORD_TOO_LARGE', `record ${i} for ${topic} takes ${size} bytes, over the topic's maximum of ${maxRecordBytes}`)
    }
    sizes[i] = size
    const explicit = record.partition
    if (explicit !== undefined) {
      if (!Number.isInteger(explicit) || explicit < 0 || explicit >= partitionCount) {
        throw kooberError(
          'KOOBER_LOG_PARTITION_OUT_OF_RANGE',
          `record ${i}: partition ${explicit} is out of range: ${topic} has partitions 0 to ${partitionCount - 1}`,
        )
      }
      partitionOf[i] = explicit
    } else if (record.key !== undefined && record.key !== null) {
      partitionOf[i] = partitionForKey(record.key, partitionCount)
    } else {
      partitionOf[i] = next++ % partitionCount
    }
  }
  roundRobin.next = next % partitionCount
  return { sizes, partitionOf }
}
