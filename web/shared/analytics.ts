/*
 * The analytics API as the dashboard reads it (src/web/analytics-feed.ts),
 * with the server's own result type imported as a type only, and the
 * figures' formats and the demand-over-supply color scale the map and its
 * legend share.
 */
import type { AnalyticsResult } from '../../src/koober/analytics/city-analytics.js'
import { clock } from './chart.js'
import type { Bounds } from './protocol.js'

export type { AnalyticsResult }

/** The citywide area's name in the API. */
export const CITY = 'city'

export interface Series {
  area: string
  minutes: number
  results: AnalyticsResult[]
}

export type AreaResult = AnalyticsResult & { bounds: Bounds }

export interface Areas {
  windowStart: number | null
  windowEnd: number | null
  areas: AreaResult[]
}

async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const response = await fetch(path, { cache: 'no-store', headers: { accept: 'application/json' }, ...(signal ? { signal } : {}) })
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`)
  return (await response.json()) as T
}

/** One area's windows of `minutes` over the last hour, oldest first. */
export function fetchSeries(area: string, minutes: 1 | 5, signal?: AbortSignal): Promise<Series> {
  const query = new URLSearchParams({ area, minutes: String(minutes), sinceMinutes: '60' })
  return getJson<Series>(`/api/analytics?${query}`, signal)
}

/** Every area of the newest 1-minute window. */
export function fetchAreas(signal?: AbortSignal): Promise<Areas> {
  return getJson<Areas>('/api/analytics/areas', signal)
}

/** Still being counted: the window has not closed, and its figures will change. */
export const isProvisional = (result: AnalyticsResult): boolean => result.firing === 'early'

export const areaName = (area: string): string => (area === CITY ? 'Citywide' : `Area ${area}`)

/** A window as a person reads it: 14:05–14:06. */
export const windowText = (start: number, end: number): string => `${clock(start)}–${clock(end)}`

export const formatRatio = (ratio: number | null): string => (ratio === null ? 'no driver' : ratio.toFixed(2))
export const formatSeconds = (seconds: number | null): string => (seconds === null ? '–' : seconds < 120 ? `${Math.round(seconds)} s` : `${(seconds / 60).toFixed(1)} min`)
export const formatKm = (meters: number | null): string => (meters === null ? '–' : `${(meters / 1000).toFixed(2)} km`)

/**
 * Demand over supply in bins, blue (drivers to spare) through red (riders
 * waiting), even steps on a log scale around 1 (one request a minute per
 * available driver). Bins rather than a continuous ramp so the legend reads
 * exactly and a test can compare shades. ColorBrewer RdBu, colorblind-safe.
 */
export const DEMAND_BINS: ReadonlyArray<{ below: number; color: string; label: string }> = [
  { below: 0.25, color: '#2166ac', label: '< 0.25' },
  { below: 0.5, color: '#67a9cf', label: '0.25–0.5' },
  { below: 1, color: '#d1e5f0', label: '0.5–1' },
  { below: 2, color: '#fddbc7', label: '1–2' },
  { below: 4, color: '#ef8a62', label: '2–4' },
  { below: Infinity, color: '#b2182b', label: '≥ 4' },
]

/** Requests but no available driver: no ratio, drawn gray and hatched. */
export const NO_DRIVER_COLOR = '#9ca3af'

/** The bin of a ratio (0 = most supply), or undefined when there was no driver. */
export function demandBin(ratio: number | null): number | undefined {
  if (ratio === null) return undefined
  return DEMAND_BINS.findIndex((bin) => ratio < bin.below)
}
