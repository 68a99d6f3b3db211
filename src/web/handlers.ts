import { randomUUID } from 'node:crypto'
import type { CityView } from '../koober/city/city-view.js'
import type { CityWriter } from '../koober/city/city-writer.js'
import type { Trips } from '../koober/city/trips.js'
import type { DriverEvent } from '../koober/events.js'
import { cellsIn } from '../koober/geo.js'
import type { DriverMessage, LatLon, RiderMessage } from '../koober/protocol.js'
import type { RoutePlanner } from '../koober/routing/planner.js'
import type { CityHub } from './city-hub.js'
import type { Session } from './session.js'

export interface HandlerContext {
  city: CityView
  hub: CityHub
  writer: CityWriter
  trips: Trips
  planner: RoutePlanner
}

/** What a socket said that the log has not reflected yet. */
export interface SessionState {
  position?: LatLon
  /** A driver's chosen status, when not on a ride. */
  available: boolean
  /** A request written but not yet read back, so a second one is refused. */
  requesting?: string
}

/**
 * What each message of docs/protocol.md does: checks it against the city as
 * the log has it, then writes events. Nothing here changes what sockets see
 * directly: that comes back from the log, through the city view and the hub.
 * A message that fails its check gets an `error` and writes nothing.
 */
export class Handlers {
  constructor(private readonly ctx: HandlerContext) {}

  newState(): SessionState {
    return { available: true }
  }

  /** The common messages, then the role's own. Throws only when the log refuses a write. */
  async handle(session: Session, state: SessionState, message: RiderMessage | DriverMessage): Promise<void> {
    if (message.type === 'view') return this.view(session, message.bounds)
    if (session.role === 'rider') return this.rider(session, state, message as RiderMessage)
    return this.driver(session, state, message as DriverMessage)
  }

  /** The socket closed: the server says goodbye for it on the log. */
  async leave(session: Session, state: SessionState): Promise<void> {
    const { city, writer, trips } = this.ctx
    const now = Date.now()
    if (session.role === 'rider') {
      const ride = city.openRideOf(session.id)
      if (ride && ride.status !== 'pickedUp') await writer.ride({ ...rideEvent(ride), status: 'cancelled', reason: 'rider-left', time: now })
      const position = state.position ?? city.rider(session.id)?.position
      if (position && ride?.status !== 'pickedUp') await writer.rider({ riderId: session.id, position, status: 'offline', time: now })
      return
    }
    const driver = city.driver(session.id)
    trips.forget(session.id)
    const ride = driver?.rideId === undefined ? undefined : city.ride(driver.rideId)
    if (ride && (ride.status === 'accepted' || ride.status === 'pickedUp')) {
      await writer.ride({ ...rideEvent(ride), status: 'cancelled', reason: 'driver-left', time: now })
      await writer.rider({ riderId: ride.riderId, position: driver!.position, status: 'idle', rideId: ride.id, time: now })
    }
    const position = driver?.position ?? state.position
    if (position) await writer.driver({ driverId: session.id, position, status: 'offline', time: now })
  }

  /** Re-announces a connected rider or driver, so other processes do not forget it as stale. */
  async heartbeat(session: Session, state: SessionState): Promise<void> {
    const { city, writer } = this.ctx
    if (session.role === 'rider') {
      const rider = city.rider(session.id)
      if (rider) await writer.rider({ ...riderEvent(rider), time: Date.now() })
      return
    }
    const driver = city.driver(session.id)
    if (driver && !this.ctx.trips.driving(session.id)) await writer.driver({ ...driverEvent(driver), time: Date.now() })
    else if (!driver && state.position) await writer.driver({ driverId: session.id, position: state.position, status: state.available ? 'available' : 'offline', time: Date.now() })
  }

  private view(session: Session, bounds: { south: number; west: number; north: number; east: number }): void {
    const cells = cellsIn(bounds)
    if (!cells) return session.error('view-too-large', undefined, 'view')
    const { city, hub } = this.ctx
    hub.watch(session, cells)
    const found = city.in(cells)
    const own = session.role === 'rider' ? city.openRideOf(session.id) : rideOfDriver(city, session.id)
    const rides = session.role === 'driver' ? found.requests : []
    if (own && !rides.some((r) => r.id === own.id)) rides.push(own)
    const drivers = found.drivers
    const ownDriver = own?.driverId === undefined ? undefined : city.driver(own.driverId)
    if (ownDriver && !drivers.some((d) => d.id === ownDriver.id)) drivers.push(ownDriver)
    const riders = session.role === 'driver' ? found.riders : []
    const self = session.role === 'rider' ? city.rider(session.id) : undefined
    if (self) riders.push(self)
    session.send({ type: 'snapshot', drivers, riders, rides })
  }

