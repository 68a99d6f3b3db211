import murmurhash from 'murmurhash'

/** The seed of Kafka's murmur2 (org.apache.kafka.common.utils.Utils#murmur2). */
const KAFKA_MURMUR2_SEED = 0x9747b28c

/**
 * Kafka's murmur2 of a key, as a signed 32-bit integer (the value Kafka's Java
 * `Utils.murmur2` returns). Kafka's murmur2 is MurmurHash2 with a fixed seed.
 */
export function murmur2(key: Uint8Array | string): number {
  return murmurhash.v2(typeof key === 'string' ? Buffer.from(key) : key, KAFKA_MURMUR2_SEED) | 0
}

/**
 * The partition of a keyed record, as Kafka's default partitioner computes it:
 * `toPositive(murmur2(keyBytes)) % numPartitions`, so a key lands on the same
 * partition number on the embedded log and on Kafka.
 */
export function partitionForKey(key: Uint8Array | string, partitions: number): number {
  return (murmur2(key) & 0x7fffffff) % partitions
}
