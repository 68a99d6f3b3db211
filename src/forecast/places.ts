import { kooberError } from '../errors.js'
import { kmeans2d } from './kmeans.js'

/**
 * Places: the areas demand is counted in. Either k-means clusters of pickup
 * locations (the original Koober's 200), or a fixed N×N grid.
 *
 * @example
 * ```ts
 * const places = fitPlaces(parsePlacesSpec('kmeans:200'), trainingPickups, { seed: 1 })
 * places.placeOf(40.75, -73.99)   // 0 ≤ place < 200
 * const copy = loadPlaces(JSON.parse(JSON.stringify(places.save())))
 * ```
 */
export interface Places {
  readonly kind: 'kmeans' | 'grid'
  readonly count: number
  /** The place of a point: the nearest centre (k-means), or the cell it falls in, edge cells taking the points beyond the bounds (grid). */
  placeOf(lat: number, lng: number): number
  centre(place: number): { lat: number; lng: number }
  /** Plain JSON for `loadPlaces`. */
  save(): SavedPlaces
}

export type PlacesSpec = { kind: 'kmeans'; k: number } | { kind: 'grid'; n: number }

export type SavedPlaces =
  | {
      kind: 'kmeans'
      /** Degrees of longitude are shortened by this factor (cos of the mean latitude) before measuring distances. */
      lngScale: number
      /** [lat, lng] of each place. */
      centres: Array<[number, number]>
    }
  | { kind: 'grid'; n: number; south: number; west: number; north: number; east: number }

const MAX_KMEANS_PLACES = 5000
const MAX_GRID_SIDE = 100
/** Grid bounds ignore this share of points on each side, so a few pickups far out of town do not stretch every cell. */
const GRID_TRIM = 0.005

/**
 * Reads `kmeans:K` (K clusters of the training pickups) or `grid:N` (N×N
 * equal cells over the box holding the training pickups, less the outer
 * 0.5 % on each side).
 */
export function parsePlacesSpec(text: string): PlacesSpec {
  const match = /^(kmeans|grid):(\d+)$/.exec(text.trim())
  if (!match) throw kooberError('KOOBER_INVALID_ARGUMENT', `places are kmeans:K or grid:N (e.g. kmeans:200, grid:20), got ${JSON.stringify(text)}`)
  const size = Number(match[2])
  if (match[1] === 'kmeans') {
    if (size < 1 || size > MAX_KMEANS_PLACES) throw kooberError('KOOBER_INVALID_ARGUMENT', `kmeans:K takes K from 1 to ${MAX_KMEANS_PLACES}, got ${size}`)
    return { kind: 'kmeans', k: size }
  }
  if (size < 1 || size > MAX_GRID_SIDE) throw kooberError('KOOBER_INVALID_ARGUMENT', `grid:N takes N from 1 to ${MAX_GRID_SIDE} (N×N cells), got ${size}`)
  return { kind: 'grid', n: size }
}

export function describePlacesSpec(spec: PlacesSpec): string {
  return spec.kind === 'kmeans' ? `kmeans:${spec.k}` : `grid:${spec.n}`
}

export interface FitPlacesOptions {
  /** Seeds k-means++ (default 1): the same pickups and seed give the same places. */
  seed?: number
  onIteration?: (iteration: number, moved: number) => void
}

/** Fits places to pickup locations (the training period's: places must not learn from the future). */
export function fitPlaces(spec: PlacesSpec, points: ReadonlyArray<{ lat: number; lng: number }>, options: FitPlacesOptions = {}): Places {
  if (points.length === 0) throw kooberError('KOOBER_INVALID_ARGUMENT', 'places need at least one pickup to fit')
  if (spec.kind === 'grid') return gridPlaces({ kind: 'grid', n: spec.n, ...trimmedBounds(points) })
  const lngScale = Math.cos((meanLatitude(points) * Math.PI) / 180)
  const xs = new Float64Array(points.length)
  const ys = new Float64Array(points.length)
  points.forEach((p, i) => {
    xs[i] = p.lng * lngScale
    ys[i] = p.lat
  })
  const { centres } = kmeans2d(xs, ys, { k: spec.k, seed: options.seed ?? 1, ...(options.onIteration ? { onIteration: options.onIteration } : {}) })
  const saved: Array<[number, number]> = []
  for (let c = 0; c < spec.k; c++) saved.push([centres[2 * c + 1]!, centres[2 * c]! / lngScale])
  return kmeansPlaces({ kind: 'kmeans', lngScale, centres: saved })
}

