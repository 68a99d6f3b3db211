import { distanceMeters } from '../geo.js'
import type { LatLon } from '../protocol.js'
import { osrmRoute } from './osrm.js'
import { streetRoute } from './street-route.js'

export interface RoutePlannerOptions {
  /** An OSRM server's base URL (e.g. `http://127.0.0.1:5000`). Without one, every route is a street route. */
  osrmUrl?: string
  /** How long one OSRM request may take, ms (osrm.ts's default otherwise). */
  timeoutMs?: number
  /** Told why, each time OSRM gave no route and the planner drew a street route instead. */
  onFallback?: (reason: string, error: unknown) => void
}

export interface RoutePlanner {
  /** A route from `from` to `to` as [lat, lon] points: first `from`, last `to`. Never rejects. */
  plan(from: LatLon, to: LatLon): Promise<Array<[number, number]>>
}

/** Ends of an OSRM route closer than this to `from` or `to` (meters) count as the same place. */
const SAME_PLACE_M = 1

/**
 * The web role's route planner: real roads from OSRM when a server is
 * configured, and the street-like grid route when it is not, or when OSRM
 * fails (unreachable, too slow, no route, a bad answer). A ride never waits
 * on a route that cannot come: a failure costs at most one timeout, and
 * `onFallback` hears of it.
 *
 * @example
 * ```ts
 * const planner = createRoutePlanner({ osrmUrl: 'http://127.0.0.1:5000', onFallback: (reason) => log.warn(reason) })
 * const route = await planner.plan(driver.position, ride.pickup)
 * ```
 */
export function createRoutePlanner(options: RoutePlannerOptions = {}): RoutePlanner {
  const { osrmUrl, timeoutMs, onFallback } = options
  return {
    async plan(from, to) {
      if (!osrmUrl) return streetRoute(from, to)
      try {
        const { points } = await osrmRoute(osrmUrl, from, to, timeoutMs === undefined ? {} : { timeoutMs })
        return withEnds(points, from, to)
      } catch (err) {
        try {
          onFallback?.(err instanceof Error ? err.message : String(err), err)
        } catch {
          // A broken report must not cost the ride its route.
        }
        return streetRoute(from, to)
      }
    },
  }
}

/**
 * OSRM's route from the roads nearest `from` to those nearest `to`, joined to
 * the exact ends: the car is at `from`, and a route that began elsewhere
 * would make it jump.
 */
function withEnds(points: Array<[number, number]>, from: LatLon, to: LatLon): Array<[number, number]> {
  const route = [...points]
  const first = route[0]
  if (!first || distanceMeters({ lat: first[0], lon: first[1] }, from) > SAME_PLACE_M) route.unshift([from.lat, from.lon])
  else route[0] = [from.lat, from.lon]
  const last = route.at(-1)!
  if (route.length < 2 || distanceMeters({ lat: last[0], lon: last[1] }, to) > SAME_PLACE_M) route.push([to.lat, to.lon])
  else route[route.length - 1] = [to.lat, to.lon]
  return route
}
