import { existsSync, readFileSync } from 'node:fs'
import { mkdir, readdir, rm } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { isKooberError, kooberError } from '../errors.js'
import { syncDirectory, writeFileAtomic } from './atomic-file.js'
import { EmbeddedConsumer, type ConsumerHost } from './embedded-consumer.js'
import type {
  ConsumerOptions,
  EventLog,
  ProducerRecord,
  RecordMetadata,
  TopicConfig,
  TopicDescription,
} from './event-log.js'
import { GroupCoordinator, type GroupMember } from './group-coordinator.js'
import { LockFile } from '../system/lock-file.js'
import type { OffsetStore } from './offset-store.js'
import { PartitionLog, type PendingBatch } from './partition-log.js'
import { encodeBatch, readInt64 } from './record-batch.js'
import { placeRecords } from './record-placement.js'
import { isLegalName, resolveTopicConfig, topicConfigSchema, validateTopicName } from './topic-config.js'
import { validateConsumerOptions } from './consumer-rules.js'

export interface EmbeddedLogOptions {
  /** Where the log keeps its files (created if missing). */
  dataDir: string
  /**
   * Open another process's log to read it: no lock is taken, nothing is
   * written but consumer group offsets, and new records are seen as they land.
   */
  readOnly?: boolean
  /** Defaults for topics created without them. */
  topicDefaults?: Partial<Omit<TopicConfig, 'partitions'>>
  /** How often time-based retention is checked (ms, default one minute). */
  retentionCheckIntervalMs?: number
  /** Bytes between two entries of a segment's sparse index (default 4096). */
  indexIntervalBytes?: number
}

interface Topic {
  readonly name: string
  readonly config: Required<TopicConfig>
  readonly partitions: PartitionLog[]
}

/** A round of group commit: the appends that share one sync, and which partitions failed it. */
interface FlushRound {
  promise: Promise<Map<PartitionLog, Error>>
  resolve: (failures: Map<PartitionLog, Error>) => void
}

/** Where the records of one batch came from: `indexes[start..]` of the append's array, or `start..` itself when null. */
interface Placed {
  log: PartitionLog
  batch: PendingBatch
  indexes: number[] | null
  start: number
}

/** Appends are cut into batches of about this size, so reads and the index stay fine-grained. */
const TARGET_BATCH_BYTES = 1 << 20

/**
 * Opens the embedded log in `dataDir`. A writer takes the directory's lock
 * (a second writer gets KOOBER_LOG_LOCKED) and recovers every partition:
 * the tail of each is checked batch by batch and cut at the first damaged one.
 *
 * @example
 * ```ts
 * const log = await openEmbeddedLog({ dataDir: './data' })
 * await log.ensureTopic('driver', { partitions: 4 })
 * const [{ partition, offset }] = await log.append('driver', [{ key: 'd1', value: '{"lat":40.7}' }])
 * ```
 */
export async function openEmbeddedLog(options: EmbeddedLogOptions): Promise<EmbeddedLog> {
  const log = new EmbeddedLog(options)
  await log.open()
  return log
}

/** The log of one machine: segment files under a data directory, one writing process at a time. */
export class EmbeddedLog implements EventLog, ConsumerHost {
  readonly backend = 'embedded' as const
  readonly dataDir: string
  readonly readOnly: boolean
  private readonly topicsDir: string
  private readonly indexIntervalBytes: number
  private topics = new Map<string, Topic>()
  private creating = new Map<string, Promise<void>>()
  private lock: LockFile | undefined
  private readonly groups: GroupCoordinator
  private consumers = new Set<EmbeddedConsumer>()
  private roundRobin = new Map<string, { next: number }>()
  private dirty = new Set<PartitionLog>()
  private round: FlushRound | undefined
  private flushing: Promise<void> | undefined
  private retentionTimer: NodeJS.Timeout | undefined
  private closed = false
  private appendCalls = 0
  private flushRounds = 0

  constructor(private readonly options: EmbeddedLogOptions) {
    this.dataDir = resolve(options.dataDir)
    this.readOnly = options.readOnly ?? false
    this.topicsDir = join(this.dataDir, 'topics')
    this.indexIntervalBytes = options.indexIntervalBytes ?? 4096
    this.groups = new GroupCoordinator(join(this.dataDir, 'groups'), (topic) => this.requireTopic(topic).partitions.length)
  }

