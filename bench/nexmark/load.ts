import type { EventLog, ProducerRecord } from '../../src/log/index.js'
import { NexmarkGenerator, type GeneratorConfig } from './generator.js'

export interface LoadOptions extends GeneratorConfig {
  topic: string
  events: number
  partitions: number
  /** Called after each append with the events written so far. */
  progress?: (written: number) => void
}

const APPEND_BATCH = 10_000

/**
 * Writes the first `events` Nexmark events to a new topic as JSON, keyed by
 * the entity's id (a bid by its auction). Event n goes to partition
 * n mod partitions rather than where its key hashes: Nexmark splits its
 * generator into parallel timelines the same way, so every partition moves
 * through event time at the same pace, and a watermark held per partition
 * is not held back by one hot auction's partition.
 */
export async function loadNexmark(log: EventLog, options: LoadOptions): Promise<{ bytes: number; bids: number }> {
  await log.createTopic(options.topic, { partitions: options.partitions, segmentBytes: 1 << 30, retentionMs: -1 })
  const generator = new NexmarkGenerator(options)
  let bytes = 0
  let bids = 0
  for (let first = 0; first < options.events; first += APPEND_BATCH) {
    const batch: ProducerRecord[] = []
    for (let n = first; n < Math.min(options.events, first + APPEND_BATCH); n++) {
      const event = generator.next()
      const value = JSON.stringify(event)
      bytes += Buffer.byteLength(value)
      if (event.type === 'bid') bids++
      batch.push({ key: String(event.type === 'bid' ? event.auction : event.id), value, timestamp: event.dateTime, partition: n % options.partitions })
    }
    await log.append(options.topic, batch)
    options.progress?.(first + batch.length)
  }
  return { bytes, bids }
}
