import { arrived, pointAlong, remainingMeters, type Route } from '../routing/along.js'
import type { RoutePlanner } from '../routing/planner.js'
import type { CityChange, CityView, Ride } from './city-view.js'
import type { CityWriter } from './city-writer.js'

export interface TripsOptions {
  city: CityView
  writer: CityWriter
  planner: RoutePlanner
  /** How fast cars go (default 12 m/s, about 43 km/h). */
  speedMetersPerSecond?: number
  /** How often a moving car reports its position (default 1000 ms). */
  tickMs?: number
  /** Whether a driver's socket is on this process: only its process drives its car. */
  drivesHere: (driverId: string) => boolean
  onError?: (error: unknown) => void
}

interface Trip {
  ride: Ride
  leg: 'pickup' | 'destination'
  route: Route
  /** Meters driven along `route`. */
  driven: number
  /** Set when the leg's end was written and the next step awaits the log's word. */
  waiting: boolean
}

/**
 * Drives the cars of the accepted rides whose drivers are connected to this
 * process: along the route to the pickup, then to the destination, a
 * position every tick, each step an event on the log. It moves on only when
 * the log has applied the previous step (an accept it won, a pickup not
 * beaten by a cancel), so every process tells the same story.
 */
export class Trips {
  private readonly trips = new Map<string, Trip>()
  private readonly speed: number
  private readonly tickMs: number
  private readonly timer: NodeJS.Timeout
  private ticking = false

  constructor(private readonly options: TripsOptions) {
    this.speed = options.speedMetersPerSecond ?? 12
    this.tickMs = options.tickMs ?? 1000
    this.timer = setInterval(() => void this.tick(), this.tickMs)
    this.timer.unref()
  }

  /** Whether this driver's car is being driven by the server. */
  driving(driverId: string): boolean {
    return this.trips.has(driverId)
  }

  /** Follows the rides the log applies. */
  observe(change: CityChange): void {
    if (change.kind !== 'ride') return
    const { ride } = change
    const driverId = ride.driverId
    if (driverId === undefined || !this.options.drivesHere(driverId)) return
    const trip = this.trips.get(driverId)
    if (ride.status === 'accepted' && !trip) {
      this.trips.set(driverId, { ride, leg: 'pickup', route: ride.route ?? [], driven: 0, waiting: false })
      void this.write(() => this.options.writer.rider({ riderId: ride.riderId, position: ride.pickup, status: 'waiting', driverId, rideId: ride.id, time: Date.now() }))
    } else if (ride.status === 'pickedUp' && trip?.ride.id === ride.id) {
      this.trips.set(driverId, { ride, leg: 'destination', route: ride.route ?? [], driven: 0, waiting: false })
    } else if ((ride.status === 'cancelled' || ride.status === 'completed') && trip?.ride.id === ride.id) {
      this.trips.delete(driverId)
      const position = this.options.city.driver(driverId)?.position ?? ride.destination
      void this.write(() => this.options.writer.driver({ driverId, position, status: 'available', time: Date.now() }))
    }
  }

  /** The driver left: their trip ends here (the caller cancels the ride). */
  forget(driverId: string): void {
    this.trips.delete(driverId)
  }

  close(): void {
    clearInterval(this.timer)
    this.trips.clear()
  }

  private async tick(): Promise<void> {
    if (this.ticking) return
    this.ticking = true
    try {
      const step = (this.speed * this.tickMs) / 1000
      await Promise.all([...this.trips].map(([driverId, trip]) => this.advance(driverId, trip, step)))
    } finally {
      this.ticking = false
    }
  }

  private async advance(driverId: string, trip: Trip, step: number): Promise<void> {
    if (trip.waiting) return
    const { ride } = trip
    trip.driven += step
    const position = trip.route.length > 0 ? pointAlong(trip.route, trip.driven) : trip.leg === 'pickup' ? ride.pickup : ride.destination
    const left = trip.route.length > 0 ? remainingMeters(trip.route, trip.driven) : 0
    const status = trip.leg === 'pickup' ? 'enRoute' : 'onTrip'
    await this.write(() => this.options.writer.driver({ driverId, position, status, rideId: ride.id, etaSeconds: Math.round(left / this.speed), time: Date.now() }))
    if (trip.route.length > 0 && !arrived(trip.route, trip.driven)) return
    trip.waiting = true
    const now = Date.now()
    if (trip.leg === 'pickup') {
      const route = await this.options.planner.plan(ride.pickup, ride.destination)
      await this.write(async () => {
        await this.options.writer.ride({ rideId: ride.id, riderId: ride.riderId, driverId, status: 'pickedUp', pickup: ride.pickup, destination: ride.destination, route, time: now })
        await this.options.writer.rider({ riderId: ride.riderId, position: ride.pickup, status: 'riding', driverId, rideId: ride.id, time: now })
      })
    } else {
      await this.write(async () => {
        await this.options.writer.ride({ rideId: ride.id, riderId: ride.riderId, driverId, status: 'completed', pickup: ride.pickup, destination: ride.destination, time: now })
        await this.options.writer.rider({ riderId: ride.riderId, position: ride.destination, status: 'arrived', rideId: ride.id, time: now })
      })
    }
  }

  private async write(step: () => Promise<void>): Promise<void> {
    try {
      await step()
    } catch (error) {
      this.options.onError?.(error)
    }
  }
}
