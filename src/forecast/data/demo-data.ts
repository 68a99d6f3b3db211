import { kooberError } from '../../errors.js'
import type { Pickup } from '../types.js'
import { daysFromCivil, newYorkFields, newYorkToEpoch } from './new-york-time.js'
import { inNewYorkCity } from './nyc-bounds.js'
import { seededRandom as seededGenerator } from '../models/random.js'

/*
 * The original Koober's demo-data generator, made to teach a model something:
 * C places in the city, each with its own size, spread and kind, and N
 * pickups scattered around them over M months, with the city's rhythm. The
 * same options and seed give the same pickups, in time order.
 *
 * Daily rhythm (weekdays): quiet at night (lowest at 04:00), a morning peak
 * at 08:00 and a higher evening peak at 18:00–19:00. Weekends: a late,
 * gentle morning and busy nights. On top, each place's kind shifts its share
 * through the day: offices draw the weekday mornings, nightlife the nights
 * and weekends, homes the morning and evening commutes.
 */

export interface DemoDataOptions {
  /** Pickups in total. */
  records: number
  /** Calendar months of pickups, from `start`. */
  months: number
  /** Places the pickups gather around. */
  clusters: number
  seed: number
  /** The first instant (epoch ms), usually a New York local midnight. */
  start: number
}

export type ClusterKind = 'office' | 'nightlife' | 'home'

export interface DemoCluster {
  lat: number
  lng: number
  /** The spread of its pickups (one standard deviation), in meters. */
  radiusMeters: number
  /** Its relative size. */
  weight: number
  kind: ClusterKind
}

/** Pickups by local hour, relative (weekdays). */
const WEEKDAY_HOURS = [0.5, 0.32, 0.22, 0.16, 0.13, 0.2, 0.45, 0.8, 1.05, 0.95, 0.8, 0.8, 0.85, 0.85, 0.9, 0.95, 1.0, 1.15, 1.3, 1.25, 1.1, 1.0, 0.92, 0.75]
/** Pickups by local hour, relative (Saturdays and Sundays). */
const WEEKEND_HOURS = [0.95, 0.85, 0.7, 0.5, 0.3, 0.2, 0.2, 0.25, 0.35, 0.5, 0.65, 0.75, 0.85, 0.9, 0.9, 0.9, 0.9, 0.95, 1.0, 1.0, 0.95, 0.95, 1.0, 1.0]

/** How a kind of place shifts its share by local hour and day. */
function kindFactor(kind: ClusterKind, hour: number, weekend: boolean): number {
  switch (kind) {
    case 'office':
      if (weekend) return 0.5
      return hour >= 7 && hour <= 10 ? 1.8 : hour >= 11 && hour <= 18 ? 1.2 : hour < 6 ? 0.3 : 0.8
    case 'nightlife':
      return (hour >= 21 || hour <= 2 ? 2.2 : hour >= 6 && hour <= 11 ? 0.4 : 1) * (weekend ? 1.4 : 1)
    case 'home':
      return hour >= 6 && hour <= 9 ? 1.5 : hour >= 17 && hour <= 20 ? 1.3 : 1
  }
}

/** Where cluster centres go: the dense middle of the city (Manhattan, Brooklyn, western Queens, the South Bronx). */
const URBAN = { south: 40.6, north: 40.86, west: -74.02, east: -73.8 } as const
const METERS_PER_DEGREE = 111_320
const HOUR_MS = 3_600_000
const KINDS: readonly ClusterKind[] = ['office', 'nightlife', 'home']

/** The same seed, the same numbers (so the same demo city). */
const seededRandom = (seed: number): (() => number) => seededGenerator(seed).next

/** A standard normal draw (Box–Muller). */
function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())
}

/**
 * The demo's places for a seed: centres in the middle of the city, sizes
 * from a log-normal spread (a few big, many small), spreads of 150 to 1,200 m.
 */
export function demoClusters(count: number, seed: number): DemoCluster[] {
  const random = seededRandom(seed ^ 0x5bd1e995)
  return Array.from({ length: count }, (_, i) => ({
    lat: URBAN.south + random() * (URBAN.north - URBAN.south),
    lng: URBAN.west + random() * (URBAN.east - URBAN.west),
    radiusMeters: 150 + random() * 1050,
    weight: Math.exp(gaussian(random)),
    kind: KINDS[i % KINDS.length]!,
  }))
}

