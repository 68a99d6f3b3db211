import type { LogRecord } from '../../log/index.js'
import { parseEvent, type DriverEvent, type RideEvent, type RiderEvent } from '../events.js'
import { cellOf } from '../geo.js'
import type { Driver, Ride, Rider } from '../protocol.js'
import { isFinal, rideStepAllowed } from './ride-lifecycle.js'

export type { Driver, Ride, Rider }

/**
 * What one record changed. `cell` is where the thing is now (a ride: its
 * pickup), `previousCell` where it was; `removed` says it left the city
 * (offline, stale, or a ride that ended).
 */
export type CityChange =
  | { kind: 'driver'; driver: Driver; cell: string; previousCell: string | undefined; removed: boolean }
  | { kind: 'rider'; rider: Rider; cell: string; previousCell: string | undefined; removed: boolean }
  | { kind: 'ride'; ride: Ride; cell: string; removed: boolean }
  /** A ride step the log refused (a lost race): the process that wrote it tells its client. */
  | { kind: 'ride-refused'; event: RideEvent; current: Ride | undefined }

/** Entities not heard of for this long leave the view (a web process that died cannot say goodbye). */
export const STALE_AFTER_MS = 5 * 60_000
/** Finished rides are remembered this long, for late questions about them. */
const FINISHED_RIDES_KEPT = 10_000

/**
 * The city as the log tells it: the latest state of every driver, rider and
 * ride, built only from `driver`, `rider` and `rides` records, so every web
 * process reading the same log sees the same city. A grid index answers
 * "what is in these cells" for the fan-out.
 */
export class CityView {
  private readonly drivers = new Map<string, Driver & { cell: string }>()
  private readonly riders = new Map<string, Rider & { cell: string }>()
  private readonly rides = new Map<string, Ride>()
  private readonly finished: string[] = []
  private readonly openRideOfRider = new Map<string, string>()
  private readonly cells = new Map<string, { drivers: Set<string>; riders: Set<string>; requests: Set<string> }>()

  /**
   * Applies one record of `driver`, `rider` or `rides`; returns what changed.
   * A record that is not a valid event throws (the feed counts and skips it).
   */
  apply(record: LogRecord): CityChange | undefined {
    const value = record.value.toString('utf8')
    switch (record.topic) {
      case 'driver':
        return this.applyDriver(parseEvent('driver', value))
      case 'rider':
        return this.applyRider(parseEvent('rider', value))
      case 'rides':
        return this.applyRide(parseEvent('rides', value))
      default:
        return undefined
    }
  }

  driver(id: string): Driver | undefined {
    return strip(this.drivers.get(id))
  }

  rider(id: string): Rider | undefined {
    return strip(this.riders.get(id))
  }

  ride(id: string): Ride | undefined {
    return this.rides.get(id)
  }

  /** The ride of a rider that has not ended yet. */
  openRideOf(riderId: string): Ride | undefined {
    const id = this.openRideOfRider.get(riderId)
    return id === undefined ? undefined : this.rides.get(id)
  }

  /** Drivers, riders and requested rides in `cells`. */
  in(cells: Iterable<string>): { drivers: Driver[]; riders: Rider[]; requests: Ride[] } {
    const found = { drivers: [] as Driver[], riders: [] as Rider[], requests: [] as Ride[] }
    for (const cell of cells) {
      const entry = this.cells.get(cell)
      if (!entry) continue
      for (const id of entry.drivers) found.drivers.push(strip(this.drivers.get(id))!)
      for (const id of entry.riders) found.riders.push(strip(this.riders.get(id))!)
      for (const id of entry.requests) found.requests.push(this.rides.get(id)!)
    }
    return found
  }

  counts(): { drivers: Record<string, number>; riders: Record<string, number>; openRides: number } {
    const drivers: Record<string, number> = {}
    const riders: Record<string, number> = {}
    for (const d of this.drivers.values()) drivers[d.status] = (drivers[d.status] ?? 0) + 1
    for (const r of this.riders.values()) riders[r.status] = (riders[r.status] ?? 0) + 1
    return { drivers, riders, openRides: this.openRideOfRider.size }
  }