  /** @internal Use `openEmbeddedLog`. */
  async open(): Promise<void> {
    if (this.readOnly) {
      if (!existsSync(this.dataDir)) {
        throw kooberError('KOOBER_INVALID_ARGUMENT', `no log in ${this.dataDir}: the directory does not exist`)
      }
    } else {
      await mkdir(this.topicsDir, { recursive: true })
      this.lock = LockFile.acquire(join(this.dataDir, 'LOCK'), `data directory ${this.dataDir}`, 'KOOBER_LOG_LOCKED')
    }
    try {
      for (const name of await listDirectory(this.topicsDir)) await this.loadTopic(name)
    } catch (err) {
      await this.closePartitions()
      this.lock?.release()
      throw err
    }
    if (!this.readOnly) {
      this.retentionTimer = setInterval(() => void this.applyRetention(), this.options.retentionCheckIntervalMs ?? 60_000)
      this.retentionTimer.unref()
    }
  }

  /** Opens a topic found on disk; a writer removes one whose creation never finished (no topic.json). */
  private async loadTopic(name: string): Promise<Topic | undefined> {
    const dir = join(this.topicsDir, name)
    const configPath = join(dir, 'topic.json')
    if (!existsSync(configPath)) {
      if (!this.readOnly) await rm(dir, { recursive: true, force: true })
      return undefined
    }
    let config: Required<TopicConfig>
    try {
      config = topicConfigSchema.parse(JSON.parse(readFileSync(configPath, 'utf8')))
    } catch (err) {
      throw kooberError('KOOBER_LOG_CORRUPT', `topic configuration ${configPath} is damaged`, err)
    }
    const partitions: PartitionLog[] = []
    for (let p = 0; p < config.partitions; p++) {
      partitions.push(await this.openPartition(name, p, config))
    }
    const topic = { name, config, partitions }
    this.topics.set(name, topic)
    return topic
  }

  private openPartition(topic: string, partition: number, config: Required<TopicConfig>): Promise<PartitionLog> {
    return PartitionLog.open(topic, partition, join(this.topicsDir, topic, String(partition)), {
      writable: !this.readOnly,
      watch: this.readOnly,
      config,
      indexIntervalBytes: this.indexIntervalBytes,
    })
  }

  async createTopic(name: string, config: TopicConfig): Promise<void> {
    this.assertWritable()
    validateTopicName(name)
    const resolved = resolveTopicConfig(config, this.options.topicDefaults)
    if (this.topics.has(name) || this.creating.has(name)) {
      throw kooberError('KOOBER_LOG_TOPIC_EXISTS', `topic ${name} already exists`)
    }
    const creation = this.writeTopic(name, resolved)
    this.creating.set(name, creation)
    try {
      await creation
    } finally {
      this.creating.delete(name)
    }
  }

  /** Partitions first, `topic.json` last: a topic is visible to readers only once complete. */
  private async writeTopic(name: string, config: Required<TopicConfig>): Promise<void> {
    const dir = join(this.topicsDir, name)
    await mkdir(dir, { recursive: true })
    const partitions: PartitionLog[] = []
    try {
      for (let p = 0; p < config.partitions; p++) partitions.push(await this.openPartition(name, p, config))
      await syncDirectory(dir)
      await writeFileAtomic(join(dir, 'topic.json'), JSON.stringify(config, null, 2))
      await syncDirectory(this.topicsDir)
    } catch (err) {
      for (const partition of partitions) await partition.close()
      await rm(dir, { recursive: true, force: true })
      throw kooberError('KOOBER_LOG_IO', `could not create topic ${name}: ${(err as Error).message}`, err)
    }
    this.topics.set(name, { name, config, partitions })
  }

  async ensureTopic(name: string, config: TopicConfig): Promise<boolean> {
    this.assertOpen()
    const pending = this.creating.get(name)
    if (pending) await pending.catch(() => undefined)
    if (this.topics.has(name)) return false
    try {
      await this.createTopic(name, config)
      return true
    } catch (err) {
      if (isKooberError(err, 'KOOBER_LOG_TOPIC_EXISTS')) return false
      throw err
    }
  }

  async listTopics(): Promise<string[]> {
    this.assertOpen()
    if (this.readOnly) await this.discoverTopics()
    return [...this.topics.keys()].sort()
  }

  /** A reader picks up topics created since it opened. */
  private async discoverTopics(): Promise<void> {
    for (const name of await listDirectory(this.topicsDir)) {
      if (!this.topics.has(name)) await this.loadTopic(name)
    }
  }

