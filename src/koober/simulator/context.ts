import type { Bounds } from '../protocol.js'
import { MANHATTAN } from './places.js'

/** How a simulation behaves; every field but `url`, `drivers` and `ridersPerMinute` has a default. */
export interface SimulatorOptions {
  /** The web server, e.g. http://127.0.0.1:8080 (ws:// works too). */
  url: string
  /** Drivers online from the start (each reconnects as a new driver if the server drops it). */
  drivers: number
  /** Riders arriving per minute on average (a Poisson process). */
  ridersPerMinute: number
  /** The same seed gives the same places, destinations, arrivals and reaction times. Default 1. */
  seed?: number
  /** Where drivers wander and riders appear. Default MANHATTAN. */
  area?: Bounds
  /** Half the width of a driver's map: the requests it can see. Default 1500 m. */
  driverViewMeters?: number
  /** Half the width of a rider's map. Default 800 m. */
  riderViewMeters?: number
  /** An idle driver moves and sends its position this often. Default 3000 ms. */
  wanderEveryMs?: number
  /** How far an idle driver moves each time, at most. Default 150 m. */
  wanderMeters?: number
  /** The farthest pickup a driver accepts. Default 2500 m. */
  acceptRadiusMeters?: number
  /** A driver looks at a request this long before accepting: [min, max] ms. Default [300, 1500]. */
  reactionMs?: [number, number]
  /** A rider not picked up this long after requesting cancels and leaves. Default 180,000 ms. */
  riderPatienceMs?: number
  /** A rider whose ride has not ended this long after pickup leaves anyway (counted as an error). Default 1,800,000 ms. */
  rideTimeoutMs?: number
  /** How long one socket may take to get its welcome. Default 10,000 ms. */
  connectTimeoutMs?: number
  /** Drivers connecting at once at the start. Default 50. */
  connectConcurrency?: number
}

export type ResolvedOptions = Required<SimulatorOptions>

export function resolveOptions(options: SimulatorOptions): ResolvedOptions {
  const resolved: ResolvedOptions = {
    seed: 1,
    area: MANHATTAN,
    driverViewMeters: 1500,
    riderViewMeters: 800,
    wanderEveryMs: 3000,
    wanderMeters: 150,
    acceptRadiusMeters: 2500,
    reactionMs: [300, 1500],
    riderPatienceMs: 180_000,
    rideTimeoutMs: 1_800_000,
    connectTimeoutMs: 10_000,
    connectConcurrency: 50,
    ...stripUndefined(options),
    url: options.url,
    drivers: options.drivers,
    ridersPerMinute: options.ridersPerMinute,
  }
  if (!Number.isSafeInteger(resolved.drivers) || resolved.drivers < 0) throw new RangeError(`drivers must be a whole number >= 0, got ${resolved.drivers}`)
  if (!Number.isFinite(resolved.ridersPerMinute) || resolved.ridersPerMinute < 0) {
    throw new RangeError(`ridersPerMinute must be a number >= 0, got ${resolved.ridersPerMinute}`)
  }
  const [min, max] = resolved.reactionMs
  if (!(min >= 0 && max >= min)) throw new RangeError(`reactionMs must be [min, max] with 0 <= min <= max, got [${min}, ${max}]`)
  return resolved
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>
}

/** What a simulation has done so far. */
export interface SimulatorCounters {
  /** Sockets open now, drivers and riders. */
  connected: number
  /** Driver sockets open now. */
  drivers: number
  /** Riders who have arrived since the start (each with a socket of their own). */
  riders: number
  /** Ride requests sent. */
  requests: number
  /** Accepts the server confirmed (each ride is accepted once). */
  accepted: number
  /** Rides that reached their destination. */
  completed: number
  /** Rides cancelled, whoever cancelled them. */
  cancelled: number
  /** Riders who waited longer than their patience and cancelled. */
  gaveUp: number
  /**
   * Errors by code: the protocol's `error` codes (`ride-taken` is normal:
   * two drivers raced for one ride), plus `connect` (a socket that never got
   * its welcome), `closed` (the server closed a socket), `timeout` (a ride
   * that never ended) and `bad-message` (a frame the simulator could not read).
   */
  errors: Record<string, number>
}

export function emptyCounters(): SimulatorCounters {
  return { connected: 0, drivers: 0, riders: 0, requests: 0, accepted: 0, completed: 0, cancelled: 0, gaveUp: 0, errors: {} }
}

/** What every simulated person shares: the settings, the counters, and whether the simulation is stopping. */
export interface SimContext {
  readonly options: ResolvedOptions
  readonly counters: SimulatorCounters
  readonly stopping: boolean
  countError(code: string): void
}
