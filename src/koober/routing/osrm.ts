import { z } from 'zod'
import type { LatLon } from '../protocol.js'

/** How long one OSRM request may take by default, ms: a ride waits for its route. */
export const OSRM_TIMEOUT_MS = 3000

/** A route from OSRM: its points as [lat, lon], meters and seconds as OSRM reckons them. */
export interface OsrmRoute {
  points: Array<[number, number]>
  distanceMeters: number
  durationSeconds: number
}

export interface OsrmRouteOptions {
  /** Aborts the request (then the error's reason is `aborted`). */
  signal?: AbortSignal
  /** Gives up after this many milliseconds, the answer's body included (default OSRM_TIMEOUT_MS). */
  timeoutMs?: number
}

/** Why an OSRM request failed: what a caller may act on (all of them mean "no route from OSRM"). */
export type OsrmFailure = 'invalid-url' | 'unreachable' | 'timeout' | 'aborted' | 'http' | 'no-route' | 'invalid-response'

/** An OSRM request that gave no route. `status` is the HTTP status and `code` OSRM's own (`NoRoute`, `NoSegment`, ...), when there were any. */
export class OsrmError extends Error {
  readonly reason: OsrmFailure
  readonly status: number | undefined
  readonly code: string | undefined

  constructor(reason: OsrmFailure, message: string, details: { status?: number; code?: string; cause?: unknown } = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause })
    this.name = 'OsrmError'
    this.reason = reason
    this.status = details.status
    this.code = details.code
  }
}

/*
 * OSRM's route service answer (docs/http.md of Project-OSRM/osrm-backend):
 * `code` is 'Ok' or an error code, with an optional `message`; with
 * geometries=geojson each route's `geometry` is a GeoJSON LineString, whose
 * positions are [lon, lat]. Errors come with HTTP 400.
 */
const answerSchema = z.object({ code: z.string(), message: z.string().optional() })
const okSchema = z.object({
  code: z.literal('Ok'),
  routes: z
    .array(
      z.object({
        distance: z.number(),
        duration: z.number(),
        geometry: z.object({
          type: z.literal('LineString'),
          coordinates: z.array(z.tuple([z.number().min(-180).max(180), z.number().min(-90).max(90)], z.number())).min(1),
        }),
      }),
    )
    .min(1),
})

/** OSRM's codes for "there is no route between these points", as opposed to a broken request or server. */
const NO_ROUTE_CODES = new Set(['NoRoute', 'NoSegment'])

/**
 * The fastest driving route between two points from an OSRM server's route
 * service, with its full geometry. OSRM snaps both ends to the road network,
 * so the points begin and end on the nearest roads, not exactly at `from`
 * and `to`.
 *
 * Fails with an OsrmError that says what went wrong: the server could not be
 * reached, did not answer in time, answered with an HTTP error or an OSRM
 * error code (`NoRoute` when the points are not connected), or with
 * something that is not a route.
 *
 * @example
 * ```ts
 * const { points, distanceMeters, durationSeconds } = await osrmRoute('http://127.0.0.1:5000', pickup, destination, { timeoutMs: 2000 })
 * ```
 */
export async function osrmRoute(baseUrl: string, from: LatLon, to: LatLon, options: OsrmRouteOptions = {}): Promise<OsrmRoute> {
  const timeoutMs = options.timeoutMs ?? OSRM_TIMEOUT_MS
  const url = routeUrl(baseUrl, from, to)
  const timeout = AbortSignal.timeout(timeoutMs)
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout
  let status: number
  let text: string
  try {
    const response = await fetch(url, { signal, headers: { accept: 'application/json' } })
    status = response.status
    text = await response.text()
  } catch (err) {
    if (timeout.aborted) throw new OsrmError('timeout', `OSRM at ${baseUrl} did not answer within ${timeoutMs} ms`, { cause: err })
    if (options.signal?.aborted) throw new OsrmError('aborted', `the OSRM request to ${baseUrl} was aborted`, { cause: err })
    throw new OsrmError('unreachable', `OSRM at ${baseUrl} could not be reached: ${networkProblem(err)}`, { cause: err })
  }
  return readAnswer(baseUrl, status, text)
}

/** The request URL; OSRM wants {lon},{lat}, the other way round from the rest of Koober. */
function routeUrl(baseUrl: string, from: LatLon, to: LatLon): URL {
  let base: URL
  try {
    base = new URL(baseUrl)
  } catch (err) {
    throw new OsrmError('invalid-url', `the OSRM URL ${JSON.stringify(baseUrl)} is not a URL`, { cause: err })
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new OsrmError('invalid-url', `the OSRM URL ${JSON.stringify(baseUrl)} must be http or https`)
  }
  // Keeps a path prefix (OSRM behind a proxy at /osrm/), with or without its trailing slash.
  const prefix = base.pathname.replace(/\/+$/, '')
  const url = new URL(`${prefix}/route/v1/driving/${from.lon},${from.lat};${to.lon},${to.lat}`, base)
  url.search = 'overview=full&geometries=geojson'
  return url
}

function readAnswer(baseUrl: string, status: number, text: string): OsrmRoute {
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    body = undefined
  }
  const answer = answerSchema.safeParse(body)
  if (status < 200 || status > 299 || (answer.success && answer.data.code !== 'Ok')) {
    const code = answer.success ? answer.data.code : undefined
    const said = answer.success ? `${answer.data.code}${answer.data.message ? `: ${answer.data.message}` : ''}` : snippet(text)
    const reason = code !== undefined && NO_ROUTE_CODES.has(code) ? 'no-route' : 'http'
    throw new OsrmError(reason, `OSRM at ${baseUrl} answered HTTP ${status}${said ? ` (${said})` : ''}`, { status, ...(code === undefined ? {} : { code }) })
  }
  const ok = okSchema.safeParse(body)
  if (!ok.success) {
    const problem = body === undefined ? `not JSON: ${snippet(text) || 'an empty body'}` : issueText(ok.error.issues[0])
    throw new OsrmError('invalid-response', `OSRM at ${baseUrl} answered HTTP ${status} with no usable route (${problem})`, { status })
  }
  const route = ok.data.routes[0]!
  return {
    // GeoJSON positions are [lon, lat]; Koober's routes are [lat, lon].
    points: route.geometry.coordinates.map(([lon, lat]): [number, number] => [lat, lon]),
    distanceMeters: route.distance,
    durationSeconds: route.duration,
  }
}

/** One schema issue as `where: what`, e.g. `routes: Too small: expected array to have >=1 items`. */
function issueText(issue: z.core.$ZodIssue | undefined): string {
  if (!issue) return 'unexpected shape'
  return issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message
}

/** The useful part of a fetch failure: undici hides the socket error (ECONNREFUSED, ENOTFOUND, ...) in `cause`. */
function networkProblem(err: unknown): string {
  const cause = err instanceof Error ? err.cause : undefined
  if (cause instanceof Error) return 'code' in cause && typeof cause.code === 'string' ? `${cause.code} (${cause.message})` : cause.message
  return err instanceof Error ? err.message : String(err)
}

/** The start of a body that is not OSRM JSON (an HTML error page from a proxy, say), on one line. */
function snippet(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim()
  return line.length > 120 ? `${line.slice(0, 120)}…` : line
}
