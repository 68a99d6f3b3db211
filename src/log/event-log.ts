/**
 * The event log: topics split into partitions, each an append-only sequence of
 * records numbered by offset. Two backends implement this interface, the
 * embedded log (files under a data directory) and Apache Kafka; code above the
 * log never knows which one it runs on.
 */

/** Bytes, or text that is stored as UTF-8. */
export type Bytes = Buffer | string

export interface ProducerRecord {
  /** Decides the partition (murmur2, as Kafka's default partitioner) unless `partition` is given. */
  key?: Bytes | null
  value: Bytes
  headers?: Record<string, Bytes>
  /** Epoch milliseconds; defaults to the time of the append. */
  timestamp?: number
  /** An explicit partition; otherwise keyed records hash and unkeyed ones go round-robin. */
  partition?: number
}

export interface RecordMetadata {
  partition: number
  offset: number
}

export interface LogRecord {
  topic: string
  partition: number
  offset: number
  timestamp: number
  key: Buffer | null
  value: Buffer
  headers: Record<string, Buffer>
}

export interface TopicConfig {
  partitions: number
  /** Roll to a new segment file past this many bytes. */
  segmentBytes?: number
  /** Delete sealed segments whose newest record is older than this (ms); -1 keeps forever. */
  retentionMs?: number
  /** Delete the oldest sealed segments while a partition holds more than this (bytes); -1 keeps all. */
  retentionBytes?: number
  /** The largest record accepted, key, value and headers included (bytes). */
  maxRecordBytes?: number
}

export interface PartitionDescription {
  partition: number
  /** The first offset still held (retention moves it forward). */
  startOffset: number
  /** The offset the next record will get: one past the last durable record. */
  endOffset: number
  sizeBytes: number
  /** Segment files (the embedded log; Kafka does not say). */
  segments?: number
}

export interface TopicDescription {
  name: string
  config: Required<TopicConfig>
  partitions: PartitionDescription[]
}

export interface TopicPartition {
  topic: string
  partition: number
}

export interface TopicPartitionOffset extends TopicPartition {
  offset: number
}

export type StartPosition = 'earliest' | 'latest'

export interface ConsumerOptions {
  topics: string[]
  /** Members of one group share the partitions and commit offsets; without a group a consumer reads every partition. */
  group?: string
  /** Where to start in a partition that has no committed offset (default `earliest`). */
  from?: StartPosition
  /** The most records one poll returns (default 10,000). */
  maxPollRecords?: number
}

export interface PollOptions {
  /** Wait at most this long for records (ms); 0 returns at once. Default: wait until records arrive or the consumer closes. */
  timeoutMs?: number
  maxRecords?: number
  signal?: AbortSignal
}

export interface RebalanceEvent {
  assigned: TopicPartition[]
  revoked: TopicPartition[]
}

/**
 * Reads records from a set of topics. With a group, the group's members share
 * the partitions (each partition to exactly one member) and rebalance as
 * members join and leave; committed offsets survive restarts.
 */
export interface Consumer {
  readonly group: string | undefined
  /** Records from the assigned partitions, in offset order within each partition. Waits for new data without polling the disk. */
  poll(options?: PollOptions): Promise<LogRecord[]>
  /**
   * Commits offsets for the group: by default the position after every record
   * returned by `poll` so far. An explicit offset is the next record to read.
   */
  commit(offsets?: TopicPartitionOffset[]): Promise<void>
  committed(partitions?: TopicPartition[]): Promise<TopicPartitionOffset[]>
  /** Moves the next read of an assigned partition to `offset` (replay or skip). */
  seek(target: TopicPartitionOffset): Promise<void>
  /** Moves every assigned partition of `topic` to its first offset with a timestamp at or after `timestamp`. */
  seekToTime(topic: string, timestamp: number): Promise<void>
  seekToBeginning(partitions?: TopicPartition[]): Promise<void>
  seekToEnd(partitions?: TopicPartition[]): Promise<void>
  position(partition: TopicPartition): number | undefined
  assignment(): TopicPartition[]
  /** Called after each rebalance with what this member gained and lost. */
  onRebalance(listener: (event: RebalanceEvent) => void): void
  /** Leaves the group (its partitions go to the other members) and releases every resource. */
  close(): Promise<void>
}

export interface EventLog {
  readonly backend: 'embedded' | 'kafka'
  createTopic(name: string, config: TopicConfig): Promise<void>
  /** Creates the topic unless it exists; returns whether it did. */
  ensureTopic(name: string, config: TopicConfig): Promise<boolean>
  listTopics(): Promise<string[]>
  describeTopic(name: string): Promise<TopicDescription>
  /**
   * Appends records; resolves, in input order, with where each landed, once all
   * of them are durable. Appends that arrive together share one sync.
   */
  append(topic: string, records: ProducerRecord[]): Promise<RecordMetadata[]>
  /** The first offset whose record has a timestamp at or after `timestamp`, or the end offset when none has. */
  offsetForTime(topic: string, partition: number, timestamp: number): Promise<number>
  /** Creates a consumer; with a group, it has joined and holds its share of the partitions when this resolves. */
  consumer(options: ConsumerOptions): Promise<Consumer>
  close(): Promise<void>
}
