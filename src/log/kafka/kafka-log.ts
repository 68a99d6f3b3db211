import { randomUUID } from 'node:crypto'
import { Admin, Consumer as KafkaClient, Producer } from '@platformatic/kafka'
import { kooberError } from '../../errors.js'
import type {
  ConsumerOptions,
  EventLog,
  PartitionDescription,
  ProducerRecord,
  RecordMetadata,
  TopicConfig,
  TopicDescription,
} from '../event-log.js'
import { placeRecords } from '../record-placement.js'
import { resolveTopicConfig, validateTopicName } from '../topic-config.js'
import { KafkaConsumer } from './kafka-consumer.js'
import { hasKafkaError, isUnknownTopic, translateKafkaError } from './kafka-errors.js'
import { SendQueue, type Message } from './send-queue.js'
import { TOPIC_CONFIG_NAMES, fromKafkaConfigs, toKafkaConfigs } from './topic-configs.js'
import { validateConsumerOptions } from '../consumer-rules.js'

export interface KafkaLogOptions {
  /** Bootstrap brokers, `host:port`. */
  brokers: string[]
  /** Names this process to the brokers (default `koober`). */
  clientId?: string
  /** Defaults for topics created without them. */
  topicDefaults?: Partial<Omit<TopicConfig, 'partitions'>>
  /** How long a consumer group member may go silent before the group rebalances without it (ms, default 10 s). */
  sessionTimeoutMs?: number
}

/** How often, and how long apart, a topic still being created is described again (about 3 s in all). */
const TOPIC_SETTLE_ATTEMPTS = 30
const TOPIC_SETTLE_WAIT_MS = 100

/** Whether a topic's metadata shows every partition, each with a leader. */
function settled(topic: { partitionsCount: number; partitions: ArrayLike<{ leader: number } | undefined> } | undefined): boolean {
  if (!topic || topic.partitionsCount === 0 || topic.partitions.length !== topic.partitionsCount) return false
  for (let i = 0; i < topic.partitions.length; i++) if ((topic.partitions[i]?.leader ?? -1) < 0) return false
  return true
}

/** What the log remembers of a topic to check appends without asking the broker each time. */
interface TopicInfo {
  partitions: number
  maxRecordBytes: number
}

/** Kafka's resource type for topics in DescribeConfigs. */
const TOPIC_RESOURCE = 2
/** Kafka's special timestamps for ListOffsets: the log end and the log start. */
const LATEST = -1n
const EARLIEST = -2n
/** One produce request carries at most this much per partition, below the batch limit Koober gives its topics (max.message.bytes). */
const MAX_SEND_BYTES = 900 * 1024

/**
 * Opens the log on an Apache Kafka cluster, checking first that a broker
 * answers: a dead server is a KOOBER_LOG_KAFKA error that says where it looked.
 *
 * @example
 * ```ts
 * const log = await openKafkaLog({ brokers: ['127.0.0.1:9092'] })
 * await log.ensureTopic('driver', { partitions: 4 })
 * ```
 */
export async function openKafkaLog(options: KafkaLogOptions): Promise<KafkaLog> {
  if (!Array.isArray(options.brokers) || options.brokers.length === 0 || options.brokers.some((b) => !/^[^:\s]+:\d{1,5}$/.test(b))) {
    throw kooberError('KOOBER_INVALID_ARGUMENT', `Kafka brokers must be host:port, got ${JSON.stringify(options.brokers)}`)
  }
  const log = new KafkaLog(options)
  try {
    await log.admin.metadata({ topics: [] })
  } catch (err) {
    await log.close()
    throw translateKafkaError(err, 'opening the log', options.brokers)
  }
  return log
}

/**
 * The event log on Apache Kafka, through @platformatic/kafka: an idempotent
 * producer with acks=all, topics made with the admin API, and consumers that
 * are Kafka consumer group members with offsets committed in Kafka. Records
 * land on the same partitions as on the embedded log (Koober picks them with
 * Kafka's own murmur2 rule before sending).
 */