  async describeTopic(name: string): Promise<TopicDescription> {
    const topic = await this.topicForRead(name)
    for (const partition of topic.partitions) await this.refresh(partition)
    return { name, config: { ...topic.config }, partitions: topic.partitions.map((p) => p.describe()) }
  }

  /**
   * Validates every record first (a bad one rejects the whole call and changes
   * nothing), numbers them per partition, queues them, and resolves once the
   * flush round that carries them has synced. Appends made while a round is
   * syncing form the next round: that is the group commit.
   */
  async append(topicName: string, records: ProducerRecord[]): Promise<RecordMetadata[]> {
    this.assertWritable()
    const topic = this.requireTopic(topicName)
    const count = Array.isArray(records) ? records.length : -1
    if (count === 0) return []
    let roundRobin = this.roundRobin.get(topicName)
    if (!roundRobin) this.roundRobin.set(topicName, (roundRobin = { next: 0 }))
    const { sizes, partitionOf } = placeRecords(topicName, records, topic.partitions.length, topic.config.maxRecordBytes, roundRobin)

    this.appendCalls++
    const now = Date.now()
    const placed = this.enqueue(topic, records, sizes, partitionOf, now)
    const failures = await this.awaitFlush()
    if (failures.size > 0) {
      for (const { log } of placed) {
        const failure = failures.get(log)
        if (failure) throw failure
      }
    }
    const results = new Array<RecordMetadata>(count)
    for (const { batch, indexes, log, start } of placed) {
      const { partition } = log
      const base = batch.baseOffset
      for (let k = 0; k < batch.recordCount; k++) {
        results[indexes === null ? start + k : indexes[start + k]!] = { partition, offset: base + k }
      }
    }
    return results
  }

  /**
   * Encodes each partition's records into batches of about TARGET_BATCH_BYTES
   * and queues them. Records bound for one partition (the common case) are
   * encoded straight from the caller's array.
   */
  private enqueue(topic: Topic, records: ProducerRecord[], sizes: number[], partitionOf: Int32Array, now: number): Placed[] {
    const first = partitionOf[0]!
    let single = true
    for (let i = 1; i < records.length && single; i++) single = partitionOf[i] === first
    if (single) return this.enqueueRun(topic.partitions[first]!, records, sizes, null, now)
    const byPartition = new Map<number, number[]>()
    for (let i = 0; i < records.length; i++) {
      const p = partitionOf[i]!
      let list = byPartition.get(p)
      if (!list) byPartition.set(p, (list = []))
      list.push(i)
    }
    const placed: Placed[] = []
    for (const [p, indexes] of byPartition) {
      const run = this.enqueueRun(
        topic.partitions[p]!,
        indexes.map((i) => records[i]!),
        indexes.map((i) => sizes[i]!),
        indexes,
        now,
      )
      for (const item of run) placed.push(item)
    }
    return placed
  }

  private enqueueRun(log: PartitionLog, records: ProducerRecord[], sizes: number[], indexes: number[] | null, now: number): Placed[] {
    const placed: Placed[] = []
    let start = 0
    while (start < records.length) {
      let end = start + 1
      let bytes = sizes[start]!
      while (end < records.length && bytes + sizes[end]! <= TARGET_BATCH_BYTES) bytes += sizes[end++]!
      const buffer = encodeBatch(log.nextOffset, records, sizes, start, end, now)
      const batch: PendingBatch = { buffer, baseOffset: log.nextOffset, recordCount: end - start, maxTimestamp: readInt64(buffer, 30) }
      log.nextOffset += end - start
      log.enqueue(batch)
      placed.push({ log, batch, indexes, start })
      start = end
    }
    this.dirty.add(log)
    return placed
  }

  /** Joins the round being gathered; the flush loop starts one when idle. */
  private awaitFlush(): Promise<Map<PartitionLog, Error>> {
    if (!this.round) {
      let resolveRound!: FlushRound['resolve']
      const promise = new Promise<Map<PartitionLog, Error>>((r) => (resolveRound = r))
      this.round = { promise, resolve: resolveRound }
      // The flush starts once the code that is appending now has run: appends made together share it,
      // and those arriving while it syncs share the next one.
      if (!this.flushing) this.flushing = Promise.resolve().then(() => this.flushLoop())
    }
    return this.round.promise
  }

  private async flushLoop(): Promise<void> {
    try {
      while (this.round) {
        const round = this.round
        this.round = undefined
        const dirty = [...this.dirty]
        this.dirty.clear()
        this.flushRounds++
        const outcomes = await Promise.allSettled(dirty.map((log) => log.flush()))
        const failures = new Map<PartitionLog, Error>()
        outcomes.forEach((outcome, i) => {
          if (outcome.status === 'rejected') failures.set(dirty[i]!, outcome.reason as Error)
        })
        round.resolve(failures)
      }
    } finally {
      this.flushing = undefined
    }
  }

