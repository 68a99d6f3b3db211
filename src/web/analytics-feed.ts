import type { FastifyInstance } from 'fastify'
import type { AnalyticsResult } from '../koober/analytics/index.js'
import { boundsOfCell } from '../koober/geo.js'
import type { EventLog } from '../log/index.js'
import { logSource, Sink, type RunningGraph } from '../streams/index.js'

/** How much history the dashboard can show. */
const KEEP_MS = 65 * 60_000

/**
 * The analytics as the `analytics` topic tells them: the newest firing of
 * each (area, window) of the last hour, for the dashboard. Read from the
 * log like everything else the web role shows, so it works beside an
 * analytics job in another process.
 */
export class AnalyticsFeed {
  private readonly results = new Map<string, AnalyticsResult>()
  private readonly graph: RunningGraph<void>
  private readonly pruner: NodeJS.Timeout

  constructor(log: EventLog, onError: (error: unknown) => void) {
    this.graph = logSource(log, { topics: ['analytics'], fromTime: Date.now() - KEEP_MS, pollTimeoutMs: 1000 }).runWith(
      Sink.forEach((record) => {
        try {
          const result = JSON.parse(record.value.toString('utf8')) as AnalyticsResult
          if (typeof result.id === 'string' && typeof result.windowEnd === 'number') this.results.set(result.id, result)
        } catch (error) {
          onError(error)
        }
      }),
    )
    this.graph.result.catch(onError)
    this.pruner = setInterval(() => {
      const horizon = Date.now() - KEEP_MS
      for (const [id, r] of this.results) if (r.windowEnd < horizon) this.results.delete(id)
    }, 60_000)
    this.pruner.unref()
  }

  /** One area's windows of `minutes`, oldest first. */
  series(area: string, minutes: number, sinceMs: number): AnalyticsResult[] {
    return [...this.results.values()].filter((r) => r.area === area && r.minutes === minutes && r.windowEnd > sinceMs).sort((a, b) => a.windowStart - b.windowStart)
  }

  /** Every area's figures in the newest 1-minute window that has any. */
  latestAreas(): { windowStart: number; windowEnd: number; areas: AnalyticsResult[] } | undefined {
    let newest = -Infinity
    for (const r of this.results.values()) if (r.minutes === 1 && r.area !== 'city' && r.windowEnd > newest) newest = r.windowEnd
    if (newest === -Infinity) return undefined
    const areas = [...this.results.values()].filter((r) => r.minutes === 1 && r.area !== 'city' && r.windowEnd === newest)
    return { windowStart: newest - 60_000, windowEnd: newest, areas }
  }

  async close(): Promise<void> {
    clearInterval(this.pruner)
    this.graph.killSwitch.shutdown()
    await this.graph.result.catch(() => undefined)
  }
}

const resultSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    area: { type: 'string' },
    windowStart: { type: 'integer' },
    windowEnd: { type: 'integer' },
    minutes: { type: 'integer' },
    firing: { type: 'string' },
    requests: { type: 'integer' },
    availableDrivers: { type: 'integer' },
    demandSupply: { type: ['number', 'null'] },
    waitAvgSeconds: { type: ['number', 'null'] },
    waitP90Seconds: { type: ['number', 'null'] },
    tripsCompleted: { type: 'integer' },
    tripSecondsAvg: { type: ['number', 'null'] },
    tripMetersAvg: { type: ['number', 'null'] },
  },
} as const

export function registerAnalyticsApi(app: FastifyInstance, feed: AnalyticsFeed): void {
  app.get<{ Querystring: { area?: string; minutes?: number; sinceMinutes?: number } }>(
    '/api/analytics',
    {
      schema: {
        summary: "One area's analytics over time (newest firing of each window), oldest first",
        querystring: {
          type: 'object',
          properties: {
            area: { type: 'string', default: 'city', maxLength: 32, description: '`city`, or a grid cell `row:col` as in /api/analytics/areas' },
            minutes: { type: 'integer', enum: [1, 5], default: 1, description: 'window size: 1 (tumbling) or 5 (sliding by a minute; pickup wait only)' },
            sinceMinutes: { type: 'integer', minimum: 1, maximum: 65, default: 60 },
          },
          additionalProperties: false,
        },
        response: { 200: { type: 'object', properties: { area: { type: 'string' }, minutes: { type: 'integer' }, results: { type: 'array', items: resultSchema } } } },
      },
    },
    async (request) => {
      const { area = 'city', minutes = 1, sinceMinutes = 60 } = request.query
      return { area, minutes, results: feed.series(area, minutes, Date.now() - sinceMinutes * 60_000) }
    },
  )

  app.get(
    '/api/analytics/areas',
    {
      schema: {
        summary: 'Every area in the newest 1-minute window: its grid cell bounds and figures (demand over supply for the map)',
        response: {
          200: {
            type: 'object',
            properties: {
              windowStart: { type: ['integer', 'null'] },
              windowEnd: { type: ['integer', 'null'] },
              areas: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    ...resultSchema.properties,
                    bounds: { type: 'object', properties: { south: { type: 'number' }, west: { type: 'number' }, north: { type: 'number' }, east: { type: 'number' } } },
                  },
                },
              },
            },
          },
        },
      },
    },
    async () => {
      const latest = feed.latestAreas()
      if (!latest) return { windowStart: null, windowEnd: null, areas: [] }
      return { ...latest, areas: latest.areas.map((r) => ({ ...r, bounds: boundsOfCell(r.area) })) }
    },
  )
}
