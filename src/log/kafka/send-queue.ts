import type { MessageToProduce, ProduceResult } from '@platformatic/kafka'
import { kooberError } from '../../errors.js'

export type Message = MessageToProduce<Buffer, Buffer, Buffer, Buffer>

/** Messages of one append (or a slice of a large one) waiting to be sent. */
interface Part {
  messages: Message[]
  /** Bytes per topic-partition, to keep each request's batches within the broker's limit. */
  bytes: Map<string, number>
  /** The most bytes one partition's batch may carry (the topic's batch limit). */
  cap: number
  resolve: (offsets: number[]) => void
  reject: (error: unknown) => void
}

const keyOf = (topic: string, partition: number): string => `${topic}\u0000${partition}`

/**
 * One produce request in flight at a time, carrying every append that queued
 * meanwhile, as long as each partition's batch stays within its topic's cap.
 *
 * Why one at a time: @platformatic/kafka 1.x reads an idempotent partition's
 * sequence number when it builds a request and advances it only when the
 * answer comes (platformatic/kafka#326, fixed in 2.3 which needs Node 22), so
 * two requests in flight to a partition reuse numbers and the broker drops one
 * as a duplicate while both appends resolve. Merging what queued during a
 * request keeps the throughput a pipeline would give.
 */
export class SendQueue {
  private queue: Part[] = []
  private sending = false

  constructor(private readonly send: (messages: Message[]) => Promise<ProduceResult>) {}

  /** Resolves with each message's offset, in order, once Kafka acknowledged them. All `messages` are of one topic. */
  enqueue(messages: Message[], sizes: ArrayLike<number>, cap: number): Promise<number[]> {
    const perPartition: number[] = []
    const topic = messages[0]?.topic ?? ''
    for (let i = 0; i < messages.length; i++) {
      const p = messages[i]!.partition!
      perPartition[p] = (perPartition[p] ?? 0) + sizes[i]!
    }
    const bytes = new Map<string, number>()
    perPartition.forEach((size, p) => bytes.set(keyOf(topic, p), size))
    return new Promise((resolve, reject) => {
      this.queue.push({ messages, bytes, cap, resolve, reject })
      if (!this.sending) void this.drain()
    })
  }

  private async drain(): Promise<void> {
    this.sending = true
    try {
      while (this.queue.length > 0) {
        const batch = this.takeBatch()
        try {
          const messages = batch.length === 1 ? batch[0]!.messages : batch.flatMap((part) => part.messages)
          const result = await this.send(messages)
          this.settle(batch, result)
        } catch (error) {
          for (const part of batch) part.reject(error)
        }
      }
    } finally {
      this.sending = false
    }
  }

  /** The first queued part, and those after it that fit beside it. */
  private takeBatch(): Part[] {
    const batch = [this.queue.shift()!]
    const totals = new Map(batch[0]!.bytes)
    while (this.queue.length > 0) {
      const next = this.queue[0]!
      const fits = [...next.bytes].every(([key, size]) => (totals.get(key) ?? 0) + size <= next.cap)
      if (!fits) break
      for (const [key, size] of next.bytes) totals.set(key, (totals.get(key) ?? 0) + size)
      batch.push(this.queue.shift()!)
    }
    return batch
  }

  /** Kafka returns each partition's base offset; a message's offset is that plus its place among the partition's messages. */
  private settle(batch: Part[], result: ProduceResult): void {
    // Per topic, the next offset of each partition, indexed by partition number.
    const next = new Map<string, number[]>()
    for (const o of result.offsets ?? []) {
      let partitions = next.get(o.topic)
      if (!partitions) next.set(o.topic, (partitions = []))
      partitions[o.partition] = Number(o.offset)
    }
    for (const part of batch) {
      const { messages } = part
      const partitions = next.get(messages[0]!.topic) ?? []
      const offsets: number[] = new Array(messages.length)
      let missing = -1
      for (let i = 0; i < messages.length; i++) {
        const p = messages[i]!.partition!
        const offset = partitions[p]
        if (offset === undefined) missing = p
        else {
          offsets[i] = offset
          partitions[p] = offset + 1
        }
      }
      if (missing >= 0) part.reject(kooberError('KOOBER_LOG_KAFKA', `Kafka acknowledged a batch without an offset for ${messages[0]!.topic}-${missing}`))
      else part.resolve(offsets)
    }
  }
}
