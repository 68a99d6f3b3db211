import type { EventLog, ProducerRecord } from '../../log/index.js'
import type { LatLon } from '../protocol.js'
import type { DriverEvent, RideEvent } from '../events.js'
import { KOOBER_TOPICS } from '../topics.js'

/** One event of the city, with the topic it goes to. */
export type CityEvent = { topic: 'driver'; event: DriverEvent } | { topic: 'rides'; event: RideEvent }

/** Four Manhattan places, in three analytics areas. */
export const BUSY_CITY_PLACES: readonly LatLon[] = [
  { lat: 40.7512, lon: -73.9901 },
  { lat: 40.7705, lon: -73.9602 },
  { lat: 40.7306, lon: -73.9866 },
  { lat: 40.7831, lon: -73.9712 },
]

export interface BusyCityOptions {
  /** The first request's time (epoch ms). */
  start: number
  /** Where rides start and end, and drivers wait, in turn (default BUSY_CITY_PLACES). */
  places?: readonly LatLon[]
}

/**
 * `rides` rides, one requested every 30 s, each picked up 60 to 120 s later
 * and completed 5 to 7 minutes after its request; and 12 drivers telling they
 * are free every 20 s meanwhile. Sorted by time.
 *
 * @example
 * ```ts
 * const city = busyCity(60, { start: Date.UTC(2025, 10, 24) })
 * ```
 */
export function busyCity(rides: number, options: BusyCityOptions): CityEvent[] {
  const places = options.places ?? BUSY_CITY_PLACES
  const out: CityEvent[] = []
  for (let i = 0; i < rides; i++) {
    const pickup = places[i % places.length]!
    const destination = places[(i + 1) % places.length]!
    const at = options.start + i * 30_000
    const base = { rideId: `r${i}`, riderId: `rider-${i}`, pickup, destination }
    out.push({ topic: 'rides', event: { ...base, status: 'requested', time: at } })
    out.push({ topic: 'rides', event: { ...base, status: 'pickedUp', driverId: `d${i % 12}`, route: [[pickup.lat, pickup.lon], [destination.lat, destination.lon]], time: at + 60_000 + (i % 7) * 10_000 } })
    out.push({ topic: 'rides', event: { ...base, status: 'completed', driverId: `d${i % 12}`, time: at + 300_000 + (i % 5) * 30_000 } })
  }
  for (let t = options.start; t < options.start + rides * 30_000; t += 20_000) {
    for (let d = 0; d < 12; d++) out.push({ topic: 'driver', event: { driverId: `d${d}`, position: places[d % places.length]!, status: 'available', time: t + d * 100 } })
  }
  return out.sort((a, b) => a.event.time - b.event.time)
}

/** Creates every Koober topic the analytics read or write, with its partition count, unless it exists. */
export async function ensureKooberTopics(log: EventLog): Promise<void> {
  for (const [topic, config] of Object.entries(KOOBER_TOPICS)) await log.ensureTopic(topic, { partitions: config.partitions })
}

/**
 * Appends the events in their order, keyed as the web server keys them (a
 * ride by its id, a driver by its id), so each partition gets its events in
 * the same order on every log; one append per topic.
 */
export async function appendCity(log: EventLog, events: readonly CityEvent[]): Promise<void> {
  const byTopic = new Map<CityEvent['topic'], ProducerRecord[]>()
  for (const e of events) {
    const key = e.topic === 'rides' ? e.event.rideId : e.event.driverId
    const records = byTopic.get(e.topic) ?? []
    records.push({ key, value: JSON.stringify(e.event), timestamp: e.event.time })
    byTopic.set(e.topic, records)
  }
  for (const [topic, records] of byTopic) await log.append(topic, records)
}
