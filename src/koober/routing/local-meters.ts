import type { LatLon } from '../protocol.js'

/** Meters in one degree of latitude, on a sphere of the mean Earth radius (IUGG, as in geo.ts). */
const METERS_PER_DEGREE = (Math.PI / 180) * 6_371_008.8

/**
 * A flat east/north frame in meters around an origin (equirectangular): good
 * to well under a meter over a city, and cheap, which is all a street-like
 * route needs. A degree of longitude shrinks with the cosine of the latitude,
 * so the frame takes one reference latitude for the whole trip.
 */
export interface LocalFrame {
  origin: LatLon
  metersPerDegreeLon: number
}

/**
 * The frame around `origin`, with longitudes scaled at `referenceLat`.
 *
 * @example
 * ```ts
 * const frame = localFrame({ lat: 40.758, lon: -73.9855 })
 * toLocal(frame, { lat: 40.759, lon: -73.9855 }) // { x: 0, y: 111.19... }
 * ```
 */
export function localFrame(origin: LatLon, referenceLat = origin.lat): LocalFrame {
  return { origin, metersPerDegreeLon: METERS_PER_DEGREE * Math.cos((referenceLat * Math.PI) / 180) }
}

/** Meters east (`x`) and north (`y`) of the frame's origin. */
export function toLocal(frame: LocalFrame, point: LatLon): { x: number; y: number } {
  return { x: (point.lon - frame.origin.lon) * frame.metersPerDegreeLon, y: (point.lat - frame.origin.lat) * METERS_PER_DEGREE }
}

/** The point `x` meters east and `y` meters north of the frame's origin, as [lat, lon]. */
export function fromLocal(frame: LocalFrame, x: number, y: number): [number, number] {
  return [frame.origin.lat + y / METERS_PER_DEGREE, frame.origin.lon + x / frame.metersPerDegreeLon]
}
