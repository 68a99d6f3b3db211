import type { Bounds, LatLon } from './protocol.js'

/** Mean Earth radius (IUGG), meters. */
const EARTH_RADIUS_M = 6_371_008.8

/** Where Koober's city opens: Midtown Manhattan. */
export const CITY_CENTER: LatLon = { lat: 40.758, lon: -73.9855 }
/** The city's clock: demand follows its days and hours (and the shared data's times are in it). */
export const CITY_TIME_ZONE = 'America/New_York'

/** Great-circle distance in meters (haversine). */
export function distanceMeters(a: LatLon, b: LatLon): number {
  const toRad = Math.PI / 180
  const dLat = (b.lat - a.lat) * toRad
  const dLon = (b.lon - a.lon) * toRad
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * toRad) * Math.cos(b.lat * toRad) * Math.sin(dLon / 2) ** 2
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)))
}

/**
 * The fan-out grid: cells of CELL_DEGREES on a side (about 1.1 km north to
 * south, 0.85 km east to west in New York). A socket watches the cells its
 * map shows and hears only of what happens in them.
 */
export const CELL_DEGREES = 0.01
/** The most cells one socket may watch: a view of about 20 by 25 km in New York. */
export const MAX_VIEW_CELLS = 600

/** The grid cell of a point, as `row:column`. */
export function cellOf(point: LatLon): string {
  return `${Math.floor(point.lat / CELL_DEGREES)}:${Math.floor(point.lon / CELL_DEGREES)}`
}

/** The cells a view covers, or undefined when they are more than `max`. */
export function cellsIn(bounds: Bounds, max = MAX_VIEW_CELLS): string[] | undefined {
  const row0 = Math.floor(bounds.south / CELL_DEGREES)
  const row1 = Math.floor(bounds.north / CELL_DEGREES)
  const col0 = Math.floor(bounds.west / CELL_DEGREES)
  const col1 = Math.floor(bounds.east / CELL_DEGREES)
  if ((row1 - row0 + 1) * (col1 - col0 + 1) > max) return undefined
  const cells: string[] = []
  for (let row = row0; row <= row1; row++) for (let col = col0; col <= col1; col++) cells.push(`${row}:${col}`)
  return cells
}

/** The bounds of a grid cell named as `cellOf` names it. */
export function boundsOfCell(cell: string): Bounds {
  const match = /^(-?\d+):(-?\d+)$/.exec(cell)
  if (!match) throw new Error(`not a grid cell: ${JSON.stringify(cell)}`)
  const row = Number(match[1])
  const col = Number(match[2])
  return { south: row * CELL_DEGREES, west: col * CELL_DEGREES, north: (row + 1) * CELL_DEGREES, east: (col + 1) * CELL_DEGREES }
}
