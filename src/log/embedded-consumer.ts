import { isKooberError, kooberError } from '../errors.js'
import {
  commitOutOfRangeError,
  consumerClosedError,
  noGroupError,
  seekOutOfRangeError,
} from './consumer-rules.js'
import type {
  Consumer,
  ConsumerOptions,
  LogRecord,
  PollOptions,
  RebalanceEvent,
  StartPosition,
  TopicPartition,
  TopicPartitionOffset,
} from './event-log.js'
import { Assignment, type AssignedPartition } from './assignment.js'
import type { GroupMember } from './group-coordinator.js'
import type { OffsetStore } from './offset-store.js'
import type { PartitionLog, ReadHint } from './partition-log.js'

const DEFAULT_MAX_POLL_RECORDS = 10_000

/** What a consumer needs of the embedded log that made it. */
export interface ConsumerHost {
  partitionLog(topic: string, partition: number): PartitionLog
  partitionCount(topic: string): number
  /** Catches up with files another process writes (a no-op in the writing process). */
  refresh(partition: PartitionLog): Promise<void>
  joinGroup(group: string, member: GroupMember): OffsetStore
  leaveGroup(group: string, member: GroupMember): void
  assertOpen(): void
  forget(consumer: EmbeddedConsumer): void
}

interface Assigned extends AssignedPartition {
  readonly log: PartitionLog
  hint: ReadHint | undefined
}

let nextMemberId = 1

/**
 * A consumer of the embedded log. Without a group it reads every partition of
 * its topics; with one, the group's members in this process share them.
 * `poll` waits on the partitions' data events (no timer polls the disk).
 */
export class EmbeddedConsumer implements Consumer, GroupMember {
  readonly memberId = nextMemberId++
  readonly group: string | undefined
  readonly topics: readonly string[]
  private readonly from: StartPosition
  private readonly maxPollRecords: number
  private readonly assigned = new Assignment<Assigned>(({ topic, partition }) => ({
    topic,
    partition,
    log: this.host.partitionLog(topic, partition),
    position: undefined,
    hint: undefined,
  }))
  private offsets: OffsetStore | undefined
  private wake: (() => void) | undefined
  private cursor = 0
  private closed = false

  constructor(
    private readonly host: ConsumerHost,
    options: ConsumerOptions,
  ) {
    this.group = options.group
    this.topics = [...new Set(options.topics)]
    this.from = options.from ?? 'earliest'
    this.maxPollRecords = options.maxPollRecords ?? DEFAULT_MAX_POLL_RECORDS
    if (this.group !== undefined) {
      this.offsets = host.joinGroup(this.group, this)
    } else {
      const all: TopicPartition[] = []
      for (const topic of this.topics) {
        for (let partition = 0; partition < host.partitionCount(topic); partition++) all.push({ topic, partition })
      }
      this.assign(all)
    }
  }

  /** Called by the coordinator (or the constructor) with this member's partitions. */
  assign(partitions: TopicPartition[]): void {
    if (this.assigned.replace(partitions)) this.wake?.()
  }

  onRebalance(listener: (event: RebalanceEvent) => void): void {
    this.assigned.onRebalance(listener)
  }

  assignment(): TopicPartition[] {
    return this.assigned.list()
  }

  position(target: TopicPartition): number | undefined {
    return this.assigned.get(target.topic, target.partition)?.position
  }

  /**
   * The first position of a newly assigned partition: the committed offset
   * when there is one still held, else the start or the end as `from` says.
   */
  private async resolvePosition(entry: Assigned): Promise<number> {
    if (entry.position !== undefined) return entry.position
    await this.host.refresh(entry.log)
    const committed = this.offsets?.get(entry.topic, entry.partition)
    const { startOffset, endOffset } = entry.log
    let position: number
    if (committed !== undefined && committed >= startOffset && committed <= endOffset) position = committed
    else if (committed !== undefined && committed > endOffset) position = endOffset
    else position = this.from === 'latest' && committed === undefined ? endOffset : startOffset
    // A seek may have set it while we waited.
    if (entry.position === undefined) entry.position = position
    return entry.position
  }

  async poll(options: PollOptions = {}): Promise<LogRecord[]> {
    const maxRecords = options.maxRecords ?? this.maxPollRecords
    const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs
    this.assertUsable()
    while (true) {
      if (this.closed) return []
      this.host.assertOpen()
      const records = await this.readAvailable(maxRecords)
      if (records.length > 0 || this.closed) return records
      const remaining = deadline - Date.now()
      if (remaining <= 0 || options.signal?.aborted) return records
      await this.waitForData(remaining, options.signal)
    }
  }

