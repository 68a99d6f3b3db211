import { readFileSync } from 'node:fs'
import { z } from 'zod'
import { kooberError } from '../errors.js'
import { writeFileAtomic } from './atomic-file.js'
import type { TopicPartitionOffset } from './event-log.js'

const offsetsFileSchema = z.object({
  version: z.literal(1),
  offsets: z.record(z.string(), z.record(z.string(), z.number().int().min(0))),
})

/**
 * The committed offsets of one consumer group, in one JSON file replaced
 * atomically on every commit, so a crash keeps either the old or the new set.
 * Commits are written one at a time, in the order they were made.
 */
export class OffsetStore {
  private offsets = new Map<string, Map<number, number>>()
  private writing: Promise<void> = Promise.resolve()

  constructor(readonly path: string) {}

  /** Reads the file, if any; a damaged file is an error rather than a silent reset to the start. */
  load(): void {
    let text: string
    try {
      text = readFileSync(this.path, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return
      throw err
    }
    let parsed
    try {
      parsed = offsetsFileSchema.parse(JSON.parse(text))
    } catch (err) {
      throw kooberError('KOOBER_LOG_CORRUPT', `committed offsets file ${this.path} is damaged`, err)
    }
    for (const [topic, partitions] of Object.entries(parsed.offsets)) {
      const map = new Map<number, number>()
      for (const [partition, offset] of Object.entries(partitions)) map.set(Number(partition), offset)
      this.offsets.set(topic, map)
    }
  }

  get(topic: string, partition: number): number | undefined {
    return this.offsets.get(topic)?.get(partition)
  }

  all(): TopicPartitionOffset[] {
    const out: TopicPartitionOffset[] = []
    for (const [topic, partitions] of this.offsets) {
      for (const [partition, offset] of partitions) out.push({ topic, partition, offset })
    }
    return out
  }

  /** Records the offsets and resolves once they are durable. */
  commit(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    for (const { topic, partition, offset } of offsets) {
      let map = this.offsets.get(topic)
      if (!map) this.offsets.set(topic, (map = new Map()))
      map.set(partition, offset)
    }
    const snapshot = this.serialize()
    const write = this.writing.then(() => writeFileAtomic(this.path, snapshot))
    this.writing = write.catch(() => undefined)
    return write
  }

  private serialize(): string {
    const offsets: Record<string, Record<string, number>> = {}
    for (const [topic, partitions] of this.offsets) {
      offsets[topic] = Object.fromEntries([...partitions].map(([p, o]) => [String(p), o]))
    }
    return JSON.stringify({ version: 1, offsets })
  }
}
