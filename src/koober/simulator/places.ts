import { distanceMeters } from '../geo.js'
import type { Bounds, LatLon } from '../protocol.js'
import type { Random } from './random.js'

/** Where simulated people stand by default: Manhattan, with a little of its shores. */
export const MANHATTAN: Bounds = { south: 40.7, west: -74.02, north: 40.8, east: -73.93 }

const METERS_PER_DEGREE_LAT = 111_195

/** Six decimals (about 10 cm): what a phone's GPS gives, and short on the wire. */
export function roundPosition(point: LatLon): LatLon {
  return { lat: Math.round(point.lat * 1e6) / 1e6, lon: Math.round(point.lon * 1e6) / 1e6 }
}

export function contains(bounds: Bounds, point: LatLon): boolean {
  return point.lat >= bounds.south && point.lat <= bounds.north && point.lon >= bounds.west && point.lon <= bounds.east
}

/** A point drawn uniformly (in degrees) inside `bounds`. */
export function randomPointIn(bounds: Bounds, random: Random): LatLon {
  return roundPosition({ lat: random.between(bounds.south, bounds.north), lon: random.between(bounds.west, bounds.east) })
}

/**
 * The point `meters` away from `from` towards `bearing` (radians clockwise
 * from north). Flat-earth arithmetic: for a few kilometers the error is
 * centimeters, far below what the simulation cares about.
 */
export function offset(from: LatLon, meters: number, bearing: number): LatLon {
  const dLat = (meters * Math.cos(bearing)) / METERS_PER_DEGREE_LAT
  const dLon = (meters * Math.sin(bearing)) / (METERS_PER_DEGREE_LAT * Math.cos((from.lat * Math.PI) / 180))
  return roundPosition({ lat: from.lat + dLat, lon: from.lon + dLon })
}

/**
 * A destination `minMeters` to `maxMeters` from `from`, inside `within` when
 * a few draws find one there (from a corner most directions leave the area).
 */
export function randomDestination(from: LatLon, random: Random, within: Bounds, minMeters = 1000, maxMeters = 5000): LatLon {
  let candidate = from
  for (let attempt = 0; attempt < 20; attempt++) {
    candidate = offset(from, random.between(minMeters, maxMeters), random.between(0, 2 * Math.PI))
    if (contains(within, candidate)) return candidate
  }
  return candidate
}

/** A view of about `radiusMeters` around `center`, as a map centred there would show. */
export function boundsAround(center: LatLon, radiusMeters: number): Bounds {
  const dLat = radiusMeters / METERS_PER_DEGREE_LAT
  const dLon = radiusMeters / (METERS_PER_DEGREE_LAT * Math.cos((center.lat * Math.PI) / 180))
  const clamp = (x: number, limit: number): number => Math.max(-limit, Math.min(limit, x))
  return {
    south: clamp(center.lat - dLat, 90),
    west: clamp(center.lon - dLon, 180),
    north: clamp(center.lat + dLat, 90),
    east: clamp(center.lon + dLon, 180),
  }
}

/** Moves `from` up to `meters` in a random direction, staying inside `within`. */
export function wander(from: LatLon, random: Random, within: Bounds, meters: number): LatLon {
  for (let attempt = 0; attempt < 8; attempt++) {
    const next = offset(from, random.between(meters / 2, meters), random.between(0, 2 * Math.PI))
    if (contains(within, next)) return next
  }
  // Stuck at an edge: step back towards the middle.
  const middle = { lat: (within.south + within.north) / 2, lon: (within.west + within.east) / 2 }
  const towards = Math.atan2(
    (middle.lon - from.lon) * Math.cos((from.lat * Math.PI) / 180),
    middle.lat - from.lat,
  )
  return offset(from, Math.min(meters, distanceMeters(from, middle)), towards)
}
