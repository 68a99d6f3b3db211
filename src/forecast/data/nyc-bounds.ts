/**
 * New York City's five boroughs in a box, with a little room (Staten Island's
 * west shore at -74.26, the Bronx's north edge at 40.92, Queens' east edge at
 * -73.70). A pickup outside it is not one of the city's: the FOIL files hold
 * a few from as far as Pennsylvania, and the TLC's hold thousands at 0,0.
 */
export const NYC_BOUNDS = { south: 40.45, north: 41.0, west: -74.3, east: -73.65 } as const

/**
 * Whether a point lies within NYC_BOUNDS (edges included).
 *
 * @example
 * ```ts
 * inNewYorkCity(40.758, -73.9855) // true: Times Square
 * inNewYorkCity(0, 0)             // false
 * ```
 */
export function inNewYorkCity(lat: number, lng: number): boolean {
  return lat >= NYC_BOUNDS.south && lat <= NYC_BOUNDS.north && lng >= NYC_BOUNDS.west && lng <= NYC_BOUNDS.east
}
