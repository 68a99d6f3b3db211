import { keyedProcess, type Element, type ProcessContext } from '../../analytics/index.js'
import type { Flow } from '../../streams/index.js'
import type { DriverEvent, RideEvent } from '../events.js'
import { cellOf } from '../geo.js'
import { routeLengthMeters } from '../routing/along.js'

/** What the analytics read: a driver or ride event, with its source partition (for the watermark) and offset there. */
export type CityInput = ({ topic: 'driver'; event: DriverEvent } | { topic: 'rides'; event: RideEvent }) & { partition: string; offset: number }

/** One fact about the city at an event time, in an area (a grid cell, or `city`). */
export type CityFact =
  | { type: 'request'; area: string }
  | { type: 'available'; area: string; driverId: string }
  /** Seconds from a ride's request to its pickup. */
  | { type: 'wait'; area: string; seconds: number }
  /** A completed trip: seconds from pickup to drop-off, meters of the route driven. */
  | { type: 'trip'; area: string; seconds: number; meters: number }

/**
 * A fact with where it came from: the source partition and a position
 * there (twice the event's offset: an event yields at most one fact, and
 * its citywide copy takes the odd position after it). A job downstream of
 * a repartition topic drops replays by it.
 */
export type SourcedFact = CityFact & { source: string; position: number }

/** What a ride in progress needs remembered, per ride id. */
interface RideState {
  area: string
  requestedAt: number
  pickedUpAt?: number
  meters?: number
}

/** A ride not finished this long after its request is forgotten (event time). */
const RIDE_STATE_TTL_MS = 2 * 60 * 60_000

/**
 * Turns driver and ride events into facts: a ride's wait and trip need its
 * earlier steps, so rides are keyed by id with their request remembered
 * (and forgotten by a timer if the ride never ends). Facts are placed in
 * the area of the ride's pickup, or of the available driver.
 */
export function cityFacts(restored?: unknown): Flow<Element<CityInput>, Element<SourcedFact>> {
  return keyedProcess<CityInput, string, RideState, SourcedFact>({
    name: 'city-facts',
    restored,
    key: (input) => (input.topic === 'rides' ? `ride:${input.event.rideId}` : `driver:${input.event.driverId}`),
    onRecord: (input, time, ctx) => {
      const emit: Emit = (fact) => ctx.emit({ ...fact, source: input.partition, position: input.offset * 2 }, time)
      if (input.topic === 'driver') driverFact(input.event, emit)
      else rideFacts(input.event, time, ctx, emit)
    },
    onTimer: (_at, domain, ctx) => {
      if (domain === 'event') ctx.state = undefined
    },
  })
}

type Emit = (fact: CityFact) => void

function driverFact(event: DriverEvent, emit: Emit): void {
  if (event.status === 'available') emit({ type: 'available', area: cellOf(event.position), driverId: event.driverId })
}

function rideFacts(event: RideEvent, time: number, ctx: ProcessContext<string, RideState, SourcedFact>, emit: Emit): void {
  const state = ctx.state
  switch (event.status) {
    case 'requested': {
      const area = cellOf(event.pickup)
      ctx.state = { area, requestedAt: time }
      ctx.eventTimer(time + RIDE_STATE_TTL_MS)
      emit({ type: 'request', area })
      return
    }
    case 'pickedUp':
      if (!state || state.pickedUpAt !== undefined) return
      emit({ type: 'wait', area: state.area, seconds: Math.max(0, time - state.requestedAt) / 1000 })
      ctx.state = { ...state, pickedUpAt: time, meters: event.route ? routeLengthMeters(event.route) : 0 }
      return
    case 'completed':
      if (state?.pickedUpAt === undefined) return
      emit({ type: 'trip', area: state.area, seconds: Math.max(0, time - state.pickedUpAt) / 1000, meters: state.meters ?? 0 })
      ctx.state = undefined
      return
    case 'cancelled':
      ctx.state = undefined
      return
    default:
  }
}
