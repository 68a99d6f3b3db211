import { randomUUID } from 'node:crypto'
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import fastifyStatic from '@fastify/static'
import fastifySwagger from '@fastify/swagger'
import fastifyWebsocket from '@fastify/websocket'
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify'
import type { WebSocket } from 'ws'
import type { DemandForecaster } from '../forecast/serving.js'
import type { EventLog } from '../log/index.js'
import { Sink, logSource } from '../streams/index.js'
import { CityView, type CityChange } from '../koober/city/city-view.js'
import { CityWriter } from '../koober/city/city-writer.js'
import { Trips } from '../koober/city/trips.js'
import { CELL_DEGREES, CITY_CENTER, MAX_VIEW_CELLS } from '../koober/geo.js'
import { MAX_MESSAGE_BYTES, PROTOCOL_VERSION, type DriverMessage, type RiderMessage, type Role } from '../koober/protocol.js'
import { createRoutePlanner } from '../koober/routing/planner.js'
import { AnalyticsFeed, registerAnalyticsApi } from './analytics-feed.js'
import { registerApi } from './api.js'
import { CityHub } from './city-hub.js'
import { registerForecastApi } from './forecast-api.js'
import { Handlers } from './handlers.js'
import { createWebMetrics } from './metrics.js'
import { parseMessage, type Parsed } from './parse-message.js'
import { DEFAULT_LIMITS, Session, type SessionLimits } from './session.js'

export interface WebServerOptions {
  log: EventLog
  /** Default 127.0.0.1 (DESIGN.md: loopback unless told otherwise). */
  host?: string
  /** Default 8080; 0 picks a free port. */
  port?: number
  /** Origins allowed besides the server's own (e.g. `https://koober.example`). */
  allowedOrigins?: string[]
  /** The built browser files (default: dist/public of this package). */
  publicDir?: string
  speedMetersPerSecond?: number
  tickMs?: number
  /** An OSRM server for real streets; without it, street-like routes. */
  osrmUrl?: string
  limits?: Partial<SessionLimits>
  /** How far back the city view replays the log at start (default 15 minutes). */
  replayMs?: number
  /** Fastify's logger (pino); off by default. */
  logger?: boolean
  /** Answers /api/forecast; without one (no store), those routes say so with a 503. */
  forecaster?: DemandForecaster
}

export interface WebServer {
  url: string
  app: FastifyInstance
  close(): Promise<void>
}

const HEARTBEAT_MS = 60_000
const SWEEP_MS = 30_000
export const DEFAULT_WEB_PORT = 8080

const here = dirname(fileURLToPath(import.meta.url))
/** dist/public, from src/web (tsx) or dist/web (built). */
const DEFAULT_PUBLIC_DIR = resolve(here, '..', '..', 'dist', 'public')

/**
 * The web role (the original's Play app): pages, the rider and driver
 * WebSockets of docs/protocol.md, a REST API with its OpenAPI document,
 * `/healthz` and `/metrics`. Everything a socket sees comes from the log:
 * the server writes what clients say as events, reads `driver`, `rider` and
 * `rides` back into a city view, and fans the changes out by place.
 *
 * @example
 * ```ts
 * const server = await startWebServer({ log, port: 8080 })
 * console.log(`open ${server.url}`)
 * ```
 */
