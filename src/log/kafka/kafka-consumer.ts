import { randomUUID } from 'node:crypto'
import { Consumer as KafkaClient, type GroupAssignment } from '@platformatic/kafka'
import { kooberError } from '../../errors.js'
import type {
  Consumer,
  ConsumerOptions,
  LogRecord,
  PollOptions,
  RebalanceEvent,
  StartPosition,
  TopicPartition,
  TopicPartitionOffset,
} from '../event-log.js'
import {
  commitOutOfRangeError,
  consumerClosedError,
  groupByTopic,
  noGroupError,
  seekOutOfRangeError,
} from '../consumer-rules.js'
import { Assignment, type AssignedPartition } from '../assignment.js'
import { hasKafkaError } from './kafka-errors.js'
import type { KafkaLog } from './kafka-log.js'

const DEFAULT_MAX_POLL_RECORDS = 10_000
/** The longest one Fetch waits at the broker for data, so close and abort are seen within it. */
const MAX_FETCH_WAIT_MS = 500
const FETCH_MAX_BYTES = 8 * 1024 * 1024
const PARTITION_MAX_BYTES = 2 * 1024 * 1024
/** Bit 5 of a record batch's attributes: a transaction control batch, no user records. */
const IS_CONTROL = 0x20
const LATEST = -1n
const EARLIEST = -2n
const EMPTY_HEADERS: Record<string, Buffer> = Object.freeze({}) as Record<string, Buffer>

/** The parts of a fetched Kafka record batch that become LogRecords. */
interface FetchedBatch {
  firstOffset: bigint
  lastOffsetDelta: number
  firstTimestamp: bigint
  attributes: number
  records: Array<{ offsetDelta: number; timestampDelta: bigint; key: Buffer | null; value: Buffer | null; headers: Array<[Buffer | null, Buffer | null]> }>
}

interface Assigned extends AssignedPartition {
  /** Records fetched but not handed out yet (a poll's `maxRecords` cut them off), from `queue[head]` on. */
  queue: LogRecord[]
  head: number
  /** Where the next Fetch starts: past the queue and any control batch after it. */
  fetchPosition: number
}

export interface KafkaConsumerSettings {
  clientId: string
  sessionTimeoutMs: number
  onClose: () => void
}


/** Moves a partition's reading to `offset`, dropping what was fetched beyond the old position. */
function moveTo(entry: Assigned, offset: number): void {
  entry.position = offset
  entry.fetchPosition = offset
  entry.queue = []
  entry.head = 0
}

/**
 * A consumer on Kafka. With a group it is a member of a Kafka consumer group
 * (the broker's coordinator assigns partitions, heartbeats keep it in, offsets
 * are committed in Kafka); without one it reads every partition. `poll` sends
 * Fetch requests from its own positions, so `seek` is only a new position, and
 * a Fetch waits at the broker for new data rather than polling from here.
 */
export class KafkaConsumer implements Consumer {
  readonly group: string | undefined
  private readonly topics: string[]
  private readonly from: StartPosition
  private readonly maxPollRecords: number
  private readonly client: KafkaClient
  private readonly assigned = new Assignment<Assigned>(({ topic, partition }) => ({
    topic,
    partition,
    position: undefined,
    queue: [],
    head: 0,
    fetchPosition: 0,
  }))
  private cursor = 0
  private closed = false

  constructor(
    private readonly log: KafkaLog,
    options: ConsumerOptions,
    private readonly partitionCounts: ReadonlyMap<string, number>,
    private readonly settings: KafkaConsumerSettings,
  ) {
    this.group = options.group
    this.topics = [...new Set(options.topics)]
    this.from = options.from ?? 'earliest'
    this.maxPollRecords = options.maxPollRecords ?? DEFAULT_MAX_POLL_RECORDS
    this.client = new KafkaClient({
      clientId: settings.clientId,
      groupId: this.group ?? `koober-unassigned-${randomUUID()}`,
      bootstrapBrokers: log.brokers,
      sessionTimeout: settings.sessionTimeoutMs,
      heartbeatInterval: Math.max(100, Math.floor(settings.sessionTimeoutMs / 5)),
      rebalanceTimeout: settings.sessionTimeoutMs,
      retries: 3,
    })
  }

