import { z } from 'zod'
import type { Pickup } from '../../forecast/types.js'
import type { ProducerRecord } from '../../log/index.js'
import { CELL_DEGREES } from '../geo.js'

/*
 * A record of the `pickups` topic: one historical, demo or live pickup,
 * keyed by its area cell (geo.ts) so each area's pickups stay in order on one
 * partition. The value is JSON: the pickup's id (where it came from), its
 * time (epoch ms, UTC) and place.
 */

export const pickupEventSchema = z.object({
  id: z.string().min(1).max(512),
  time: z.number().int().nonnegative(),
  lat: z.number().min(-90).max(90),
  lng: z.number().min(-180).max(180),
})

export type PickupEvent = z.infer<typeof pickupEventSchema>

/** Area cells by row and column: an import meets a few thousand cells, hundreds of thousands of times. */
const cellNames = new Map<number, string>()
const MAX_CACHED_CELLS = 100_000

/** The area cell of a point, as geo.ts's cellOf names it, without building the name again for every pickup. */
function cellKey(lat: number, lng: number): string {
  const row = Math.floor(lat / CELL_DEGREES)
  const column = Math.floor(lng / CELL_DEGREES)
  const key = row * 100_000 + column
  let name = cellNames.get(key)
  if (name === undefined) {
    if (cellNames.size >= MAX_CACHED_CELLS) cellNames.clear()
    name = `${row}:${column}`
    cellNames.set(key, name)
  }
  return name
}

/** Ids made of these characters need no escaping in JSON (file names, ride ids and demo ids nearly always are). */
const PLAIN_ID = /^[\w.:@+-]*$/

/**
 * The record of a pickup. Written by hand rather than JSON.stringify: an
 * import writes hundreds of thousands a second, and the fields are known.
 *
 * @example
 * ```ts
 * pickupRecord({ time: 1396325460000, lat: 40.769, lng: -73.9549 }, 'apr14.csv:2')
 * // { key: '4076:-7396', value: '{"id":"apr14.csv:2","time":1396325460000,"lat":40.769,"lng":-73.9549}' }
 * ```
 */
export function pickupRecord(pickup: Pickup, id: string): ProducerRecord {
  const quoted = PLAIN_ID.test(id) ? `"${id}"` : JSON.stringify(id)
  return {
    key: cellKey(pickup.lat, pickup.lng),
    value: `{"id":${quoted},"time":${pickup.time},"lat":${pickup.lat},"lng":${pickup.lng}}`,
  }
}

/** Parses a `pickups` record's value; throws an Error saying what is wrong. */
export function parsePickupEvent(value: string): PickupEvent {
  let json: unknown
  try {
    json = JSON.parse(value)
  } catch (err) {
    throw new Error(`not JSON: ${(err as Error).message}`, { cause: err })
  }
  const parsed = pickupEventSchema.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw new Error(`not a pickup event: ${issue.path.join('.') || '(root)'}: ${issue.message}`)
  }
  return parsed.data
}