/** The instant `months` calendar months after `start`, by the New York clock. */
export function addMonths(start: number, months: number): number {
  const { year, month, day, hour, minute } = newYorkFields(start)
  const index = year * 12 + (month - 1) + months
  // Day 31 of a 30-day month rolls into the next, as Date does.
  const date = new Date((daysFromCivil(Math.floor(index / 12), (index % 12) + 1, 1) + day - 1) * 86_400_000)
  const withinMinute = start - Math.floor(start / 60_000) * 60_000
  return newYorkToEpoch(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), hour, minute, 0) + withinMinute
}

function checkOptions(options: DemoDataOptions): void {
  const whole = (name: string, value: number, min: number, max: number): void => {
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      throw kooberError('KOOBER_INVALID_ARGUMENT', `demo data: ${name} must be a whole number from ${min} to ${max}, got ${value}`)
    }
  }
  whole('records', options.records, 1, 1_000_000_000)
  whole('months', options.months, 1, 1200)
  whole('clusters', options.clusters, 1, 100_000)
  whole('seed', options.seed, 0, 2 ** 32 - 1)
  if (!Number.isSafeInteger(options.start)) throw kooberError('KOOBER_INVALID_ARGUMENT', `demo data: start must be an epoch ms, got ${options.start}`)
}

/**
 * The demo pickups, in time order, `chunkSize` at a time (a big demo is
 * never all in memory). Exactly `records` pickups over the months from
 * `start`; each hour gets its share by the rhythm, each pickup a place by
 * its hour's mix of clusters and a point scattered around it (inside the
 * city).
 *
 * @example
 * ```ts
 * for (const chunk of demoPickups({ records: 100_000, months: 1, clusters: 20, seed: 7, start: newYorkToEpoch(2024, 1, 1, 0, 0, 0) })) save(chunk)
 * ```
 */
export function* demoPickups(options: DemoDataOptions, chunkSize = 50_000): Generator<Pickup[]> {
  checkOptions(options)
  const clusters = demoClusters(options.clusters, options.seed)
  const random = seededRandom(options.seed)
  const end = addMonths(options.start, options.months)
  const hours: number[] = []
  const weights: number[] = []
  let total = 0
  for (let hour = options.start; hour < end; hour += HOUR_MS) {
    const { hour: clock, weekday } = newYorkFields(hour)
    const weight = (weekday === 0 || weekday === 6 ? WEEKEND_HOURS : WEEKDAY_HOURS)[clock]!
    hours.push(hour)
    weights.push(weight)
    total += weight
  }
  const shares = new Float64Array(clusters.length)
  let chunk: Pickup[] = []
  let made = 0
  let sum = 0
  for (let h = 0; h < hours.length; h++) {
    sum += weights[h]!
    // Rounding the running total, not each hour, makes the counts add up to exactly `records`.
    const count = Math.round((options.records * sum) / total) - made
    if (count <= 0) continue
    const { hour: clock, weekday } = newYorkFields(hours[h]!)
    const weekend = weekday === 0 || weekday === 6
    let mix = 0
    for (let c = 0; c < clusters.length; c++) shares[c] = mix += clusters[c]!.weight * kindFactor(clusters[c]!.kind, clock, weekend)
    const times = Array.from({ length: count }, () => hours[h]! + Math.floor(random() * HOUR_MS)).sort((a, b) => a - b)
    for (const time of times) {
      chunk.push({ time, ...placeNear(clusters[pick(shares, random() * mix)]!, random) })
      if (chunk.length === chunkSize) {
        yield chunk
        chunk = []
      }
    }
    made += count
  }
  if (chunk.length > 0) yield chunk
}

/** The first index whose running share exceeds `target` (binary search). */
function pick(shares: Float64Array, target: number): number {
  let low = 0
  let high = shares.length - 1
  while (low < high) {
    const middle = (low + high) >>> 1
    if (shares[middle]! > target) high = middle
    else low = middle + 1
  }
  return low
}

/** A point scattered around a cluster's centre (normal in both directions), redrawn until it is in the city. */
function placeNear(cluster: DemoCluster, random: () => number): { lat: number; lng: number } {
  for (let attempt = 0; attempt < 8; attempt++) {
    const lat = cluster.lat + (gaussian(random) * cluster.radiusMeters) / METERS_PER_DEGREE
    const lng = cluster.lng + (gaussian(random) * cluster.radiusMeters) / (METERS_PER_DEGREE * Math.cos((cluster.lat * Math.PI) / 180))
    if (inNewYorkCity(lat, lng)) return { lat, lng }
  }
  return { lat: cluster.lat, lng: cluster.lng }
}
