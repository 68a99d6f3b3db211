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
  time: z.number().int().nonnegative(),
})

export const riderEventSchema = z.object({
  riderId: id,
  position,
  status: z.enum(['idle', 'requesting', 'waiting', 'riding', 'arrived']),
  driverId: id.optional(),
  time: z.number().int().nonnegative(),
})

export type DriverEvent = z.infer<typeof driverEventSchema>
export type RiderEvent = z.infer<typeof riderEventSchema>

/** Parses a record value as the event of `topic`; throws an Error whose message says what is wrong. */
export function parseEvent(topic: 'driver', value: string): DriverEvent
export function parseEvent(topic: 'rider', value: string): RiderEvent
export function parseEvent(topic: 'driver' | 'rider', value: string): DriverEvent | RiderEvent {
  let json: unknown
  try {
    json = JSON.parse(value)
  } catch (err) {
    throw new Error(`not JSON: ${(err as Error).message}`, { cause: err })
  }
  const parsed = (topic === 'driver' ? driverEventSchema : riderEventSchema).safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw new Error(`not a ${topic} event: ${issue.path.join('.') || '(root)'}: ${issue.message}`)
  }
  return parsed.data
}
