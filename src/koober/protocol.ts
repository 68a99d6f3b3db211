import { z } from 'zod'

/*
 * The WebSocket protocol between browsers (or the simulator) and the web
 * role, written down in docs/protocol.md: one JSON object per message, told
 * apart by `type`. Every incoming message is checked against these schemas;
 * nothing a client sends names an id of its own (the server assigns them).
 */

export const PROTOCOL_VERSION = 1
/** Largest message a client may send, in bytes (the socket is closed past it). */
export const MAX_MESSAGE_BYTES = 64 * 1024

export const latLonSchema = z.strictObject({ lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180) })
export type LatLon = z.infer<typeof latLonSchema>

export const boundsSchema = z
  .strictObject({ south: z.number().min(-90).max(90), west: z.number().min(-180).max(180), north: z.number().min(-90).max(90), east: z.number().min(-180).max(180) })
  .refine((b) => b.south <= b.north && b.west <= b.east, { message: 'south must not exceed north, nor west east' })
export type Bounds = z.infer<typeof boundsSchema>

const rideId = z.string().min(1).max(64)

/** What a rider's socket may send. */
export const riderMessageSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('view'), bounds: boundsSchema }),
  z.strictObject({ type: z.literal('position'), position: latLonSchema }),
  z.strictObject({ type: z.literal('request'), destination: latLonSchema }),
  z.strictObject({ type: z.literal('cancel') }),
])

/** What a driver's socket may send. */
export const driverMessageSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('view'), bounds: boundsSchema }),
  z.strictObject({ type: z.literal('position'), position: latLonSchema }),
  z.strictObject({ type: z.literal('status'), status: z.enum(['available', 'offline']) }),
  z.strictObject({ type: z.literal('accept'), rideId }),
])

export type RiderMessage = z.infer<typeof riderMessageSchema>
export type DriverMessage = z.infer<typeof driverMessageSchema>
export type Role = 'rider' | 'driver'

/** The codes of `error` messages (docs/protocol.md, "Errors"). */
export const PROTOCOL_ERRORS = {
  'invalid-json': 'the message is not a JSON object, or has a __proto__ key or constructor.prototype',
  'invalid-message': 'the message does not match the schema of its type',
  'unknown-type': 'no message of this type exists for this role',
  'rate-limited': 'too many messages: this one was dropped',
  'view-too-large': 'the view covers more cells than a socket may watch',
  'no-position': 'send a position before requesting a ride',
  'ride-open': 'this rider already has a ride under way',
  'no-ride': 'there is no ride to act on',
  'too-late': 'the ride can no longer be cancelled',
  'ride-taken': 'the ride was accepted by another driver, or cancelled',
  'not-available': 'the driver must be available (and not on a ride) to do this',
  'on-ride': 'the server drives the car during a ride; positions are ignored until it ends',
  unavailable: 'the server could not record the message (the log refused it); retry',
} as const
export type ProtocolErrorCode = keyof typeof PROTOCOL_ERRORS

/** A driver as sockets see it. */
export interface Driver {
  id: string
  position: LatLon
  status: 'available' | 'enRoute' | 'onTrip' | 'offline'
  rideId?: string
  /** Seconds to the next stop while on a ride. */
  etaSeconds?: number
  time: number
}

/** A rider as sockets see it. */
export interface Rider {
  id: string
  position: LatLon
  status: 'idle' | 'requesting' | 'waiting' | 'riding' | 'arrived' | 'offline'
  rideId?: string
  time: number
}

/** A ride as sockets see it. */
export interface Ride {
  id: string
  riderId: string
  driverId?: string
  status: 'requested' | 'accepted' | 'pickedUp' | 'completed' | 'cancelled'
  pickup: LatLon
  destination: LatLon
  /** The leg being driven, as [lat, lon] points. */
  route?: Array<[number, number]>
  reason?: 'rider' | 'driver-left' | 'rider-left'
  time: number
}

/** What the server sends (docs/protocol.md, "Server to client"). */
export type ServerMessage =
  | {
      type: 'welcome'
      protocol: number
      role: Role
      id: string
      serverTime: number
      center: LatLon
      limits: { maxMessageBytes: number; messagesPerSecond: number; burst: number; maxViewCells: number; cellDegrees: number }
    }
  | { type: 'snapshot'; drivers: Driver[]; riders: Rider[]; rides: Ride[] }
  | { type: 'driver'; driver: Driver }
  | { type: 'rider'; rider: Rider }
  | { type: 'ride'; ride: Ride }
  | { type: 'gone'; kind: 'driver' | 'rider' | 'ride'; id: string }
  | { type: 'error'; code: ProtocolErrorCode; message: string; request?: string }
