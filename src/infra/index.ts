/**
 * Real servers for tests and local clusters, assembled from Maven Central and
 * run with the local JDK (DESIGN.md: no Docker on these machines).
 */
export type { LocalServerStatus } from './local-server.js'
export { DEFAULT_KAFKA_PORT, KAFKA_HOST, kafkaStatus, startKafka, stopKafka } from './kafka.js'
export type { KafkaOptions, KafkaStatus, StartKafkaOptions, StopKafkaOptions } from './kafka.js'
export { checkJavaAndMaven, requireJavaAndMaven } from './java.js'
export type { JavaAndMaven, ToolCheck } from './java.js'
export { probeKafka } from './kafka-wire.js'
export type { KafkaBrokerInfo, KafkaProbe } from './kafka-wire.js'
export {
  CASSANDRA_DATA_CENTER,
  CASSANDRA_HOST,
  DEFAULT_CASSANDRA_PORT,
  DEFAULT_CASSANDRA_STORAGE_PORT,
  cassandraStatus,
  startCassandra,
  stopCassandra,
} from './cassandra.js'
export type { CassandraOptions, CassandraStatus, StartCassandraOptions, StopCassandraOptions } from './cassandra.js'
export { checkCassandraTools, requireCassandraTools } from './cassandra-java.js'
export type { CassandraTools } from './cassandra-java.js'
export { probeCassandra, queryCql } from './cql-wire.js'
export type { CassandraProbe, CqlRows, CqlValue } from './cql-wire.js'
