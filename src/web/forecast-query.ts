import { kooberError } from '../errors.js'
import type { Question } from '../forecast/features.js'
import type { ForecastQuery } from '../forecast/serving.js'
import type { WeatherConditions } from '../forecast/types.js'
import { WEATHER_FLAGS, type Near, type WeatherFlag } from './forecast-wire.js'

/*
 * The /api/forecast query strings, past their JSON schema (types and ranges),
 * into the forecaster's queries: what a schema cannot say (a time with its
 * zone, lat and lng together, a list of known flags, a bounded range) is
 * checked here, each refusal a KOOBER_INVALID_ARGUMENT the route turns into a 400.
 */

/** Around a point without a radius: about a walk of twenty minutes, a neighbourhood. */
export const DEFAULT_RADIUS_METERS = 2000
/** The temperature of a what-if that names conditions but no temperature: a mild day. */
export const MILD_TEMPERATURE = 15
/** The longest series one request may ask for: two weeks of half hours is 672 points, plenty for a chart. */
export const MAX_SERIES_DAYS = 14

const DAY_MS = 86_400_000
/** RFC 3339 with the zone required: a time without one would mean the server's zone, which a caller cannot know. */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i

const invalid = (message: string): Error => kooberError('KOOBER_INVALID_ARGUMENT', message)

/**
 * An ISO 8601 time with its zone as epoch ms.
 *
 * @example
 * ```ts
 * parseInstant('at', '2014-04-18T18:00-04:00') // 1397858400000
 * parseInstant('at', '2014-04-18 18:00')       // throws KOOBER_INVALID_ARGUMENT
 * ```
 */
export function parseInstant(name: string, text: string): number {
  const ms = INSTANT.test(text) ? Date.parse(text) : Number.NaN
  if (!Number.isFinite(ms)) throw invalid(`${name} must be an ISO 8601 time with its zone, e.g. 2014-04-18T18:00:00-04:00 or 2014-04-18T22:00:00Z; got ${JSON.stringify(text)}`)
  return ms
}

/**
 * A comma-separated list of weather flags as the conditions of a what-if.
 * `clear` means no other flag, so it stands alone.
 *
 * @example
 * ```ts
 * parseConditions('rain,thunder') // { clear: false, fog: false, rain: true, ..., thunder: true, tornado: false }
 * ```
 */
export function parseConditions(text: string): Omit<WeatherConditions, 'temperature'> {
  const names = text
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '')
  if (names.length === 0) throw invalid(`conditions must name at least one of ${WEATHER_FLAGS.join(', ')}`)
  const unknown = names.filter((name) => !(WEATHER_FLAGS as readonly string[]).includes(name))
  if (unknown.length > 0) throw invalid(`unknown weather conditions ${unknown.map((name) => JSON.stringify(name)).join(', ')}: conditions are among ${WEATHER_FLAGS.join(', ')}`)
  const flags = new Set(names as WeatherFlag[])
  if (flags.has('clear') && flags.size > 1) throw invalid(`clear goes alone: it means none of ${WEATHER_FLAGS.filter((f) => f !== 'clear').join(', ')}`)
  return {
    clear: flags.has('clear'),
    fog: flags.has('fog'),
    rain: flags.has('rain'),
    snow: flags.has('snow'),
    hail: flags.has('hail'),
    thunder: flags.has('thunder'),
    tornado: flags.has('tornado'),
  }
}

/** GET /api/forecast's query string, as its schema lets it through. */
export interface ForecastParams {
  at?: string
  lat?: number
  lng?: number
  radius?: number
  temperature?: number
  conditions?: string
  question?: Question
  algorithm?: string
}

/**
 * The forecaster's query for GET /api/forecast, and the circle asked around (null: every place).
 *
 * @example
 * ```ts
 * forecastQuery({ at: '2014-04-18T18:00-04:00', lat: 40.75, lng: -73.99, conditions: 'rain' }, Date.now())
 * // { query: { at: 1397858400000, question: 'next', near: { lat: 40.75, lng: -73.99, radiusMeters: 2000 }, weather: { temperature: 15, rain: true, ... } }, near: {...} }
 * ```
 */
export function forecastQuery(params: ForecastParams, now: number): { query: ForecastQuery; near: Near | null } {
  const at = params.at === undefined ? now : parseInstant('at', params.at)
  if ((params.lat === undefined) !== (params.lng === undefined)) throw invalid('lat and lng go together: give both (the places around that point) or neither (every place)')
  if (params.radius !== undefined && params.lat === undefined) throw invalid('radius needs lat and lng: the places within radius meters of that point')
  const near = params.lat !== undefined && params.lng !== undefined ? { lat: params.lat, lng: params.lng, radiusMeters: params.radius ?? DEFAULT_RADIUS_METERS } : null
  const query: ForecastQuery = { at, question: params.question ?? 'next' }
  if (params.algorithm !== undefined) query.algorithm = params.algorithm
  if (near) query.near = near
  if (params.temperature !== undefined || params.conditions !== undefined) {
    const flags = params.conditions === undefined ? parseConditions('clear') : parseConditions(params.conditions)
    query.weather = { temperature: params.temperature ?? MILD_TEMPERATURE, ...flags }
  }
  return { query, near }
}

/** GET /api/forecast/series's query string, as its schema lets it through. */
export interface SeriesParams {
  place: number
  from: string
  until: string
  question?: Question
  algorithm?: string
}

/** The forecaster's series query; `from` before `until`, at most MAX_SERIES_DAYS apart. */
export function seriesQuery(params: SeriesParams): { place: number; from: number; until: number; question: Question; algorithm?: string } {
  const from = parseInstant('from', params.from)
  const until = parseInstant('until', params.until)
  if (from >= until) throw invalid(`from (${params.from}) must come before until (${params.until})`)
  if (until - from > MAX_SERIES_DAYS * DAY_MS) throw invalid(`a series covers at most ${MAX_SERIES_DAYS} days; from ${params.from} until ${params.until} is ${((until - from) / DAY_MS).toFixed(1)} days`)
  return { place: params.place, from, until, question: params.question ?? 'next', ...(params.algorithm !== undefined ? { algorithm: params.algorithm } : {}) }
}
