/**
 * Real servers for tests and local clusters, assembled from Maven Central and
 * run with the local JDK (DESIGN.md: no Docker on these machines).
 */
export { DEFAULT_KAFKA_PORT, KAFKA_HOST, kafkaStatus, startKafka, stopKafka } from './kafka.js'
export type { KafkaOptions, KafkaStatus, StartKafkaOptions, StopKafkaOptions } from './kafka.js'
export { checkJavaAndMaven, requireJavaAndMaven } from './java.js'
export type { JavaAndMaven, ToolCheck } from './java.js'
export { probeKafka } from './kafka-wire.js'
export type { KafkaBrokerInfo, KafkaProbe } from './kafka-wire.js'
