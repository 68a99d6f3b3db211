import type { FastifyInstance } from 'fastify'
import type { CityView } from '../koober/city/city-view.js'
import { cellsIn } from '../koober/geo.js'
import type { CityHub } from './city-hub.js'
import type { WebMetrics } from './metrics.js'

const position = { type: 'object', properties: { lat: { type: 'number' }, lon: { type: 'number' } }, required: ['lat', 'lon'] } as const
const driver = {
  type: 'object',
  properties: { id: { type: 'string' }, position, status: { type: 'string' }, rideId: { type: 'string' }, etaSeconds: { type: 'number' }, time: { type: 'integer' } },
  required: ['id', 'position', 'status', 'time'],
} as const
const error = { type: 'object', properties: { error: { type: 'string' } }, required: ['error'] } as const

/**
 * The REST API under /api/ (the city as this process's view of the log has
 * it), `/healthz`, `/metrics`, and the OpenAPI document at /api/openapi.json.
 */
export function registerApi(app: FastifyInstance, deps: { city: CityView; metrics: WebMetrics; hub: CityHub }): void {
  const { city, metrics, hub } = deps

  app.get('/healthz', { schema: { hide: true } }, async () => ({ ok: true }))

  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    reply.type(metrics.registry.contentType)
    return metrics.registry.metrics()
  })

  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger())

  app.get(
    '/api/city',
    {
      schema: {
        summary: 'Counts of drivers and riders by status, open rides, and sockets on this process',
        response: {
          200: {
            type: 'object',
            properties: {
              drivers: { type: 'object', additionalProperties: { type: 'integer' } },
              riders: { type: 'object', additionalProperties: { type: 'integer' } },
              openRides: { type: 'integer' },
              sockets: { type: 'integer' },
            },
          },
        },
      },
    },
    async () => ({ ...city.counts(), sockets: hub.size }),
  )

  app.get<{ Querystring: { south: number; west: number; north: number; east: number } }>(
    '/api/drivers',
    {
      schema: {
        summary: 'The drivers in a box (at most 600 grid cells of 0.01°)',
        querystring: {
          type: 'object',
          properties: { south: { type: 'number', minimum: -90, maximum: 90 }, west: { type: 'number', minimum: -180, maximum: 180 }, north: { type: 'number', minimum: -90, maximum: 90 }, east: { type: 'number', minimum: -180, maximum: 180 } },
          required: ['south', 'west', 'north', 'east'],
          additionalProperties: false,
        },
        response: { 200: { type: 'object', properties: { drivers: { type: 'array', items: driver } } }, 400: error },
      },
    },
    async (request, reply) => {
      const { south, west, north, east } = request.query
      if (south > north || west > east) return reply.code(400).send({ error: 'south must not exceed north, nor west east' })
      const cells = cellsIn({ south, west, north, east })
      if (!cells) return reply.code(400).send({ error: 'the box covers more than 600 grid cells' })
      return { drivers: city.in(cells).drivers }
    },
  )

  app.get<{ Params: { id: string } }>(
    '/api/rides/:id',
    {
      schema: {
        summary: 'One ride, open or recently finished',
        params: { type: 'object', properties: { id: { type: 'string', maxLength: 64 } }, required: ['id'] },
        response: {
          200: {
            type: 'object',
            properties: {
              id: { type: 'string' },
              riderId: { type: 'string' },
              driverId: { type: 'string' },
              status: { type: 'string' },
              pickup: position,
              destination: position,
              reason: { type: 'string' },
              time: { type: 'integer' },
            },
          },
          404: error,
        },
      },
    },
    async (request, reply) => city.ride(request.params.id) ?? reply.code(404).send({ error: `no ride ${request.params.id}` }),
  )
}
