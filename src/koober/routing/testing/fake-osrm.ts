/**
 * Small local HTTP servers standing in for OSRM in tests: one that answers
 * each request as told, one that never answers, and a port nobody listens on.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface FakeOsrm {
  /** Its base URL, `http://127.0.0.1:PORT`. */
  url: string
  /** The URLs (path and query) it was asked, in order. */
  requests: string[]
  close(): Promise<void>
}

/** What the fake answers: an HTTP status and a body (JSON unless a string). */
export interface FakeAnswer {
  status: number
  body: unknown
}

/**
 * A server on a free port that answers every request with `answer(request)`,
 * or never answers when `answer` is undefined.
 *
 * @example
 * ```ts
 * const osrm = await startFakeOsrm(() => ({ status: 400, body: { code: 'NoRoute', message: 'Impossible route between points' } }))
 * ```
 */
export async function startFakeOsrm(answer?: (request: IncomingMessage) => FakeAnswer): Promise<FakeOsrm> {
  const requests: string[] = []
  const server = createServer((request, response) => {
    requests.push(request.url ?? '')
    if (!answer) return
    const { status, body } = answer(request)
    const text = typeof body === 'string' ? body : JSON.stringify(body)
    response.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/html' : 'application/json; charset=UTF-8' })
    response.end(text)
  })
  const port = await listen(server)
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => {
      // A hanging request (and fetch's keep-alive sockets) would keep close() waiting forever.
      server.closeAllConnections()
      return new Promise((resolve) => server.close(() => resolve()))
    },
  }
}

/** The base URL of a port nothing listens on: one the system just gave out and took back, so connections are refused. */
export async function refusedUrl(): Promise<string> {
  const server = createServer()
  const port = await listen(server)
  await new Promise((resolve) => server.close(resolve))
  return `http://127.0.0.1:${port}`
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port))
  })
}

/**
 * An OSRM route service answer as documented (Project-OSRM docs/http.md),
 * for geometries=geojson: positions are [lon, lat].
 */
export function okAnswer(coordinates: Array<[lon: number, lat: number]>, distance: number, duration: number): FakeAnswer {
  const first = coordinates[0]
  const last = coordinates.at(-1)
  return {
    status: 200,
    body: {
      code: 'Ok',
      routes: [
        {
          geometry: { type: 'LineString', coordinates },
          legs: [{ steps: [], summary: '', weight: duration, duration, distance }],
          weight_name: 'routability',
          weight: duration,
          duration,
          distance,
        },
      ],
      waypoints: [
        { hint: 'aGludA==', distance: 4.2, name: '7th Avenue', location: first },
        { hint: 'aGludA==', distance: 2.1, name: 'East 42nd Street', location: last },
      ],
    },
  }
}