export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const { log } = options
  const limits: SessionLimits = { ...DEFAULT_LIMITS, ...options.limits }
  const metrics = createWebMetrics()
  const city = new CityView()
  const hub = new CityHub(city)
  const writer = new CityWriter(log)
  const app = Fastify({ logger: options.logger ?? false, bodyLimit: MAX_MESSAGE_BYTES })
  const planner = createRoutePlanner({
    ...(options.osrmUrl ? { osrmUrl: options.osrmUrl } : {}),
    onFallback: (reason) => app.log.warn({ reason }, 'OSRM gave no route: a street-like route instead'),
  })
  const trips = new Trips({
    city,
    writer,
    planner,
    drivesHere: (driverId) => hub.session(driverId)?.role === 'driver',
    onError: (error) => app.log.error({ err: error }, 'a trip step could not be written'),
    ...(options.speedMetersPerSecond !== undefined ? { speedMetersPerSecond: options.speedMetersPerSecond } : {}),
    ...(options.tickMs !== undefined ? { tickMs: options.tickMs } : {}),
  })
  const handlers = new Handlers({ city, hub, writer, trips, planner })

  const onChange = (change: CityChange): void => {
    hub.deliver(change)
    trips.observe(change)
    if (change.kind === 'ride-refused' && change.event.status === 'accepted') hub.session(change.event.driverId)?.error('ride-taken', undefined, 'accept')
  }

  // The city view, fed from the log: the recent past replayed, then the tail.
  const feed = logSource(log, { topics: ['driver', 'rider', 'rides'], fromTime: Date.now() - (options.replayMs ?? 15 * 60_000), pollTimeoutMs: 1000 }).runWith(
    Sink.forEach((record) => {
      metrics.logRecords.inc({ topic: record.topic })
      metrics.logLagMs.set(Math.max(0, Date.now() - record.timestamp))
      let change: CityChange | undefined
      try {
        change = city.apply(record)
      } catch (error) {
        metrics.logInvalid.inc({ topic: record.topic })
        app.log.warn({ err: error, topic: record.topic, offset: record.offset }, 'skipped a record that is not a valid event')
        return
      }
      if (change) onChange(change)
    }),
  )
  feed.result.catch((error: unknown) => app.log.error({ err: error }, 'the city feed stopped'))

  const sweeper = setInterval(() => city.sweep(Date.now()).forEach(onChange), SWEEP_MS)
  sweeper.unref()
  const states = new Map<Session, ReturnType<Handlers['newState']>>()
  const heartbeat = setInterval(() => {
    for (const [session, state] of states) void handlers.heartbeat(session, state).catch(() => undefined)
  }, HEARTBEAT_MS)
  heartbeat.unref()

  await app.register(fastifyWebsocket, { options: { maxPayload: MAX_MESSAGE_BYTES } })
  await app.register(fastifySwagger, {
    openapi: { info: { title: 'Koober web API', version: '1.0.0', description: 'The city as the log tells it. WebSockets: docs/protocol.md.' } },
  })

  const allowed = new Set(options.allowedOrigins ?? [])
  const originAllowed = (request: FastifyRequest): boolean => {
    const origin = request.headers.origin
    if (origin === undefined) return true
    const host = request.headers.host
    return allowed.has(origin) || origin === `http://${host}` || origin === `https://${host}`
  }

  const connect = (role: Role) => (socket: WebSocket, _request: FastifyRequest) => {
    const session = new Session(role, `${role}-${randomUUID().slice(0, 8)}`, socket, limits, metrics)
    const state = handlers.newState()
    hub.add(session)
    states.set(session, state)
    metrics.sockets.inc({ role })
    session.send({
      type: 'welcome',
      protocol: PROTOCOL_VERSION,
      role,
      id: session.id,
      serverTime: Date.now(),
      center: CITY_CENTER,
      limits: { maxMessageBytes: MAX_MESSAGE_BYTES, messagesPerSecond: limits.messagesPerSecond, burst: limits.burst, maxViewCells: MAX_VIEW_CELLS, cellDegrees: CELL_DEGREES },
    })
    // One message at a time per socket, in order: a request is checked against what the previous one wrote.
    let queue = Promise.resolve()
    socket.on('message', (data, isBinary) => {
      if (!session.admit()) return session.error('rate-limited')
      const parsed: Parsed<RiderMessage | DriverMessage> = isBinary ? { ok: false, code: 'invalid-json', message: 'messages are text frames' } : parseMessage(role, data.toString())
      if (!parsed.ok) return session.error(parsed.code, parsed.message, parsed.request)
      metrics.messagesIn.inc({ role, type: parsed.message.type })
      queue = queue.then(() =>
        handlers.handle(session, state, parsed.message).catch((error: unknown) => {
          app.log.error({ err: error }, 'a message could not be recorded')
          session.error('unavailable', undefined, parsed.message.type)
        }),
      )
    })
    socket.on('close', () => {
      metrics.sockets.dec({ role })
      hub.remove(session)
      states.delete(session)
      void queue.then(() => handlers.leave(session, state)).catch((error: unknown) => app.log.warn({ err: error }, 'could not record a leaving client'))
    })
    socket.on('error', (error: Error & { code?: string }) => {
      // ws refuses a frame past maxPayload itself, closing with 1009: count it as the protocol's other refusals.
      if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
        metrics.rejects.inc({ role, code: 'too-large' })
        metrics.dropped.inc({ role, reason: 'too-large' })
      } else app.log.warn({ err: error }, 'socket error')
    })
  }

  app.register(async (scope) => {
    scope.addHook('preValidation', async (request, reply) => {
      if (!originAllowed(request)) await reply.code(403).send({ error: 'origin not allowed', origin: request.headers.origin })
    })
    scope.get('/ws/rider', { websocket: true, schema: { hide: true } }, connect('rider'))
    scope.get('/ws/driver', { websocket: true, schema: { hide: true } }, connect('driver'))
  })

  registerApi(app, { city, metrics, hub })
  const analytics = new AnalyticsFeed(log, (error) => app.log.warn({ err: error }, 'an analytics record could not be read'))
  registerAnalyticsApi(app, analytics)
  registerForecastApi(app, options.forecaster)

  const publicDir = options.publicDir ?? DEFAULT_PUBLIC_DIR
  if (existsSync(publicDir)) {
    await app.register(fastifyStatic, { root: publicDir, prefix: '/static/', index: false })
    for (const [path, file] of [['/', 'index.html'], ['/rider', 'rider.html'], ['/driver', 'driver.html'], ['/dashboard', 'dashboard.html'], ['/forecast', 'forecast.html']] as const) {
      app.get(path, { schema: { hide: true } }, (_request, reply) => reply.sendFile(file))
    }
  } else {
    app.get('/', { schema: { hide: true } }, async (_request, reply) =>
      reply.code(503).type('text/plain').send(`Koober's pages are not built: run \`npm run build\` (looked in ${join(publicDir)}).`),
    )
  }

  await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? DEFAULT_WEB_PORT })
  const address = app.server.address()
  const url = typeof address === 'object' && address ? `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}` : String(address)

  return {
    url,
    app,
    async close() {
      clearInterval(sweeper)
      clearInterval(heartbeat)
      trips.close()
      for (const client of app.websocketServer.clients) client.close(1001, 'server shutting down')
      await app.close()
      feed.killSwitch.shutdown()
      await feed.result.catch(() => undefined)
      await analytics.close()
    },
  }
}
