import { distanceMeters } from '../geo.js'
import type { LatLon } from '../protocol.js'

/*
 * Driving a car along a planned route: where it is after so many meters, and
 * how far it still has to go. Routes are [lat, lon] points, as in a ride's
 * `route`; between two points a car goes straight (linear in degrees, which is
 * straight enough over the few hundred meters of a leg).
 */

/** One point of a route: [lat, lon]. */
export type RoutePoint = readonly [lat: number, lon: number]
/** A route: its points in driving order. */
export type Route = readonly RoutePoint[]

const latLon = (point: RoutePoint): LatLon => ({ lat: point[0], lon: point[1] })

/**
 * The length of a route in meters: the sum of its legs (great-circle). Zero
 * for an empty route or a single point.
 *
 * @example
 * ```ts
 * routeLengthMeters([[40.758, -73.9855], [40.759, -73.9855]]) // 111.19...
 * ```
 */
export function routeLengthMeters(route: Route): number {
  let total = 0
  for (let i = 1; i < route.length; i++) total += distanceMeters(latLon(route[i - 1]!), latLon(route[i]!))
  return total
}

/** Where a car is after so many meters: its position, and the index of the last route point it has passed (the end's, once there). */
interface Place {
  point: LatLon
  index: number
}

function locate(route: Route, meters: number): Place {
  if (route.length === 0) throw new RangeError('an empty route has no points to drive along')
  if (Number.isNaN(meters)) throw new RangeError('meters along a route must be a number, got NaN')
  if (meters <= 0) return { point: latLon(route[0]!), index: 0 }
  let left = meters
  for (let i = 1; i < route.length; i++) {
    const a = route[i - 1]!
    const b = route[i]!
    const leg = distanceMeters(latLon(a), latLon(b))
    // left >= 0 here, so left < leg means leg > 0: a zero-length leg is simply passed.
    if (left < leg) {
      const f = left / leg
      return { point: { lat: a[0] + (b[0] - a[0]) * f, lon: a[1] + (b[1] - a[1]) * f }, index: i - 1 }
    }
    left -= leg
  }
  return { point: latLon(route.at(-1)!), index: route.length - 1 }
}

/**
 * The position `meters` from the start of a route: the start at 0 or less,
 * the end at its length or more.
 *
 * @example
 * ```ts
 * const route = streetRoute(pickup, destination)
 * const position = pointAlong(route, speedMetersPerSecond * secondsDriven)
 * ```
 */
export function pointAlong(route: Route, meters: number): LatLon {
  return locate(route, meters).point
}

/**
 * How far a car `meters` from the start still has to go (never negative):
 * what an ETA is made of.
 *
 * @example
 * ```ts
 * const etaSeconds = Math.ceil(remainingMeters(route, driven) / speedMetersPerSecond)
 * ```
 */
export function remainingMeters(route: Route, meters: number): number {
  if (Number.isNaN(meters)) throw new RangeError('meters along a route must be a number, got NaN')
  return Math.max(0, routeLengthMeters(route) - Math.max(0, meters))
}

/**
 * The part of a route still ahead of a car `meters` from the start: its
 * position, then the points it has not passed yet. At the end, the end
 * alone.
 *
 * @example
 * ```ts
 * remainingRoute([[0, 0], [0, 0.001], [0, 0.002]], 150) // [[0, 0.00135], [0, 0.002]]
 * ```
 */
export function remainingRoute(route: Route, meters: number): Array<[number, number]> {
  const { point, index } = locate(route, meters)
  const ahead = route.slice(index + 1).map(([lat, lon]): [number, number] => [lat, lon])
  return [[point.lat, point.lon], ...ahead]
}

/**
 * Whether a car `meters` from the start has reached the end of the route.
 *
 * @example
 * ```ts
 * if (arrived(route, driven)) completeRide()
 * ```
 */
export function arrived(route: Route, meters: number): boolean {
  return meters >= routeLengthMeters(route)
}
