import type { LatLon } from '../protocol.js'
import { fromLocal, localFrame, toLocal } from './local-meters.js'

/** Manhattan's grid is turned about 29° clockwise from true north: avenues run at this bearing, streets at 90° more. */
export const GRID_BEARING_DEGREES = 29
/** About how far apart avenues are, meters: a crosstown block. */
export const AVENUE_SPACING_M = 270
/** About how far apart streets are, meters: an uptown block. */
export const STREET_SPACING_M = 80
/** At most this many steps of the staircase, so a long trip stays a few legs and not hundreds of points. */
const MAX_STEPS = 8
/** Legs shorter than this (meters) are rounding noise, not turns. */
const EPSILON_M = 1e-6

/** A point of the grid: meters uptown (along the avenues) and crosstown (along the streets) of the start. */
type GridPoint = [up: number, across: number]

const theta = (GRID_BEARING_DEGREES * Math.PI) / 180
/** Unit vectors, east and north components: along an avenue (uptown) and along a street (crosstown, eastward). */
const AVENUE = { x: Math.sin(theta), y: Math.cos(theta) }
const STREET = { x: Math.cos(theta), y: -Math.sin(theta) }

/**
 * A street-like path from `from` to `to` without any map data: it drives on
 * a virtual Manhattan grid, alternating legs along the avenues and along the
 * streets, and turns only at whole blocks from the start (except the last
 * legs, which end exactly at `to`). Every leg follows one of the two grid
 * directions, so the path is `|uptown| + |crosstown|` long: at least the
 * straight line and at most √2 times it. Same input, same path.
 *
 * Points are [lat, lon]; the first is exactly `from` and the last exactly
 * `to` (two points even when they are the same place).
 *
 * @example
 * ```ts
 * // Times Square to Grand Central: a block down 7th Avenue, two avenues across, down again, across again
 * streetRoute({ lat: 40.758, lon: -73.9855 }, { lat: 40.7527, lon: -73.9772 })
 * // [[40.758, -73.9855], [40.75737, -73.98596], [40.75502, -73.98035], [40.75426, -73.98091], [40.7527, -73.9772]]
 * ```
 */
export function streetRoute(from: LatLon, to: LatLon): Array<[number, number]> {
  // One reference latitude for both directions of the conversion, so that the grid's right angles survive it.
  const frame = localFrame(from, (from.lat + to.lat) / 2)
  const { x, y } = toLocal(frame, to)
  const uptown = x * AVENUE.x + y * AVENUE.y
  const crosstown = x * STREET.x + y * STREET.y
  const corners = staircase(uptown, crosstown)
  const route = corners.slice(1, -1).map(([u, v]) => fromLocal(frame, u * AVENUE.x + v * STREET.x, u * AVENUE.y + v * STREET.y))
  return [[from.lat, from.lon], ...route, [to.lat, to.lon]]
}

/**
 * The corners, in grid meters (uptown, crosstown), of a staircase from
 * (0, 0) to (u, v): each step goes some whole streets up an avenue, then
 * some whole avenues across on a street. About one step per crosstown block
 * (a step must also have a street block or more to climb), at most MAX_STEPS.
 */
function staircase(u: number, v: number): GridPoint[] {
  const steps = Math.max(1, Math.min(MAX_STEPS, Math.floor(Math.abs(u) / STREET_SPACING_M), Math.floor(Math.abs(v) / AVENUE_SPACING_M)))
  const corners: GridPoint[] = [[0, 0]]
  let across = 0
  for (let i = 1; i < steps; i++) {
    const up = toBlock((u * i) / steps, STREET_SPACING_M)
    corners.push([up, across])
    across = toBlock((v * i) / steps, AVENUE_SPACING_M)
    corners.push([up, across])
  }
  corners.push([u, across], [u, v])
  return turnsOnly(corners)
}

/** The nearest whole number of blocks, rounded the same way either side of zero so that a trip and its mirror image match. */
function toBlock(meters: number, block: number): number {
  return Math.sign(meters) * Math.round(Math.abs(meters) / block) * block
}

/**
 * Drops zero-length legs and the points between two legs on the same line, so
 * every point left is the start, a turn, or the end (at least the start and
 * the end: a trip to where it starts is one leg of zero length).
 */
function turnsOnly(corners: GridPoint[]): GridPoint[] {
  const same = (a: GridPoint, b: GridPoint): boolean => Math.abs(a[0] - b[0]) <= EPSILON_M && Math.abs(a[1] - b[1]) <= EPSILON_M
  const distinct: GridPoint[] = []
  for (const corner of corners) if (distinct.length === 0 || !same(corner, distinct.at(-1)!)) distinct.push(corner)
  if (distinct.length === 1) return [corners[0]!, corners.at(-1)!]
  // Every leg is along one axis: it either keeps the uptown coordinate (a street leg) or not (an avenue leg).
  const onStreet = (a: GridPoint, b: GridPoint): boolean => Math.abs(a[0] - b[0]) <= EPSILON_M
  const kept: GridPoint[] = [distinct[0]!]
  for (let i = 1; i < distinct.length - 1; i++) {
    if (onStreet(kept.at(-1)!, distinct[i]!) !== onStreet(distinct[i]!, distinct[i + 1]!)) kept.push(distinct[i]!)
  }
  kept.push(distinct.at(-1)!)
  return kept
}