  /** Forgets drivers and riders not heard of since `now - STALE_AFTER_MS`; returns the removals. */
  sweep(now: number): CityChange[] {
    const changes: CityChange[] = []
    for (const driver of [...this.drivers.values()]) {
      if (driver.time < now - STALE_AFTER_MS) changes.push(this.applyDriver({ driverId: driver.id, position: driver.position, status: 'offline', time: now }))
    }
    for (const rider of [...this.riders.values()]) {
      if (rider.time < now - STALE_AFTER_MS) changes.push(this.applyRider({ riderId: rider.id, position: rider.position, status: 'offline', time: now }))
    }
    return changes
  }

  private applyDriver(event: DriverEvent): CityChange {
    const previous = this.drivers.get(event.driverId)
    const cell = cellOf(event.position)
    const driver: Driver = { id: event.driverId, position: event.position, status: event.status, time: event.time }
    if (event.rideId !== undefined) driver.rideId = event.rideId
    if (event.etaSeconds !== undefined) driver.etaSeconds = event.etaSeconds
    if (previous) this.index(previous.cell).drivers.delete(previous.id)
    const removed = event.status === 'offline'
    if (removed) this.drivers.delete(driver.id)
    else {
      this.drivers.set(driver.id, { ...driver, cell })
      this.index(cell).drivers.add(driver.id)
    }
    return { kind: 'driver', driver, cell, previousCell: previous?.cell, removed }
  }

  private applyRider(event: RiderEvent): CityChange {
    const previous = this.riders.get(event.riderId)
    const cell = cellOf(event.position)
    const rider: Rider = { id: event.riderId, position: event.position, status: event.status, time: event.time }
    if (event.rideId !== undefined) rider.rideId = event.rideId
    if (previous) this.index(previous.cell).riders.delete(previous.id)
    const removed = event.status === 'offline'
    if (removed) this.riders.delete(rider.id)
    else {
      this.riders.set(rider.id, { ...rider, cell })
      this.index(cell).riders.add(rider.id)
    }
    return { kind: 'rider', rider, cell, previousCell: previous?.cell, removed }
  }

  private applyRide(event: RideEvent): CityChange {
    const current = this.rides.get(event.rideId)
    if (!rideStepAllowed(current && toEvent(current), event)) return { kind: 'ride-refused', event, current }
    const ride: Ride = {
      id: event.rideId,
      riderId: event.riderId,
      status: event.status,
      pickup: event.pickup,
      destination: event.destination,
      time: event.time,
    }
    const driverId = event.driverId ?? current?.driverId
    if (driverId !== undefined) ride.driverId = driverId
    const route = event.route ?? current?.route
    if (route !== undefined) ride.route = route
    if (event.reason !== undefined) ride.reason = event.reason
    this.rides.set(ride.id, ride)
    const cell = cellOf(ride.pickup)
    if (ride.status === 'requested') {
      this.index(cell).requests.add(ride.id)
      this.openRideOfRider.set(ride.riderId, ride.id)
    } else this.index(cell).requests.delete(ride.id)
    const removed = isFinal(ride.status)
    if (removed) {
      if (this.openRideOfRider.get(ride.riderId) === ride.id) this.openRideOfRider.delete(ride.riderId)
      this.finished.push(ride.id)
      if (this.finished.length > FINISHED_RIDES_KEPT) this.rides.delete(this.finished.shift()!)
    }
    return { kind: 'ride', ride, cell, removed }
  }

  private index(cell: string): { drivers: Set<string>; riders: Set<string>; requests: Set<string> } {
    let entry = this.cells.get(cell)
    if (!entry) this.cells.set(cell, (entry = { drivers: new Set(), riders: new Set(), requests: new Set() }))
    return entry
  }
}

function strip<T extends { cell: string }>(entry: T | undefined): Omit<T, 'cell'> | undefined {
  if (!entry) return undefined
  const { cell: _cell, ...rest } = entry
  return rest
}

function toEvent(ride: Ride): RideEvent {
  const event: RideEvent = { rideId: ride.id, riderId: ride.riderId, status: ride.status, pickup: ride.pickup, destination: ride.destination, time: ride.time }
  if (ride.driverId !== undefined) event.driverId = ride.driverId
  return event
}
