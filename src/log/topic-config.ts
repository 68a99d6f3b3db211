import { z } from 'zod'
import { kooberError } from '../errors.js'
import type { TopicConfig } from './event-log.js'

export const DEFAULT_TOPIC_CONFIG: Omit<Required<TopicConfig>, 'partitions'> = {
  segmentBytes: 64 * 1024 * 1024,
  retentionMs: 7 * 24 * 60 * 60 * 1000,
  retentionBytes: -1,
  maxRecordBytes: 1024 * 1024,
}

/** The most partitions one topic may have (each is a directory and an open file). */
export const MAX_PARTITIONS = 1024

const retention = z.number().int().min(-1)

/** The shape of a topic's `topic.json`, and of a topic configuration anyone passes in. */
export const topicConfigSchema = z.object({
  partitions: z.number().int().min(1).max(MAX_PARTITIONS),
  segmentBytes: z.number().int().min(1024).max(2 ** 31 - 1),
  retentionMs: retention,
  retentionBytes: retention,
  maxRecordBytes: z.number().int().min(1).max(64 * 1024 * 1024),
})

/** Fills defaults and checks a topic configuration; a bad one is KOOBER_INVALID_ARGUMENT. */
export function resolveTopicConfig(config: TopicConfig, defaults: Partial<TopicConfig> = {}): Required<TopicConfig> {
  const merged = { ...DEFAULT_TOPIC_CONFIG, ...defaults, ...definedOnly(config) }
  const parsed = topicConfigSchema.safeParse(merged)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw kooberError('KOOBER_INVALID_ARGUMENT', `invalid topic configuration: ${issue?.path.join('.')}: ${issue?.message}`)
  }
  return parsed.data
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>
}

/**
 * Kafka's rule for topic names, which the embedded log also applies to group
 * names since both become directory names: 1 to 249 characters of ASCII
 * letters, digits, '.', '_' and '-', and neither '.' nor '..'.
 */
export function isLegalName(name: unknown): name is string {
  return typeof name === 'string' && /^[a-zA-Z0-9._-]{1,249}$/.test(name) && name !== '.' && name !== '..'
}

const NAME_RULE = "use 1 to 249 letters, digits, '.', '_' or '-'"

export function validateTopicName(name: unknown): asserts name is string {
  if (!isLegalName(name)) throw kooberError('KOOBER_LOG_INVALID_TOPIC', `invalid topic name ${JSON.stringify(name)}: ${NAME_RULE}`)
}

export function validateGroupName(name: unknown): asserts name is string {
  if (!isLegalName(name)) throw kooberError('KOOBER_INVALID_ARGUMENT', `invalid group name ${JSON.stringify(name)}: ${NAME_RULE}`)
}
