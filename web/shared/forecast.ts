/*
 * The forecast API as the /forecast page reads it (src/web/forecast-api.ts),
 * with the server's reply types imported as types only; New York times as a
 * person reads them; and the demand color scale the map and its legend share.
 */
import { newYorkFields, newYorkToEpoch } from '../../src/forecast/data/new-york-time.js'
import type { SeriesPoint } from '../../src/forecast/serving.js'
import type { WeatherConditions } from '../../src/forecast/types.js'
import type { ErrorReply, ForecastCollection, ModelReply, ModelsReply, PlaceFeature, ScoresReply, SeriesReply } from '../../src/web/forecast-wire.js'

export type { ForecastCollection, ModelReply, ModelsReply, PlaceFeature, ScoresReply, SeriesPoint, SeriesReply, WeatherConditions }
export type Question = ModelReply['question']

/** A reply that is not a 2xx: its status, and the server's message and code when it sent them. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string | undefined,
  ) {
    super(message)
  }
}

async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const response = await fetch(path, { cache: 'no-store', headers: { accept: 'application/json, application/geo+json' }, ...(signal ? { signal } : {}) })
  if (!response.ok) {
    const body = (await response.json().catch(() => undefined)) as ErrorReply | undefined
    throw new ApiError(response.status, body?.error ?? `${path}: HTTP ${response.status}`, body?.code)
  }
  return (await response.json()) as T
}

export function fetchModels(signal?: AbortSignal): Promise<ModelsReply> {
  return getJson<ModelsReply>('/api/forecast/models', signal)
}

export interface ForecastRequest {
  at: number
  question: Question
  algorithm?: string
  /** The what-if weather; without it the server uses what it knows. */
  weather?: WeatherConditions
}

/** Every place's predicted demand in the slot of `at`. */
export function fetchForecast(request: ForecastRequest, signal?: AbortSignal): Promise<ForecastCollection> {
  const query = new URLSearchParams({ at: new Date(request.at).toISOString(), question: request.question })
  if (request.algorithm) query.set('algorithm', request.algorithm)
  if (request.weather) {
    query.set('temperature', String(request.weather.temperature))
    query.set('conditions', conditionsOf(request.weather).join(','))
  }
  return getJson<ForecastCollection>(`/api/forecast?${query}`, signal)
}

/** One place's predicted against actual demand, slot by slot, over [from, until). */
export function fetchPlaceSeries(place: number, from: number, until: number, question: Question, algorithm: string | undefined, signal?: AbortSignal): Promise<SeriesReply> {
  const query = new URLSearchParams({ place: String(place), from: new Date(from).toISOString(), until: new Date(until).toISOString(), question })
  if (algorithm) query.set('algorithm', algorithm)
  return getJson<SeriesReply>(`/api/forecast/series?${query}`, signal)
}

/** The weather flags besides `clear`, which means none of them. */
export const CONDITION_FLAGS = ['fog', 'rain', 'snow', 'hail', 'thunder', 'tornado'] as const

/** The flags a weather has set, `clear` when none. */
export function conditionsOf(weather: WeatherConditions): string[] {
  const set = CONDITION_FLAGS.filter((flag) => weather[flag])
  return set.length === 0 ? ['clear'] : set
}

export function describeWeather(weather: WeatherConditions): string {
  return `${Math.round(weather.temperature * 10) / 10} °C, ${conditionsOf(weather).join(', ')}`
}

/*
 * New York time: the city's clock is what demand follows and what a what-if
 * asks about, whatever zone the browser is in.
 */

const pad = (n: number): string => String(n).padStart(2, '0')
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/** 18:00 */
export function nyClock(time: number): string {
  const f = newYorkFields(time)
  return `${pad(f.hour)}:${pad(f.minute)}`
}

/** Fri 18 Apr 2014 */
export function nyDate(time: number): string {
  const f = newYorkFields(time)
  return `${WEEKDAYS[f.weekday]} ${f.day} ${MONTHS[f.month - 1]} ${f.year}`
}

/** Fri 18 Apr 2014, 18:00–18:30 */
export function slotText(start: number, end: number): string {
  return `${nyDate(start)}, ${nyClock(start)}–${nyClock(end)}`
}