/** Rebuilds places from `save()`'s JSON; refuses anything else with a clear error. */
export function loadPlaces(saved: unknown): Places {
  const s = saved as Record<string, unknown> | null
  if (s?.kind === 'kmeans') {
    const centres = s.centres
    const valid =
      isFiniteNumber(s.lngScale) &&
      s.lngScale > 0 &&
      Array.isArray(centres) &&
      centres.length > 0 &&
      centres.every((c) => Array.isArray(c) && c.length === 2 && isFiniteNumber(c[0]) && isFiniteNumber(c[1]))
    if (!valid) throw kooberError('KOOBER_INVALID_ARGUMENT', 'saved k-means places need lngScale > 0 and centres as a non-empty list of [lat, lng]')
    return kmeansPlaces({ kind: 'kmeans', lngScale: s.lngScale as number, centres: (centres as Array<[number, number]>).map(([lat, lng]) => [lat, lng]) })
  }
  if (s?.kind === 'grid') {
    const { n, south, west, north, east } = s
    const valid =
      Number.isSafeInteger(n) && (n as number) >= 1 && [south, west, north, east].every(isFiniteNumber) && (north as number) > (south as number) && (east as number) > (west as number)
    if (!valid) throw kooberError('KOOBER_INVALID_ARGUMENT', 'saved grid places need a whole n ≥ 1 and bounds with north > south and east > west')
    return gridPlaces({ kind: 'grid', n: n as number, south: south as number, west: west as number, north: north as number, east: east as number })
  }
  throw kooberError('KOOBER_INVALID_ARGUMENT', `saved places must have kind "kmeans" or "grid", got ${JSON.stringify(s?.kind)}`)
}

function kmeansPlaces(saved: Extract<SavedPlaces, { kind: 'kmeans' }>): Places {
  const k = saved.centres.length
  const { lngScale } = saved
  const xs = new Float64Array(k)
  const ys = new Float64Array(k)
  saved.centres.forEach(([lat, lng], c) => {
    xs[c] = lng * lngScale
    ys[c] = lat
  })
  return {
    kind: 'kmeans',
    count: k,
    placeOf(lat, lng) {
      const x = lng * lngScale
      let best = 0
      let bestDistance = Infinity
      for (let c = 0; c < k; c++) {
        const dx = x - xs[c]!
        const dy = lat - ys[c]!
        const d = dx * dx + dy * dy
        if (d < bestDistance) {
          bestDistance = d
          best = c
        }
      }
      return best
    },
    centre(place) {
      const c = saved.centres[checkPlace(place, k)]!
      return { lat: c[0], lng: c[1] }
    },
    save: () => ({ kind: 'kmeans', lngScale, centres: saved.centres.map(([lat, lng]) => [lat, lng]) }),
  }
}

function gridPlaces(saved: Extract<SavedPlaces, { kind: 'grid' }>): Places {
  const { n, south, west, north, east } = saved
  const cell = (value: number, low: number, high: number): number => Math.min(n - 1, Math.max(0, Math.floor(((value - low) / (high - low)) * n)))
  return {
    kind: 'grid',
    count: n * n,
    // Row-major from the south-west corner: place = row * n + column.
    placeOf: (lat, lng) => cell(lat, south, north) * n + cell(lng, west, east),
    centre(place) {
      checkPlace(place, n * n)
      const row = Math.floor(place / n)
      const column = place % n
      return { lat: south + ((row + 0.5) * (north - south)) / n, lng: west + ((column + 0.5) * (east - west)) / n }
    },
    save: () => ({ ...saved }),
  }
}

function trimmedBounds(points: ReadonlyArray<{ lat: number; lng: number }>): { south: number; west: number; north: number; east: number } {
  const lats = Float64Array.from(points, (p) => p.lat).sort()
  const lngs = Float64Array.from(points, (p) => p.lng).sort()
  const low = Math.floor(GRID_TRIM * (points.length - 1))
  const high = points.length - 1 - low
  let [south, north, west, east] = [lats[low]!, lats[high]!, lngs[low]!, lngs[high]!]
  // All points on one line would give cells of no size.
  if (north - south < 1e-9) [south, north] = [south - 1e-4, north + 1e-4]
  if (east - west < 1e-9) [west, east] = [west - 1e-4, east + 1e-4]
  return { south, west, north, east }
}

function meanLatitude(points: ReadonlyArray<{ lat: number }>): number {
  let sum = 0
  for (const p of points) sum += p.lat
  return sum / points.length
}

function checkPlace(place: number, count: number): number {
  if (!Number.isSafeInteger(place) || place < 0 || place >= count) throw kooberError('KOOBER_INVALID_ARGUMENT', `no place ${place}: places are 0 to ${count - 1}`)
  return place
}

const isFiniteNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value)
