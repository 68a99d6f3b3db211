import type { TopicConfig } from '../event-log.js'

/*
 * A topic's configuration as Kafka names it (topic-level configs,
 * https://kafka.apache.org/documentation/#topicconfigs). Kafka's
 * max.message.bytes bounds a whole record batch, so it gets room for the batch
 * header (61 bytes) and a record's own framing beyond Koober's maxRecordBytes.
 */

const BATCH_ALLOWANCE = 512

export function toKafkaConfigs(config: Required<TopicConfig>): Array<{ name: string; value: string }> {
  return [
    { name: 'segment.bytes', value: String(config.segmentBytes) },
    { name: 'retention.ms', value: String(config.retentionMs) },
    { name: 'retention.bytes', value: String(config.retentionBytes) },
    { name: 'max.message.bytes', value: String(config.maxRecordBytes + BATCH_ALLOWANCE) },
  ]
}

/** Reads back what `toKafkaConfigs` wrote (or the broker's defaults). */
export function fromKafkaConfigs(partitions: number, configs: ReadonlyMap<string, string>): Required<TopicConfig> {
  const number = (name: string, fallback: number): number => {
    const value = Number(configs.get(name))
    return Number.isFinite(value) ? value : fallback
  }
  return {
    partitions,
    segmentBytes: number('segment.bytes', 1 << 30),
    retentionMs: number('retention.ms', 7 * 24 * 3600 * 1000),
    retentionBytes: number('retention.bytes', -1),
    maxRecordBytes: Math.max(1, number('max.message.bytes', 1_048_588) - BATCH_ALLOWANCE),
  }
}

export const TOPIC_CONFIG_NAMES = ['segment.bytes', 'retention.ms', 'retention.bytes', 'max.message.bytes']
