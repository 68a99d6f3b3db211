import type { LogRecord } from '../../src/log/index.js'
import type { Bid, NexmarkEvent, Sourced } from './model.js'

/** The one decoding step both the engine and the hand-written loops pay for each record: UTF-8 and JSON.parse. */
export function decode(record: LogRecord): NexmarkEvent {
  return JSON.parse(record.value.toString('utf8')) as NexmarkEvent
}

/** Decoded, with the partition it came from, for the event-time queries. */
export function decodeSourced(record: LogRecord): Sourced<NexmarkEvent> {
  return { partition: record.partition, event: decode(record) }
}

export const isBid = (event: NexmarkEvent): event is Bid => event.type === 'bid'

export const isSourcedBid = (sourced: Sourced<NexmarkEvent>): sourced is Sourced<Bid> => sourced.event.type === 'bid'
