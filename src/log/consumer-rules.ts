import { kooberError, type KooberError } from '../errors.js'
import type { ConsumerOptions, TopicPartition } from './event-log.js'
import { validateGroupName } from './topic-config.js'

/*
 * What both backends' consumers check and say alike: the options a consumer
 * takes, and the errors of its misuse.
 */

export function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`
}

/** Checks what `EventLog.consumer` is given; a bad option is KOOBER_INVALID_ARGUMENT. */
export function validateConsumerOptions(options: ConsumerOptions): void {
  if (!options || !Array.isArray(options.topics) || options.topics.length === 0) {
    throw kooberError('KOOBER_INVALID_ARGUMENT', 'a consumer needs at least one topic')
  }
  if (options.group !== undefined) validateGroupName(options.group)
  if (options.from !== undefined && options.from !== 'earliest' && options.from !== 'latest') {
    throw kooberError('KOOBER_INVALID_ARGUMENT', `from must be 'earliest' or 'latest', got ${JSON.stringify(options.from)}`)
  }
}

export function noGroupError(): KooberError {
  return kooberError('KOOBER_LOG_NO_GROUP', 'this consumer has no group: create it with { group } to commit offsets')
}

export function notAssignedError(target: TopicPartition, assignedCount: number): KooberError {
  return kooberError(
    'KOOBER_LOG_NOT_ASSIGNED',
    `${target.topic}-${target.partition} is not assigned to this consumer (it has ${assignedCount} partitions)`,
  )
}

export function consumerClosedError(): KooberError {
  return kooberError('KOOBER_LOG_CLOSED', 'this consumer is closed')
}

export function seekOutOfRangeError(target: TopicPartition & { offset: number }, start: number, end: number): KooberError {
  return kooberError(
    'KOOBER_LOG_OFFSET_OUT_OF_RANGE',
    `cannot seek ${target.topic}-${target.partition} to ${target.offset}: it holds offsets ${start} to ${end}`,
  )
}

export function commitOutOfRangeError(target: TopicPartition & { offset: number }, end: number): KooberError {
  return kooberError(
    'KOOBER_LOG_OFFSET_OUT_OF_RANGE',
    `cannot commit offset ${target.offset} for ${target.topic}-${target.partition}: its end is ${end}`,
  )
}

/** Partitions grouped by topic, each once, in first-seen order. */
export function groupByTopic(list: ReadonlyArray<TopicPartition>): Map<string, number[]> {
  const out = new Map<string, number[]>()
  for (const { topic, partition } of list) {
    const partitions = out.get(topic) ?? []
    if (!partitions.includes(partition)) partitions.push(partition)
    out.set(topic, partitions)
  }
  return out
}