  /** Counters since open: appends accepted, flush rounds (each shared by the appends it carried) and fdatasync calls. */
  stats(): { appends: number; flushRounds: number; syncs: number } {
    let syncs = 0
    for (const topic of this.topics.values()) for (const partition of topic.partitions) syncs += partition.syncs
    return { appends: this.appendCalls, flushRounds: this.flushRounds, syncs }
  }

  async offsetForTime(topicName: string, partition: number, timestamp: number): Promise<number> {
    const topic = await this.topicForRead(topicName)
    const log = this.partitionOf(topic, partition)
    if (!Number.isFinite(timestamp)) throw kooberError('KOOBER_INVALID_ARGUMENT', `a timestamp must be epoch ms, got ${timestamp}`)
    await this.refresh(log)
    return log.offsetForTime(timestamp)
  }

  async consumer(options: ConsumerOptions): Promise<EmbeddedConsumer> {
    this.assertOpen()
    validateConsumerOptions(options)
    for (const topic of options.topics) await this.topicForRead(topic)
    const consumer = new EmbeddedConsumer(this, options)
    this.consumers.add(consumer)
    return consumer
  }

  /** Deletes sealed segments past their topic's retention, in every partition. */
  async applyRetention(now = Date.now()): Promise<number> {
    if (this.closed || this.readOnly) return 0
    let deleted = 0
    for (const topic of this.topics.values()) {
      for (const partition of topic.partitions) deleted += await partition.applyRetention(now)
    }
    return deleted
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    if (this.retentionTimer) clearInterval(this.retentionTimer)
    while (this.flushing) await this.flushing
    // The groups go first: consumers closing with the log leave no one to rebalance.
    this.groups.close()
    for (const consumer of [...this.consumers]) await consumer.close()
    await this.closePartitions()
    this.lock?.release()
  }

  private async closePartitions(): Promise<void> {
    for (const topic of this.topics.values()) {
      for (const partition of topic.partitions) await partition.close()
    }
    this.topics.clear()
  }

  // ConsumerHost

  partitionLog(topic: string, partition: number): PartitionLog {
    return this.partitionOf(this.requireTopic(topic), partition)
  }

  partitionCount(topic: string): number {
    return this.requireTopic(topic).partitions.length
  }

  async refresh(partition: PartitionLog): Promise<void> {
    if (this.readOnly) await partition.catchUp()
  }

  joinGroup(group: string, member: GroupMember): OffsetStore {
    return this.groups.join(group, member)
  }

  leaveGroup(group: string, member: GroupMember): void {
    this.groups.leave(group, member)
  }

  forget(consumer: EmbeddedConsumer): void {
    this.consumers.delete(consumer)
  }

  assertOpen(): void {
    if (this.closed) throw kooberError('KOOBER_LOG_CLOSED', `the log in ${this.dataDir} is closed`)
  }

  private assertWritable(): void {
    this.assertOpen()
    if (this.readOnly) {
      throw kooberError('KOOBER_LOG_READ_ONLY', `the log in ${this.dataDir} was opened read-only: it cannot create topics or append`)
    }
  }

  private requireTopic(name: string): Topic {
    this.assertOpen()
    const topic = this.topics.get(name)
    if (!topic) throw kooberError('KOOBER_LOG_UNKNOWN_TOPIC', `unknown topic ${JSON.stringify(name)} in ${this.dataDir}`)
    return topic
  }

  /** A topic to read; a reader also looks on disk for one created since it opened. */
  private async topicForRead(name: string): Promise<Topic> {
    this.assertOpen()
    if (this.readOnly && !this.topics.has(name) && isLegalName(name)) {
      await this.loadTopic(name).catch(() => undefined)
    }
    return this.requireTopic(name)
  }

  private partitionOf(topic: Topic, partition: number): PartitionLog {
    const log = Number.isInteger(partition) ? topic.partitions[partition] : undefined
    if (!log) {
      throw kooberError(
        'KOOBER_LOG_PARTITION_OUT_OF_RANGE',
        `partition ${partition} is out of range: ${topic.name} has partitions 0 to ${topic.partitions.length - 1}`,
      )
    }
    return log
  }
}

async function listDirectory(dir: string): Promise<string[]> {
  try {
    return await readdir(dir)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw err
  }
}
