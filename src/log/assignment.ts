import type { RebalanceEvent, TopicPartition } from './event-log.js'
import { notAssignedError, partitionKey } from './consumer-rules.js'

/** What every backend keeps per assigned partition. */
export interface AssignedPartition extends TopicPartition {
  /** The next offset to hand out; undefined until resolved from the committed offset or the start position. */
  position: number | undefined
}

/**
 * A consumer's partitions with the state it keeps for each, on both backends:
 * a new assignment keeps the state of the partitions it keeps, makes fresh
 * state for the new ones, and tells the rebalance listeners what was gained
 * and lost.
 */
export class Assignment<Entry extends AssignedPartition> {
  private entries = new Map<string, Entry>()
  private listeners: Array<(event: RebalanceEvent) => void> = []

  constructor(private readonly create: (partition: TopicPartition) => Entry) {}

  /** Replaces the assigned partitions; returns whether anything changed. */
  replace(partitions: TopicPartition[]): boolean {
    const next = new Map<string, Entry>()
    const assigned: TopicPartition[] = []
    for (const { topic, partition } of partitions) {
      const key = partitionKey(topic, partition)
      const kept = this.entries.get(key)
      next.set(key, kept ?? this.create({ topic, partition }))
      if (!kept) assigned.push({ topic, partition })
    }
    const revoked: TopicPartition[] = []
    for (const [key, { topic, partition }] of this.entries) if (!next.has(key)) revoked.push({ topic, partition })
    this.entries = next
    if (assigned.length === 0 && revoked.length === 0) return false
    for (const listener of this.listeners) listener({ assigned, revoked })
    return true
  }

  onRebalance(listener: (event: RebalanceEvent) => void): void {
    this.listeners.push(listener)
  }

  get(topic: string, partition: number): Entry | undefined {
    return this.entries.get(partitionKey(topic, partition))
  }

  /** The entry of an assigned partition, or KOOBER_LOG_NOT_ASSIGNED. */
  require(target: TopicPartition): Entry {
    const entry = this.get(target.topic, target.partition)
    if (!entry) throw notAssignedError(target, this.entries.size)
    return entry
  }

  values(): IterableIterator<Entry> {
    return this.entries.values()
  }

  get size(): number {
    return this.entries.size
  }

  list(): TopicPartition[] {
    return [...this.entries.values()].map(({ topic, partition }) => ({ topic, partition }))
  }

  clear(): void {
    this.entries.clear()
  }
}
