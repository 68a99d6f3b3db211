import type { Pickup } from '../../forecast/types.js'
import type { EventLog, ProducerRecord } from '../../log/index.js'
import type { Row, Store } from '../../store/index.js'
import { pickupRecord } from './pickup-event.js'
import { pickupRow } from './pickup-tables.js'

/** Pickups to import, each with its id (see PICKUPS_TABLE: the same source gives the same ids). */
export interface IdentifiedPickups {
  pickups: Pickup[]
  ids: string[]
}

/**
 * Chunks whose log append and table write may be under way at once: the log
 * and the store's writer thread work on earlier chunks while the next one is
 * read and parsed, and memory stays bounded.
 */
const CHUNKS_IN_FLIGHT = 3

/**
 * Publishes pickups to the `pickups` topic and writes them into the `pickups`
 * table, a chunk at a time (one append and one upsert per chunk), with a few
 * chunks in flight. Resolves once everything given is durable in both, with
 * the number of pickups; stops reading after the chunk in progress when
 * `signal` aborts. The topic and table must exist.
 *
 * @example
 * ```ts
 * await importPickups(log, store, [{ pickups: [{ time, lat, lng }], ids: ['apr14.csv:2'] }])
 * ```
 */
export async function importPickups(
  log: EventLog,
  store: Store,
  chunks: AsyncIterable<IdentifiedPickups> | Iterable<IdentifiedPickups>,
  options: { signal?: AbortSignal } = {},
): Promise<number> {
  const inFlight: Array<Promise<unknown>> = []
  let imported = 0
  let failure: unknown
  try {
    for await (const { pickups, ids } of chunks) {
      if (pickups.length > 0) {
        const records = new Array<ProducerRecord>(pickups.length)
        const rows = new Array<Row>(pickups.length)
        for (let i = 0; i < pickups.length; i++) {
          records[i] = pickupRecord(pickups[i]!, ids[i]!)
          rows[i] = pickupRow(pickups[i]!, ids[i]!)
        }
        const written = Promise.all([log.append('pickups', records), store.upsert('pickups', rows)])
        written.catch(() => undefined) // awaited below, in order; this only keeps an early failure from going unhandled
        inFlight.push(written)
        imported += pickups.length
        while (inFlight.length >= CHUNKS_IN_FLIGHT) await inFlight.shift()
      }
      if (options.signal?.aborted) break
    }
  } catch (err) {
    failure = err
  }
  // Whatever happened, what was handed to the log and the store settles before this returns.
  const settled = await Promise.allSettled(inFlight)
  if (failure !== undefined) throw failure
  const rejected = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected')
  if (rejected) throw rejected.reason
  return imported
}
