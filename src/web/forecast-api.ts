import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { isKooberError, type ErrorCode } from '../errors.js'
import { QUESTIONS } from '../forecast/features.js'
import type { DemandForecaster } from '../forecast/serving.js'
import { MAX_SERIES_DAYS, forecastQuery, seriesQuery, type ForecastParams, type SeriesParams } from './forecast-query.js'
import { WEATHER_FLAGS, toForecastCollection, toModelsReply, type ErrorReply, type SeriesReply } from './forecast-wire.js'

/*
 * The demand forecast over HTTP, for the /forecast page and anyone else:
 * predictions around a point as GeoJSON, the trained models with their
 * scores, and one place's predicted against actual demand. The routes only
 * translate: the forecaster (Koober's reads the store) answers, and its coded
 * errors become HTTP statuses here.
 */

const error = { type: 'object', properties: { error: { type: 'string' }, code: { type: 'string' } }, required: ['error'] } as const
const errors = { 400: error, 500: error, 503: error } as const

const instant = (what: string) => ({ type: 'string', maxLength: 40, description: `${what}: ISO 8601 with its zone, e.g. 2014-04-18T18:00:00-04:00` }) as const
const question = { type: 'string', enum: [...QUESTIONS], default: 'next', description: '`next`: the next half hour from everything observed so far; `calendar`: any time, from calendar and weather alone' } as const
const algorithm = { type: 'string', pattern: '^[a-z][a-z0-9_]*$', maxLength: 40, description: 'a model of the newest version (GET /api/forecast/models); default: its best for the question' } as const

const weather = {
  type: ['object', 'null'],
  properties: {
    temperature: { type: 'number', description: '°C' },
    ...Object.fromEntries(WEATHER_FLAGS.map((flag) => [flag, { type: 'boolean' }])),
  },
} as const

const scores = {
  type: ['object', 'null'],
  description: 'scores on the period held out in training; null when none was held out',
  properties: {
    rmse: { type: ['number', 'null'], description: 'pickups per half hour' },
    mae: { type: ['number', 'null'] },
    masked_rmse: { type: ['number', 'null'], description: 'over (place, half hour) pairs with more than 10 pickups; null when there were none' },
    masked_mape: { type: ['number', 'null'], description: 'percent, over the same pairs' },
  },
} as const

const model = {
  type: 'object',
  properties: {
    version: { type: 'integer' },
    question: { type: 'string' },
    algorithm: { type: 'string' },
    trainedAt: { type: 'integer' },
    trainedFrom: { type: 'integer' },
    trainedUntil: { type: 'integer' },
    places: { type: 'string' },
    evaluation: scores,
    best: { type: 'boolean' },
  },
} as const

const forecastCollection = {
  type: 'object',
  description: 'A GeoJSON FeatureCollection (RFC 7946): a Point per place at its centre, [longitude, latitude]; what was forecast as foreign members',
  properties: {
    type: { type: 'string', enum: ['FeatureCollection'] },
    question: { type: 'string' },
    algorithm: { type: 'string' },
    version: { type: 'integer' },
    slotStart: { type: 'integer', description: 'the half hour forecast, epoch ms' },
    slotEnd: { type: 'integer', description: 'end exclusive, epoch ms' },
    weather,
    weatherSource: {
      type: ['string', 'null'],
      enum: ['what-if', 'table', 'assumed', null],
      description: 'where the weather came from: the what-if asked, the weather table, or assumed (a mild clear hour: the table has none near the slot); null when the model uses no weather',
    },
    near: { type: ['object', 'null'], properties: { lat: { type: 'number' }, lng: { type: 'number' }, radiusMeters: { type: 'number' } } },
    features: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          type: { type: 'string', enum: ['Feature'] },
          id: { type: 'integer' },
          geometry: { type: 'object', properties: { type: { type: 'string', enum: ['Point'] }, coordinates: { type: 'array', items: { type: 'number' }, minItems: 2, maxItems: 2 } } },
          properties: { type: 'object', properties: { place: { type: 'integer' }, demand: { type: 'number', description: 'predicted pickups in the half hour' } } },
        },
      },
    },
  },
} as const

/** HTTP statuses of the forecaster's coded errors; any other failure is a 500. */
const STATUS: Partial<Record<ErrorCode, number>> = {
  KOOBER_INVALID_ARGUMENT: 400,
  KOOBER_FORECAST_UNKNOWN_ALGORITHM: 400,
  // Nothing to answer from yet (no model trained): a state that passes, which is what 503 says; the message says how.
  KOOBER_FORECAST_NO_DATA: 503,
  KOOBER_STORE_CLOSED: 503,
  KOOBER_STORE_IO: 503,
}

export const NO_FORECASTER_MESSAGE =
  'this web role has no store to read forecasts from: forecasts need the web role started with a store (as `koober start` does, or `koober web` with a data directory or --cassandra)'