export class KafkaLog implements EventLog {
  readonly backend = 'kafka' as const
  readonly brokers: string[]
  readonly admin: Admin
  private producer: Producer | undefined
  private sendQueue: SendQueue | undefined
  /** A client for offset look-ups (ListOffsets); it never joins a group. */
  private offsetsClient: KafkaClient | undefined
  private topics = new Map<string, TopicInfo>()
  private roundRobin = new Map<string, { next: number }>()
  private consumers = new Set<KafkaConsumer>()
  private closed = false

  constructor(private readonly options: KafkaLogOptions) {
    this.brokers = [...options.brokers]
    this.admin = new Admin({ clientId: this.clientId('admin'), bootstrapBrokers: this.brokers, retries: 2, retryDelay: 250 })
  }

  private clientId(role: string): string {
    return `${this.options.clientId ?? 'koober'}-${role}`
  }

  private fail(err: unknown, what: string): never {
    throw translateKafkaError(err, what, this.brokers)
  }

  private getSendQueue(): SendQueue {
    if (!this.sendQueue) {
      const producer = (this.producer = new Producer({
        clientId: this.clientId('producer'),
        bootstrapBrokers: this.brokers,
        idempotent: true,
        acks: -1,
        retries: 3,
      }))
      this.sendQueue = new SendQueue((messages) => producer.send({ messages }))
    }
    return this.sendQueue
  }

  /** @internal The client used for ListOffsets, shared by the log and its consumers. */
  getOffsetsClient(): KafkaClient {
    this.offsetsClient ??= new KafkaClient({
      clientId: this.clientId('offsets'),
      groupId: `koober-offsets-${randomUUID()}`,
      bootstrapBrokers: this.brokers,
    })
    return this.offsetsClient
  }

  async createTopic(name: string, config: TopicConfig): Promise<void> {
    this.assertOpen()
    validateTopicName(name)
    const resolved = resolveTopicConfig(config, this.options.topicDefaults)
    try {
      await this.admin.createTopics({ topics: [name], partitions: resolved.partitions, replicas: 1, configs: toKafkaConfigs(resolved) })
    } catch (err) {
      this.fail(err, `creating topic ${name}`)
    }
    await this.waitForLeaders(name, resolved.partitions)
    this.topics.set(name, { partitions: resolved.partitions, maxRecordBytes: resolved.maxRecordBytes })
  }

  /** A topic is usable once every partition has a leader; the controller elects them just after creation. */
  private async waitForLeaders(name: string, partitions: number): Promise<void> {
    const deadline = Date.now() + 15_000
    while (true) {
      try {
        const metadata = await this.admin.metadata({ topics: [name], forceUpdate: true })
        const topic = metadata.topics.get(name)
        if (topic && topic.partitionsCount === partitions && topic.partitions.every((p) => p.leader >= 0)) return
      } catch (err) {
        if (!isUnknownTopic(err) && !hasKafkaError(err, 'LEADER_NOT_AVAILABLE')) this.fail(err, `creating topic ${name}`)
      }
      if (Date.now() > deadline) throw kooberError('KOOBER_LOG_KAFKA', `topic ${name} was created but its partitions have no leader after 15 s`)
      await new Promise((r) => setTimeout(r, 50))
    }
  }

  async ensureTopic(name: string, config: TopicConfig): Promise<boolean> {
    try {
      await this.createTopic(name, config)
      return true
    } catch (err) {
      if ((err as { code?: string }).code === 'KOOBER_LOG_TOPIC_EXISTS') return false
      throw err
    }
  }

  async listTopics(): Promise<string[]> {
    this.assertOpen()
    try {
      const names = await this.admin.listTopics({ includeInternals: false })
      return names.filter((n) => !n.startsWith('__')).sort()
    } catch (err) {
      this.fail(err, 'listing topics')
    }
  }

  /** The partition count and record limit of a topic, from the broker the first time. */
  async topicInfo(name: string): Promise<TopicInfo> {
    this.assertOpen()
    const known = this.topics.get(name)
    if (known) return known
    validateTopicName(name)
    const config = await this.topicConfig(name)
    const info = { partitions: config.partitions, maxRecordBytes: config.maxRecordBytes }
    this.topics.set(name, info)
    return info
  }