  /** Joins the group (or takes every partition without one). */
  async start(): Promise<void> {
    if (this.group === undefined) {
      const all: TopicPartition[] = []
      for (const topic of this.topics) {
        for (let partition = 0; partition < this.partitionCounts.get(topic)!; partition++) all.push({ topic, partition })
      }
      this.assign(all)
      return
    }
    this.client.topics.trackAll(...this.topics)
    this.client.on('consumer:group:join', ({ assignments }) => this.assign(flatten(assignments)))
    await this.client.joinGroup({
      sessionTimeout: this.settings.sessionTimeoutMs,
      heartbeatInterval: Math.max(100, Math.floor(this.settings.sessionTimeoutMs / 5)),
      rebalanceTimeout: this.settings.sessionTimeoutMs,
    })
    this.assign(flatten(this.client.assignments))
  }

  private assign(partitions: TopicPartition[]): void {
    this.assigned.replace(partitions)
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

  /** Resolves the positions of partitions that have none: their committed offset, else the start or the end. */
  private async resolvePositions(): Promise<void> {
    const unresolved = [...this.assigned.values()].filter((a) => a.position === undefined)
    if (unresolved.length === 0) return
    const byTopic = groupByTopic(unresolved)
    const committed = new Map<string, bigint[]>()
    if (this.group !== undefined) {
      const listed = await this.client.listCommittedOffsets({ topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })) })
      for (const [topic, offsets] of listed) committed.set(topic, offsets)
    }
    for (const [topic, partitions] of byTopic) {
      const [starts, ends] = await Promise.all([
        this.log.listOffsets(topic, partitions, EARLIEST),
        this.log.listOffsets(topic, partitions, LATEST),
      ])
      for (const partition of partitions) {
        const entry = this.assigned.get(topic, partition)
        if (!entry || entry.position !== undefined) continue
        const offset = Number(committed.get(topic)?.[partition] ?? -1n)
        const start = starts[partition]!
        const end = ends[partition]!
        moveTo(entry, offset >= 0 ? Math.min(Math.max(offset, start), end) : this.from === 'latest' ? end : start)
      }
    }
  }

  async poll(options: PollOptions = {}): Promise<LogRecord[]> {
    this.assertUsable()
    const maxRecords = options.maxRecords ?? this.maxPollRecords
    const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs
    while (true) {
      if (this.closed) return []
      try {
        await this.resolvePositions()
        const queued = this.handOut(maxRecords)
        if (queued.length > 0) return queued
        const wait = Math.max(0, Math.min(MAX_FETCH_WAIT_MS, deadline - Date.now()))
        await this.fetchOnce(wait)
        const records = this.handOut(maxRecords)
        if (records.length > 0) return records
      } catch (err) {
        if (this.closed) return []
        throw this.log.translate(err, `polling ${this.topics.join(',')}`)
      }
      if (Date.now() >= deadline || options.signal?.aborted) return []
      if (this.assigned.size === 0) await new Promise((r) => setTimeout(r, Math.min(100, Math.max(0, deadline - Date.now()))))
    }
  }

  /**
   * Queued records, up to `maxRecords`, starting from a different partition
   * each poll: one with a backlog must not starve the others.
   */
  private handOut(maxRecords: number): LogRecord[] {
    const out: LogRecord[] = []
    const entries = [...this.assigned.values()].filter((e) => e.head < e.queue.length)
    if (entries.length === 0) return out
    const first = this.cursor++ % entries.length
    for (let i = 0; i < entries.length && out.length < maxRecords; i++) {
      const entry = entries[(first + i) % entries.length]!
      const take = Math.min(maxRecords - out.length, entry.queue.length - entry.head)
      for (let k = 0; k < take; k++) out.push(entry.queue[entry.head++]!)
      if (entry.head >= entry.queue.length) {
        entry.queue = []
        entry.head = 0
        entry.position = entry.fetchPosition
      } else {
        entry.position = entry.queue[entry.head]!.offset
      }
    }
    return out
  }

  /** One Fetch per leader for the assigned partitions with nothing queued; their records join their queues. */
  private async fetchOnce(waitMs: number): Promise<void> {
    const entries = [...this.assigned.values()].filter((a) => a.position !== undefined && a.head >= a.queue.length)
    if (entries.length === 0) return
    const metadata = await this.client.metadata({ topics: [...new Set(entries.map((e) => e.topic))] })
    const requests = new Map<number, Map<string, Assigned[]>>()
    const topicNames = new Map<string, string>()
    for (const entry of entries) {
      const topic = metadata.topics.get(entry.topic)
      if (!topic) continue
      topicNames.set(topic.id, entry.topic)
      const leader = topic.partitions[entry.partition]?.leader ?? -1
      if (leader < 0) continue
      let byTopic = requests.get(leader)
      if (!byTopic) requests.set(leader, (byTopic = new Map()))
      const list = byTopic.get(topic.id) ?? []
      list.push(entry)
      byTopic.set(topic.id, list)
    }
    const responses = await Promise.all(
      [...requests].map(([node, byTopic]) =>
        this.client
          .fetch({
            node,
            maxWaitTime: waitMs,
            minBytes: 1,
            maxBytes: FETCH_MAX_BYTES,
            topics: [...byTopic].map(([topicId, list]) => ({
              topicId,
              partitions: list.map((e) => ({
                partition: e.partition,
                fetchOffset: BigInt(e.fetchPosition),
                currentLeaderEpoch: -1,
                lastFetchedEpoch: -1,
                partitionMaxBytes: PARTITION_MAX_BYTES,
              })),
            })),
          })
          .catch(async (err: unknown) => {
            if (!hasKafkaError(err, 'OFFSET_OUT_OF_RANGE')) throw err
            // Retention moved the start past a position (or a seek went past the end): clamp and fetch again next time.
            await this.clampPositions([...byTopic.values()].flat())
            return undefined
          }),
      ),
    )
    for (const response of responses) {
      if (!response) continue
      for (const topicResponse of response.responses) {
        const topic = topicNames.get(topicResponse.topicId)
        if (topic === undefined) continue
        for (const partitionResponse of topicResponse.partitions) {
          const entry = this.assigned.get(topic, partitionResponse.partitionIndex)
          // Dropped when the partition was revoked or moved by a seek while the Fetch was out.
          if (!entry || entry.position === undefined || !partitionResponse.records || entry.head < entry.queue.length) continue
          this.enqueue(topic, entry, partitionResponse.records)
        }
      }
    }
  }

  /** Queues the records of `batches` from the entry's fetch position, skipping control batches, and moves the fetch position past them. */
  private enqueue(topic: string, entry: Assigned, batches: FetchedBatch[]): void {
    const out = entry.queue
    let position = entry.fetchPosition
    for (const batch of batches) {
      const first = Number(batch.firstOffset)
      const next = first + batch.lastOffsetDelta + 1
      if (next <= position) continue
      if ((batch.attributes & IS_CONTROL) === 0) {
        for (const record of batch.records) {
          const offset = first + record.offsetDelta
          if (offset < position) continue
          let headers = EMPTY_HEADERS
          if (record.headers.length > 0) {
            headers = {}
            for (const [name, value] of record.headers) headers[name?.toString('utf8') ?? ''] = value ?? Buffer.alloc(0)
          }
          out.push({
            topic,
            partition: entry.partition,
            offset,
            timestamp: Number(batch.firstTimestamp + record.timestampDelta),
            key: record.key,
            value: record.value ?? Buffer.alloc(0),
            headers,
          })
        }
      }
      position = next
    }
    entry.fetchPosition = position
    // With nothing to hand out (only control batches), the delivered position moves on too.
    if (entry.head >= entry.queue.length) entry.position = position
  }

  private async clampPositions(entries: Assigned[]): Promise<void> {
    for (const [topic, partitions] of groupByTopic(entries)) {
      const [starts, ends] = await Promise.all([this.log.listOffsets(topic, partitions, EARLIEST), this.log.listOffsets(topic, partitions, LATEST)])
      for (const partition of partitions) {
        const entry = this.assigned.get(topic, partition)
        if (entry?.position !== undefined) moveTo(entry, Math.min(Math.max(entry.position, starts[partition]!), ends[partition]!))
      }
    }
  }

  async commit(offsets?: TopicPartitionOffset[]): Promise<void> {
    this.assertUsable()
    this.requireGroup()
    let toCommit: TopicPartitionOffset[]
    if (offsets === undefined) {
      toCommit = [...this.assigned.values()]
        .filter((a) => a.position !== undefined)
        .map(({ topic, partition, position }) => ({ topic, partition, offset: position! }))
    } else {
      for (const target of offsets) {
        this.requireAssigned(target)
        if (!Number.isSafeInteger(target.offset) || target.offset < 0) {
          throw kooberError('KOOBER_LOG_OFFSET_OUT_OF_RANGE', `cannot commit offset ${target.offset} for ${target.topic}-${target.partition}`)
        }
      }
      for (const [topic, partitions] of groupByTopic(offsets)) {
        const ends = await this.log.listOffsets(topic, partitions, LATEST)
        for (const target of offsets) {
          if (target.topic === topic && target.offset > ends[target.partition]!) throw commitOutOfRangeError(target, ends[target.partition]!)
        }
      }
      toCommit = offsets
    }
    if (toCommit.length === 0) return
    try {
      await this.client.commit({ offsets: toCommit.map(({ topic, partition, offset }) => ({ topic, partition, offset: BigInt(offset), leaderEpoch: -1 })) })
    } catch (err) {
      throw this.log.translate(err, `committing offsets of group ${this.group}`)
    }
  }

  async committed(partitions?: TopicPartition[]): Promise<TopicPartitionOffset[]> {
    this.assertUsable()
    this.requireGroup()
    const wanted = partitions ?? this.topics.flatMap((topic) => Array.from({ length: this.partitionCounts.get(topic) ?? 0 }, (_, partition) => ({ topic, partition })))
    const byTopic = groupByTopic(wanted)
    let listed: Map<string, bigint[]>
    try {
      listed = await this.client.listCommittedOffsets({ topics: [...byTopic].map(([topic, list]) => ({ topic, partitions: list })) })
    } catch (err) {
      throw this.log.translate(err, `reading committed offsets of group ${this.group}`)
    }
    const out: TopicPartitionOffset[] = []
    for (const { topic, partition } of wanted) {
      const offset = Number(listed.get(topic)?.[partition] ?? -1n)
      if (offset >= 0) out.push({ topic, partition, offset })
    }
    return out
  }

  async seek(target: TopicPartitionOffset): Promise<void> {
    this.assertUsable()
    const entry = this.requireAssigned(target)
    const [start, end] = [
      (await this.log.listOffsets(target.topic, [target.partition], EARLIEST))[target.partition]!,
      (await this.log.listOffsets(target.topic, [target.partition], LATEST))[target.partition]!,
    ]
    if (!Number.isSafeInteger(target.offset) || target.offset < start || target.offset > end) throw seekOutOfRangeError(target, start, end)
    moveTo(entry, target.offset)
  }

  async seekToTime(topic: string, timestamp: number): Promise<void> {
    this.assertUsable()
    if (!Number.isFinite(timestamp)) throw kooberError('KOOBER_INVALID_ARGUMENT', `seekToTime needs a timestamp in epoch ms, got ${timestamp}`)
    for (const entry of this.assigned.values()) {
      if (entry.topic === topic) moveTo(entry, await this.log.offsetForTime(topic, entry.partition, timestamp))
    }
  }

  async seekToBeginning(partitions?: TopicPartition[]): Promise<void> {
    await this.seekEach(partitions, EARLIEST)
  }

  async seekToEnd(partitions?: TopicPartition[]): Promise<void> {
    await this.seekEach(partitions, LATEST)
  }

  private async seekEach(partitions: TopicPartition[] | undefined, where: bigint): Promise<void> {
    this.assertUsable()
    const entries = partitions === undefined ? [...this.assigned.values()] : partitions.map((p) => this.requireAssigned(p))
    for (const [topic, list] of groupByTopic(entries)) {
      const offsets = await this.log.listOffsets(topic, list, where)
      for (const partition of list) moveTo(this.assigned.get(topic, partition)!, offsets[partition]!)
    }
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.assigned.clear()
    this.settings.onClose()
    await this.client.close(true)
  }

  private requireGroup(): void {
    if (this.group === undefined) throw noGroupError()
  }

  private requireAssigned(target: TopicPartition): Assigned {
    return this.assigned.require(target)
  }

  private assertUsable(): void {
    if (this.closed) throw consumerClosedError()
    this.log.assertOpen()
  }
}

function flatten(assignments: GroupAssignment[] | null | undefined): TopicPartition[] {
  return (assignments ?? []).flatMap(({ topic, partitions }) => partitions.map((partition) => ({ topic, partition })))
}