/** A validation failure of a query string, said as a person would: `lat must be <= 90`, `place is required`. */
function validationMessage(err: FastifyError): string {
  const problems = (err.validation ?? []).map((problem) => {
    const name = problem.instancePath.replace(/^\//, '').replace(/\//g, '.')
    const params = problem.params as { missingProperty?: string; allowedValues?: unknown[] }
    if (params.missingProperty) return `${params.missingProperty} is required`
    if (params.allowedValues) return `${name} must be one of ${params.allowedValues.join(', ')}`
    return `${name} ${problem.message ?? 'is invalid'}`
  })
  return problems.length > 0 ? problems.join('; ') : err.message
}

/** Every route's errors as `{ error, code? }` with a status that says whose fault it is. */
function replyWithError(err: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (err.validation) return reply.code(400).send({ error: validationMessage(err) } satisfies ErrorReply)
  if (isKooberError(err)) {
    const status = STATUS[err.code] ?? 500
    if (status >= 500 && status !== 503) request.log.error({ err }, 'a forecast failed')
    return reply.code(status).send({ error: err.message, code: err.code } satisfies ErrorReply)
  }
  request.log.error({ err }, 'a forecast failed')
  return reply.code(500).send({ error: 'the forecast failed: see the server log' } satisfies ErrorReply)
}

/**
 * The forecast routes under /api/forecast; without a forecaster (a web role
 * with no store) each answers 503 saying so.
 *
 * @example
 * ```ts
 * registerForecastApi(app, forecaster)
 * // GET /api/forecast?at=2014-04-18T18:00:00-04:00&lat=40.75&lng=-73.99&question=calendar&conditions=rain
 * ```
 */
export function registerForecastApi(app: FastifyInstance, forecaster: DemandForecaster | undefined): void {
  /** The forecaster, or a 503 already sent. */
  const ready = (reply: FastifyReply): DemandForecaster | undefined => {
    if (!forecaster) void reply.code(503).send({ error: NO_FORECASTER_MESSAGE } satisfies ErrorReply)
    return forecaster
  }

  app.get<{ Querystring: ForecastParams }>(
    '/api/forecast',
    {
      errorHandler: replyWithError,
      schema: {
        summary: 'Predicted demand (pickups in a half hour) for the places around a point, as GeoJSON',
        querystring: {
          type: 'object',
          properties: {
            at: instant('any time in the half hour to forecast (default: now)'),
            lat: { type: 'number', minimum: -90, maximum: 90, description: 'with lng: only the places around this point' },
            lng: { type: 'number', minimum: -180, maximum: 180 },
            radius: { type: 'number', exclusiveMinimum: 0, maximum: 50_000, description: 'meters around lat, lng (default 2000)' },
            temperature: { type: 'number', minimum: -60, maximum: 60, description: 'what-if weather, °C (default 15 when conditions are given)' },
            conditions: { type: 'string', maxLength: 100, description: `what-if weather: comma-separated, among ${WEATHER_FLAGS.join(', ')} (default clear when temperature is given)` },
            question,
            algorithm,
          },
          additionalProperties: false,
        },
        response: { 200: forecastCollection, ...errors },
      },
    },
    async (request, reply) => {
      const served = ready(reply)
      if (!served) return reply
      const { query, near } = forecastQuery(request.query, Date.now())
      const answer = await served.forecast(query)
      return reply.type('application/geo+json; charset=utf-8').send(toForecastCollection(answer, near))
    },
  )

  app.get(
    '/api/forecast/models',
    {
      errorHandler: replyWithError,
      schema: {
        summary: 'The trained models: every version, question and algorithm, with its evaluation; the best of each version and question marked',
        response: { 200: { type: 'object', properties: { newestVersion: { type: ['integer', 'null'] }, models: { type: 'array', items: model } } }, ...errors },
      },
    },
    async (_request, reply) => {
      const served = ready(reply)
      if (!served) return reply
      return toModelsReply(await served.models())
    },
  )

  app.get<{ Querystring: SeriesParams }>(
    '/api/forecast/series',
    {
      errorHandler: replyWithError,
      schema: {
        summary: `Predicted against actual demand of one place, half hour by half hour (at most ${MAX_SERIES_DAYS} days)`,
        querystring: {
          type: 'object',
          properties: {
            place: { type: 'integer', minimum: 0, maximum: 1_000_000, description: 'a place number, as in the features of GET /api/forecast' },
            from: instant('the first half hour'),
            until: instant('the end, exclusive'),
            question,
            algorithm,
          },
          required: ['place', 'from', 'until'],
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            properties: {
              place: { type: 'integer' },
              question: { type: 'string' },
              algorithm: { type: ['string', 'null'] },
              from: { type: 'integer' },
              until: { type: 'integer' },
              points: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    slotStart: { type: 'integer' },
                    predicted: { type: 'number' },
                    actual: { type: ['number', 'null'], description: 'null for a half hour not over yet' },
                  },
                },
              },
            },
          },
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const served = ready(reply)
      if (!served) return reply
      const query = seriesQuery(request.query)
      const points = await served.series(query)
      return { place: query.place, question: query.question, algorithm: query.algorithm ?? null, from: query.from, until: query.until, points } satisfies SeriesReply
    },
  )
}