  private async topicConfig(name: string): Promise<Required<TopicConfig>> {
    try {
      let metadata = await this.admin.metadata({ topics: [name] })
      // A topic another client has just created may show up before all its partitions have a leader (or with
      // fewer of them): its partition count is remembered, so ask again, fresh, until it has settled.
      for (let attempt = 0; attempt < TOPIC_SETTLE_ATTEMPTS && metadata.topics.has(name) && !settled(metadata.topics.get(name)); attempt++) {
        await new Promise((resolve) => setTimeout(resolve, TOPIC_SETTLE_WAIT_MS))
        metadata = await this.admin.metadata({ topics: [name], forceUpdate: true })
      }
      const topic = metadata.topics.get(name)
      if (!topic) throw kooberError('KOOBER_LOG_UNKNOWN_TOPIC', `unknown topic ${JSON.stringify(name)} on Kafka at ${this.brokers.join(',')}`)
      const [described] = await this.admin.describeConfigs({
        resources: [{ resourceType: TOPIC_RESOURCE, resourceName: name, configurationKeys: TOPIC_CONFIG_NAMES }],
      })
      const configs = new Map((described?.configs ?? []).map((c) => [c.name, c.value ?? '']))
      return fromKafkaConfigs(topic.partitionsCount, configs)
    } catch (err) {
      if (isUnknownTopic(err)) {
        throw kooberError('KOOBER_LOG_UNKNOWN_TOPIC', `unknown topic ${JSON.stringify(name)} on Kafka at ${this.brokers.join(',')}`, err)
      }
      this.fail(err, `describing topic ${name}`)
    }
  }

  async describeTopic(name: string): Promise<TopicDescription> {
    this.assertOpen()
    validateTopicName(name)
    const config = await this.topicConfig(name)
    const all = Array.from({ length: config.partitions }, (_, p) => p)
    const [starts, ends] = await Promise.all([this.listOffsets(name, all, EARLIEST), this.listOffsets(name, all, LATEST)])
    const sizes = new Map<number, number>()
    try {
      const dirs = await this.admin.describeLogDirs({ topics: [{ name, partitions: all }] })
      for (const broker of dirs) {
        for (const dir of broker.results) {
          for (const topic of dir.topics) {
            if (topic.name !== name) continue
            for (const p of topic.partitions) sizes.set(p.partitionIndex, (sizes.get(p.partitionIndex) ?? 0) + Number(p.partitionSize))
          }
        }
      }
    } catch (err) {
      this.fail(err, `describing topic ${name}`)
    }
    const partitions: PartitionDescription[] = all.map((p) => ({
      partition: p,
      startOffset: starts[p]!,
      endOffset: ends[p]!,
      sizeBytes: sizes.get(p) ?? 0,
    }))
    return { name, config, partitions }
  }

  /** ListOffsets for some partitions of a topic at `timestamp` (or LATEST / EARLIEST); -1 where none. */
  async listOffsets(topic: string, partitions: number[], timestamp: bigint): Promise<number[]> {
    try {
      const offsets = await this.getOffsetsClient().listOffsets({ topics: [topic], partitions: { [topic]: partitions }, timestamp })
      const list = offsets.get(topic) ?? []
      const out: number[] = []
      for (const p of partitions) out[p] = Number(list[p] ?? -1n)
      return out
    } catch (err) {
      this.fail(err, `reading offsets of ${topic}`)
    }
  }

