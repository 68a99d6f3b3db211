import type { EventLog } from '../log/index.js'
import type { Store } from '../store/index.js'
import { KOOBER_TOPICS } from '../koober/topics.js'
import { openLogForWriting, openStore, type LogOptions, type StoreOptions } from './options.js'

/**
 * Runs a role that reads the log and writes the store (ingest, analytics):
 * opens both (closing the log if the store fails), makes sure its topics
 * exist, stops on SIGINT or SIGTERM through the signal, and closes both at
 * the end, whatever happened.
 */
export async function runStoreRole<R>(
  options: LogOptions & StoreOptions,
  topics: readonly string[],
  role: (log: EventLog, store: Store, signal: AbortSignal) => Promise<R>,
): Promise<R> {
  const log = await openLogForWriting(options)
  const store = await openStore(options, { readOnly: false }).catch(async (err: unknown) => {
    await log.close()
    throw err
  })
  const stop = new AbortController()
  const onSignal = (): void => stop.abort()
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  try {
    for (const topic of topics) await log.ensureTopic(topic, { partitions: KOOBER_TOPICS[topic]!.partitions })
    return await role(log, store, stop.signal)
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    await store.close()
    await log.close()
  }
}
