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

  /** Resolves with each message's offset, in order, once Kafka acknowledged them. */
  enqueue(messages: Message[], sizes: ArrayLike<number>, cap: number): Promise<number[]> {
    const bytes = new Map<string, number>()
    messages.forEach((m, i) => {
      const key = keyOf(m.topic, m.partition!)
      bytes.set(key, (bytes.get(key) ?? 0) + sizes[i]!)
    })
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
          const result = await this.send(batch.flatMap((part) => part.messages))
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
    const next = new Map<string, number>()
    for (const o of result.offsets ?? []) next.set(keyOf(o.topic, o.partition), Number(o.offset))
    for (const part of batch) {
      const offsets: number[] = new Array(part.messages.length)
      let missing: string | undefined
      part.messages.forEach((m, i) => {
        const key = keyOf(m.topic, m.partition!)
        const offset = next.get(key)
        if (offset === undefined) missing = `${m.topic}-${m.partition}`
        else {
          offsets[i] = offset
          next.set(key, offset + 1)
        }
      })
      if (missing) part.reject(kooberError('KOOBER_LOG_KAFKA', `Kafka acknowledged a batch without an offset for ${missing}`))
      else part.resolve(offsets)
    }
  }
}