  private async readAvailable(maxRecords: number): Promise<LogRecord[]> {
    const entries = [...this.assigned.values()]
    const out: LogRecord[] = []
    for (let i = 0; i < entries.length && out.length < maxRecords; i++) {
      const entry = entries[(this.cursor + i) % entries.length]!
      let position = await this.resolvePosition(entry)
      if (position >= entry.log.endOffset) continue
      if (position < entry.log.startOffset) position = entry.position = entry.log.startOffset
      let read
      try {
        read = await entry.log.read(position, maxRecords - out.length, entry.hint)
      } catch (err) {
        // Retention removed what we were about to read: continue from the oldest record held.
        if (isKooberError(err, 'KOOBER_LOG_OFFSET_OUT_OF_RANGE') && position < entry.log.startOffset) {
          entry.position = entry.log.startOffset
          entry.hint = undefined
          continue
        }
        throw err
      }
      // Lost the partition to a rebalance, or moved by a seek, while reading: drop what was read.
      if (this.assigned.get(entry.topic, entry.partition) !== entry || entry.position !== position) continue
      entry.position = read.nextOffset
      entry.hint = read.hint
      for (const record of read.records) out.push(record)
    }
    if (entries.length > 0) this.cursor = (this.cursor + 1) % entries.length
    return out
  }

  /** Resolves when an assigned partition has new records, the assignment changes, or time runs out. */
  private waitForData(timeoutMs: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve) => {
      const unsubscribes: Array<() => void> = []
      let timer: NodeJS.Timeout | undefined
      const done = (): void => {
        for (const unsubscribe of unsubscribes) unsubscribe()
        if (timer) clearTimeout(timer)
        signal?.removeEventListener('abort', done)
        if (this.wake === done) this.wake = undefined
        resolve()
      }
      for (const entry of this.assigned.values()) {
        if (entry.position === undefined || entry.position < entry.log.endOffset) return done()
        unsubscribes.push(entry.log.onData(done))
      }
      this.wake = done
      if (Number.isFinite(timeoutMs)) timer = setTimeout(done, timeoutMs)
      signal?.addEventListener('abort', done, { once: true })
    })
  }

  async commit(offsets?: TopicPartitionOffset[]): Promise<void> {
    this.assertUsable()
    const store = this.requireGroup()
    let toCommit: TopicPartitionOffset[]
    if (offsets === undefined) {
      toCommit = []
      for (const entry of this.assigned.values()) {
        if (entry.position !== undefined) toCommit.push({ topic: entry.topic, partition: entry.partition, offset: entry.position })
      }
    } else {
      for (const target of offsets) {
        const entry = this.requireAssigned(target)
        if (!Number.isSafeInteger(target.offset) || target.offset < 0 || target.offset > entry.log.endOffset) {
          throw commitOutOfRangeError(target, entry.log.endOffset)
        }
      }
      toCommit = offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset }))
    }
    if (toCommit.length > 0) await store.commit(toCommit)
  }

  async committed(partitions?: TopicPartition[]): Promise<TopicPartitionOffset[]> {
    this.assertUsable()
    const store = this.requireGroup()
    if (partitions === undefined) return store.all().filter((o) => this.topics.includes(o.topic))
    const out: TopicPartitionOffset[] = []
    for (const { topic, partition } of partitions) {
      const offset = store.get(topic, partition)
      if (offset !== undefined) out.push({ topic, partition, offset })
    }
    return out
  }

  async seek(target: TopicPartitionOffset): Promise<void> {
    this.assertUsable()
    const entry = this.requireAssigned(target)
    await this.host.refresh(entry.log)
    const { startOffset, endOffset } = entry.log
    if (!Number.isSafeInteger(target.offset) || target.offset < startOffset || target.offset > endOffset) {
      throw seekOutOfRangeError(target, startOffset, endOffset)
    }
    entry.position = target.offset
    entry.hint = undefined
    this.wake?.()
  }

  async seekToTime(topic: string, timestamp: number): Promise<void> {
    this.assertUsable()
    if (!Number.isFinite(timestamp)) throw kooberError('KOOBER_INVALID_ARGUMENT', `seekToTime needs a timestamp in epoch ms, got ${timestamp}`)
    for (const entry of this.assigned.values()) {
      if (entry.topic !== topic) continue
      await this.host.refresh(entry.log)
      entry.position = await entry.log.offsetForTime(timestamp)
      entry.hint = undefined
    }
    this.wake?.()
  }

  async seekToBeginning(partitions?: TopicPartition[]): Promise<void> {
    await this.seekEach(partitions, (entry) => entry.log.startOffset)
  }

  async seekToEnd(partitions?: TopicPartition[]): Promise<void> {
    await this.seekEach(partitions, (entry) => entry.log.endOffset)
  }

  private async seekEach(partitions: TopicPartition[] | undefined, to: (entry: Assigned) => number): Promise<void> {
    this.assertUsable()
    const entries = partitions === undefined ? [...this.assigned.values()] : partitions.map((p) => this.requireAssigned(p))
    for (const entry of entries) {
      await this.host.refresh(entry.log)
      entry.position = to(entry)
      entry.hint = undefined
    }
    this.wake?.()
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    if (this.group !== undefined) this.host.leaveGroup(this.group, this)
    this.assigned.clear()
    this.wake?.()
    this.host.forget(this)
  }

  private requireGroup(): OffsetStore {
    if (this.offsets === undefined) throw noGroupError()
    return this.offsets
  }

  private requireAssigned(target: TopicPartition): Assigned {
    return this.assigned.require(target)
  }

  private assertUsable(): void {
    if (this.closed) throw consumerClosedError()
    this.host.assertOpen()
  }
}
