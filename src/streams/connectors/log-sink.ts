import type { EventLog, ProducerRecord, RecordMetadata } from '../../log/index.js'
import { drain } from '../run-control.js'
import { Sink } from '../sink.js'
import { Flow } from '../flow.js'
import { DONE, cancelAndFail, type Pulled, type Stage } from '../stage.js'

export interface LogSinkOptions {
  /** The most records in one append (default 10,000); a chunk larger than that is split. */
  maxBatch?: number
}

/**
 * Appends every element to `topic`, a batch per chunk (so records that arrive
 * together share one sync), awaiting each append before pulling more: the
 * log's pace backpressures the stream. Resolves with the number appended; an
 * append that fails fails the stream.
 */
export function logSink(log: EventLog, topic: string, options: LogSinkOptions = {}): Sink<ProducerRecord, number> {
  const maxBatch = options.maxBatch ?? 10_000
  return new Sink(async (upstream, control) => {
    let appended = 0
    await drain(upstream, control, async (chunk) => {
      for (let start = 0; start < chunk.length; start += maxBatch) {
        const batch = chunk.slice(start, start + maxBatch)
        await log.append(topic, batch)
        appended += batch.length
      }
    })
    return appended
  })
}

/**
 * Appends every element to `topic` and emits where each landed, in order:
 * for pipelines that go on after the write (e.g. to acknowledge a client).
 */
export function logAppendFlow(log: EventLog, topic: string, options: LogSinkOptions = {}): Flow<ProducerRecord, RecordMetadata> {
  const maxBatch = options.maxBatch ?? 10_000
  return new Flow(
    (upstream): Stage<RecordMetadata> => ({
      pull: async (): Promise<Pulled<RecordMetadata>> => {
        const pulled = await upstream.pull()
        if (pulled === DONE) return DONE
        const out: RecordMetadata[] = []
        try {
          for (let start = 0; start < pulled.length; start += maxBatch) {
            out.push(...(await log.append(topic, pulled.slice(start, start + maxBatch))))
          }
        } catch (error) {
          return cancelAndFail(upstream, error)
        }
        return out
      },
      cancel: (reason) => upstream.cancel(reason),
    }),
  )
}