  private async rider(session: Session, state: SessionState, message: RiderMessage): Promise<void> {
    const { city, writer } = this.ctx
    const now = Date.now()
    const ride = city.openRideOf(session.id)
    switch (message.type) {
      case 'position': {
        state.position = message.position
        const status = city.rider(session.id)?.status
        await writer.rider({ riderId: session.id, position: message.position, status: status === undefined || status === 'offline' || status === 'arrived' ? 'idle' : status, time: now })
        return
      }
      case 'request': {
        if (!state.position) return session.error('no-position', undefined, 'request')
        if (ride || (state.requesting !== undefined && city.ride(state.requesting) === undefined)) return session.error('ride-open', undefined, 'request')
        const rideId = `ride-${randomUUID()}`
        state.requesting = rideId
        await writer.ride({ rideId, riderId: session.id, status: 'requested', pickup: state.position, destination: message.destination, time: now })
        await writer.rider({ riderId: session.id, position: state.position, status: 'requesting', rideId, time: now })
        return
      }
      case 'cancel': {
        if (!ride) return session.error('no-ride', undefined, 'cancel')
        if (ride.status === 'pickedUp') return session.error('too-late', undefined, 'cancel')
        await writer.ride({ ...rideEvent(ride), status: 'cancelled', reason: 'rider', time: now })
        await writer.rider({ riderId: session.id, position: state.position ?? ride.pickup, status: 'idle', time: now })
        return
      }
    }
  }

  private async driver(session: Session, state: SessionState, message: DriverMessage): Promise<void> {
    const { city, writer, trips, planner } = this.ctx
    const now = Date.now()
    const onRide = trips.driving(session.id) || rideOfDriver(city, session.id) !== undefined
    switch (message.type) {
      case 'position': {
        if (onRide) return session.error('on-ride', undefined, 'position')
        state.position = message.position
        await writer.driver({ driverId: session.id, position: message.position, status: state.available ? 'available' : 'offline', time: now })
        return
      }
      case 'status': {
        if (onRide) return session.error('not-available', undefined, 'status')
        if (!state.position) return session.error('no-position', 'send a position before a status', 'status')
        state.available = message.status === 'available'
        await writer.driver({ driverId: session.id, position: state.position, status: message.status, time: now })
        return
      }
      case 'accept': {
        const ride = city.ride(message.rideId)
        if (!ride || ride.status !== 'requested') return session.error('ride-taken', undefined, 'accept')
        if (onRide || !state.available || !state.position) return session.error('not-available', undefined, 'accept')
        const route = await planner.plan(state.position, ride.pickup)
        await writer.ride({ ...rideEvent(ride), status: 'accepted', driverId: session.id, route, time: now })
        return
      }
    }
  }
}

function rideOfDriver(city: CityView, driverId: string): ReturnType<CityView['ride']> {
  const rideId = city.driver(driverId)?.rideId
  const ride = rideId === undefined ? undefined : city.ride(rideId)
  return ride && (ride.status === 'accepted' || ride.status === 'pickedUp') ? ride : undefined
}

function rideEvent(ride: NonNullable<ReturnType<CityView['ride']>>) {
  return { rideId: ride.id, riderId: ride.riderId, ...(ride.driverId === undefined ? {} : { driverId: ride.driverId }), pickup: ride.pickup, destination: ride.destination }
}

function riderEvent(rider: NonNullable<ReturnType<CityView['rider']>>) {
  return { riderId: rider.id, position: rider.position, status: rider.status, ...(rider.rideId === undefined ? {} : { rideId: rider.rideId }) }
}

function driverEvent(driver: NonNullable<ReturnType<CityView['driver']>>): Omit<DriverEvent, 'time'> {
  return { driverId: driver.id, position: driver.position, status: driver.status, ...(driver.rideId === undefined ? {} : { rideId: driver.rideId }) }
}