/** Fri 18 Apr 2014 18:30 to Mon 21 Apr 2014 18:30: a period of days. */
export function periodText(from: number, until: number): string {
  return `${nyDate(from)} ${nyClock(from)} to ${nyDate(until)} ${nyClock(until)}`
}

/** The values of a date and a time input for a New York instant: `2014-04-18`, `18:00`. */
export function nyInputs(time: number): { date: string; time: string } {
  const f = newYorkFields(time)
  return { date: `${f.year}-${pad(f.month)}-${pad(f.day)}`, time: `${pad(f.hour)}:${pad(f.minute)}` }
}

/** The instant of a date and a time input read as New York wall-clock time, or undefined when either is incomplete. */
export function fromNyInputs(date: string, time: string): number | undefined {
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date)
  const t = /^(\d{2}):(\d{2})/.exec(time)
  if (!d || !t) return undefined
  return newYorkToEpoch(Number(d[1]), Number(d[2]), Number(d[3]), Number(t[1]), Number(t[2]), 0)
}

/** New York midnights and noons within [from, until]: where the chart's time axis ticks. */
export function nyTicks(from: number, until: number): number[] {
  const ticks: number[] = []
  const first = newYorkFields(from)
  for (let day = 0; ; day++) {
    const midnight = newYorkToEpoch(first.year, first.month, first.day + day, 0, 0, 0)
    if (midnight > until) break
    for (const t of [midnight, newYorkToEpoch(first.year, first.month, first.day + day, 12, 0, 0)]) if (t >= from && t <= until) ticks.push(t)
  }
  return ticks
}

/** A tick's label: the day at midnight, the hour otherwise. */
export function nyTickLabel(time: number): string {
  const f = newYorkFields(time)
  return f.hour === 0 && f.minute === 0 ? `${WEEKDAYS[f.weekday]} ${f.day}` : nyClock(time)
}

/**
 * Predicted pickups in a half hour, in bins: yellow (quiet) through dark red
 * (busy), even steps on a roughly logarithmic scale, since a place's demand
 * spans from under one pickup a night to hundreds at a Midtown rush.
 * Bins rather than a ramp so the legend reads exactly and a test can compare
 * shades. ColorBrewer YlOrRd, colorblind-safe.
 */
export const PICKUP_BINS: ReadonlyArray<{ below: number; color: string; label: string }> = [
  { below: 1, color: '#ffffb2', label: '< 1' },
  { below: 2, color: '#fed976', label: '1–2' },
  { below: 5, color: '#feb24c', label: '2–5' },
  { below: 10, color: '#fd8d3c', label: '5–10' },
  { below: 20, color: '#fc4e2a', label: '10–20' },
  { below: 50, color: '#e31a1c', label: '20–50' },
  { below: Infinity, color: '#b10026', label: '≥ 50' },
]

/** The bin of a predicted demand (0 = quietest). */
export function pickupBin(demand: number): number {
  return PICKUP_BINS.findIndex((bin) => demand < bin.below)
}

/** A circle's radius in pixels: its area grows with demand, so a place twice as busy looks twice as big. */
export function radiusFor(demand: number): number {
  return Math.min(30, 4 + 3 * Math.sqrt(Math.max(0, demand)))
}

export const formatDemand = (demand: number): string => (demand < 10 ? demand.toFixed(1) : String(Math.round(demand)))

/** A score for the evaluation table: RMSE and MAE in pickups, MAPE in percent (as the server sends it). */
export function formatScore(name: keyof ScoresReply, value: number | null | undefined): string {
  if (value === null || value === undefined) return '–'
  return name === 'masked_mape' ? `${value.toFixed(1)} %` : value.toFixed(2)
}

/** A model's name as a person reads it. */
export function algorithmName(algorithm: string): string {
  const names: Record<string, string> = {
    persistence: 'Persistence (last half hour)',
    historical_average: 'Historical average',
    last_week: 'Same slot last week',
    linear: 'Linear regression',
    ridge: 'Ridge regression',
    random_forest: 'Random forest',
    gbt: 'Gradient-boosted trees',
    average: 'Average of the models',
  }
  return names[algorithm] ?? algorithm.replace(/_/g, ' ')
}