  /**
   * Validates every record (a bad one rejects the whole call, nothing is
   * sent), picks partitions as the embedded log does, and sends them with
   * acks=all. Each partition's records form one batch per request, so a
   * record's offset is its batch's base offset plus its place in the batch.
   */
  async append(topic: string, records: ProducerRecord[]): Promise<RecordMetadata[]> {
    this.assertOpen()
    const info = await this.topicInfo(topic)
    const count = Array.isArray(records) ? records.length : -1
    if (count === 0) return []
    let roundRobin = this.roundRobin.get(topic)
    if (!roundRobin) this.roundRobin.set(topic, (roundRobin = { next: 0 }))
    const { sizes, partitionOf } = placeRecords(topic, records, info.partitions, info.maxRecordBytes, roundRobin)
    const now = BigInt(Date.now())
    const messages: Message[] = new Array(count)
    for (let i = 0; i < count; i++) {
      const record = records[i]!
      const message: Message = {
        topic,
        partition: partitionOf[i]!,
        value: toBuffer(record.value),
        timestamp: record.timestamp === undefined ? now : BigInt(record.timestamp),
      }
      if (record.key !== undefined && record.key !== null) message.key = toBuffer(record.key)
      if (record.headers) {
        const headers = new Map<Buffer, Buffer>()
        for (const name in record.headers) headers.set(Buffer.from(name), toBuffer(record.headers[name]!))
        message.headers = headers
      }
      messages[i] = message
    }
    // Slices that keep each partition's batch within one request and the topic's batch limit; the queue sends them in order.
    const cap = Math.min(MAX_SEND_BYTES, info.maxRecordBytes)
    const sends: Array<Promise<number[]>> = []
    let start = 0
    while (start < count) {
      const bytes = new Map<number, number>()
      let end = start
      while (end < count) {
        const p = partitionOf[end]!
        const next = (bytes.get(p) ?? 0) + sizes[end]!
        if (end > start && next > cap) break
        bytes.set(p, next)
        end++
      }
      sends.push(this.getSendQueue().enqueue(messages.slice(start, end), sizes.slice(start, end), cap))
      start = end
    }
    let offsets: number[][]
    try {
      offsets = await Promise.all(sends)
    } catch (err) {
      this.fail(err, `appending to ${topic}`)
    }
    const results = new Array<RecordMetadata>(count)
    let i = 0
    for (const slice of offsets) for (const offset of slice) results[i] = { partition: partitionOf[i++]!, offset }
    return results
  }

  async offsetForTime(topic: string, partition: number, timestamp: number): Promise<number> {
    const info = await this.topicInfo(topic)
    if (!Number.isInteger(partition) || partition < 0 || partition >= info.partitions) {
      throw kooberError('KOOBER_LOG_PARTITION_OUT_OF_RANGE', `partition ${partition} is out of range: ${topic} has partitions 0 to ${info.partitions - 1}`)
    }
    if (!Number.isFinite(timestamp)) throw kooberError('KOOBER_INVALID_ARGUMENT', `a timestamp must be epoch ms, got ${timestamp}`)
    const found = (await this.listOffsets(topic, [partition], BigInt(Math.max(0, Math.floor(timestamp)))))[partition]!
    return found >= 0 ? found : (await this.listOffsets(topic, [partition], LATEST))[partition]!
  }

  async consumer(options: ConsumerOptions): Promise<KafkaConsumer> {
    this.assertOpen()
    validateConsumerOptions(options)
    const partitions = new Map<string, number>()
    for (const topic of new Set(options.topics)) partitions.set(topic, (await this.topicInfo(topic)).partitions)
    const consumer = new KafkaConsumer(this, options, partitions, {
      clientId: this.clientId('consumer'),
      sessionTimeoutMs: this.options.sessionTimeoutMs ?? 10_000,
      onClose: () => this.consumers.delete(consumer),
    })
    this.consumers.add(consumer)
    try {
      await consumer.start()
    } catch (err) {
      await consumer.close().catch(() => undefined)
      this.fail(err, `joining ${options.group === undefined ? 'as a consumer' : `group ${options.group}`}`)
    }
    return consumer
  }

  assertOpen(): void {
    if (this.closed) throw kooberError('KOOBER_LOG_CLOSED', `the log on Kafka at ${this.brokers.join(',')} is closed`)
  }

  /** @internal Turns a client error into a Koober error. */
  translate(err: unknown, what: string): Error {
    return translateKafkaError(err, what, this.brokers)
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    for (const consumer of [...this.consumers]) await consumer.close().catch(() => undefined)
    await Promise.allSettled([this.producer?.close(), this.offsetsClient?.close(true), this.admin.close()])
  }
}

function toBuffer(bytes: Buffer | string): Buffer {
  return typeof bytes === 'string' ? Buffer.from(bytes) : bytes
}
