/**
 * The event log: one interface, two backends. Open the embedded one with
 * `openEmbeddedLog`; the Kafka backend implements the same `EventLog`.
 */
export type * from './event-log.js'
export { openEmbeddedLog, EmbeddedLog, type EmbeddedLogOptions } from './embedded-log.js'
export { murmur2, partitionForKey } from './partitioner.js'
export { DEFAULT_TOPIC_CONFIG, MAX_PARTITIONS } from './topic-config.js'
export { openKafkaLog, KafkaLog, type KafkaLogOptions } from './kafka/kafka-log.js'
