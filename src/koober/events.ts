import { z } from 'zod'

/*
 * The events riders and drivers produce, as they travel on the `driver` and
 * `rider` topics: JSON, checked against these schemas at every edge. Times
 * are epoch milliseconds, UTC; positions are WGS84 degrees.
 */

const position = z.object({ lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180) })
const id = z.string().min(1).max(128)

export const driverEventSchema = z.object({
  driverId: id,
  position,
  status: z.enum(['available', 'enRoute', 'onTrip', 'offline']),
  /** The rider being picked up or carried, if any. */
  riderId: id.optional(),
  /** The planned route, when a pickup starts: [lat, lon] points. */
  route: z.array(z.tuple([z.number(), z.number()])).max(10_000).optional(),
  /** The ride under way, while enRoute or onTrip. */
  rideId: id.optional(),
  /** Seconds to the next stop (the pickup, then the destination), while on a ride. */
  etaSeconds: z.number().nonnegative().optional(),
  time: z.number().int().nonnegative(),
})

export const riderEventSchema = z.object({
  riderId: id,
  position,
  status: z.enum(['idle', 'requesting', 'waiting', 'riding', 'arrived', 'offline']),
  driverId: id.optional(),
  rideId: id.optional(),
  time: z.number().int().nonnegative(),
})

/**
 * One step of a ride's lifecycle on the `rides` topic, keyed by ride id so
 * every step of a ride is on one partition, in order. The log is the
 * arbiter: a step that the ride's state at that point in the log does not
 * allow (a second driver's accept, a cancel after pickup) is ignored by
 * every reader alike (city/ride-lifecycle.ts).
 */
export const rideEventSchema = z.object({
  rideId: id,
  riderId: id,
  status: z.enum(['requested', 'accepted', 'pickedUp', 'completed', 'cancelled']),
  driverId: id.optional(),
  pickup: position,
  destination: position,
  /** The leg now driven (to the pickup once accepted, to the destination once picked up): [lat, lon] points. */
  route: z.array(z.tuple([z.number(), z.number()])).max(10_000).optional(),
  /** Why a ride was cancelled: by the rider, or because its driver or rider left. */
  reason: z.enum(['rider', 'driver-left', 'rider-left']).optional(),
  time: z.number().int().nonnegative(),
})

export type DriverEvent = z.infer<typeof driverEventSchema>
export type RiderEvent = z.infer<typeof riderEventSchema>
export type RideEvent = z.infer<typeof rideEventSchema>

const SCHEMAS = { driver: driverEventSchema, rider: riderEventSchema, rides: rideEventSchema } as const

/** Parses a record value as the event of `topic`; throws an Error whose message says what is wrong. */
export function parseEvent(topic: 'driver', value: string): DriverEvent
export function parseEvent(topic: 'rider', value: string): RiderEvent
export function parseEvent(topic: 'rides', value: string): RideEvent
export function parseEvent(topic: 'driver' | 'rider' | 'rides', value: string): DriverEvent | RiderEvent | RideEvent {
  let json: unknown
  try {
    json = JSON.parse(value)
  } catch (err) {
    throw new Error(`not JSON: ${(err as Error).message}`, { cause: err })
  }
  const parsed = SCHEMAS[topic].safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw new Error(`not a ${topic} event: ${issue.path.join('.') || '(root)'}: ${issue.message}`)
  }
  return parsed.data
}
