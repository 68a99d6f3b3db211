import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { SLOT_MS } from '../forecast/types.js'
import { NO_FORECASTER_MESSAGE } from './forecast-api.js'
import type { ForecastCollection, ModelsReply, SeriesReply } from './forecast-wire.js'
import { FROM, PLACES, UNTIL, openForecastStore, type ForecastStore } from './testing/forecast-store.js'
import { startTestServer, type TestServer } from './testing/web-fixture.js'

/*
 * The /api/forecast routes over HTTP on a real web server, with Koober's
 * forecaster over a real SQLite store: a version trained on generated
 * pickups, a store with none trained yet, a closed store, and no store at all.
 */

const DAY = 86_400_000
const HOUR = 3_600_000

interface Reply<T = Record<string, unknown>> {
  status: number
  type: string | null
  body: T
}

async function get<T = Record<string, unknown>>(server: TestServer, path: string): Promise<Reply<T>> {
  const response = await fetch(`${server.url}${path}`)
  return { status: response.status, type: response.headers.get('content-type'), body: (await response.json()) as T }
}

const iso = (ms: number): string => new Date(ms).toISOString()
const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0)
const demands = (collection: ForecastCollection): number[] => collection.features.map((f) => f.properties.demand)

describe('the forecast API with a trained model', () => {
  let data: ForecastStore
  let server: TestServer
  let models: ModelsReply
  before(async () => {
    data = await openForecastStore()
    server = await startTestServer({ forecaster: data.forecaster })
    models = (await get<ModelsReply>(server, '/api/forecast/models')).body
  })
  after(async () => {
    await server.close()
    await data.close()
  })

  const bestOf = (question: string): string => models.models.find((m) => m.question === question && m.best)!.algorithm

  it('lists the models of the version with their scores, one best per question', () => {
    assert.equal(models.newestVersion, data.version)
    for (const question of ['next', 'calendar']) {
      const mine = models.models.filter((m) => m.question === question)
      assert.ok(mine.length >= 4, `${question}: the baselines and the learned models`)
      assert.ok(mine.some((m) => m.algorithm === 'gbt'))
      assert.equal(mine.filter((m) => m.best).length, 1, question)
      for (const m of mine) {
        assert.equal(m.version, data.version)
        assert.equal(m.trainedFrom, FROM)
        assert.equal(m.places, `kmeans:${PLACES}`)
        assert.ok(m.evaluation && typeof m.evaluation.rmse === 'number' && typeof m.evaluation.mae === 'number', `${m.algorithm} is scored`)
        // Six places of a few pickups each: no pair above the mask's 10 pickups, or a few; either way valid JSON.
        assert.ok(m.evaluation.masked_rmse === null || m.evaluation.masked_rmse >= 0)
      }
      const best = mine.find((m) => m.best)!
      assert.equal(best.evaluation!.rmse, Math.min(...mine.map((m) => m.evaluation!.rmse!)))
    }
  })

  it('answers a forecast as GeoJSON: a Point per place in [lng, lat] order, demand in its properties, the slot and model beside', async () => {
    const at = UNTIL + 1 * DAY + 18 * HOUR + 10 * 60_000
    const reply = await get<ForecastCollection>(server, `/api/forecast?at=${encodeURIComponent(iso(at))}&question=calendar`)
    assert.equal(reply.status, 200)
    assert.equal(reply.type, 'application/geo+json; charset=utf-8')
    const body = reply.body
    assert.equal(body.type, 'FeatureCollection')
    assert.equal(body.question, 'calendar')
    assert.equal(body.algorithm, bestOf('calendar'))
    assert.equal(body.version, data.version)
    assert.equal(body.slotStart, Math.floor(at / SLOT_MS) * SLOT_MS)
    assert.equal(body.slotEnd, body.slotStart + SLOT_MS)
    assert.equal(body.near, null)
    assert.ok(body.weather, 'the weather table’s hour, which the model uses')
    assert.equal(body.weatherSource, 'table')
    assert.deepEqual(body.features.map((f) => f.properties.place).sort(), [0, 1, 2, 3, 4, 5])
    for (const feature of body.features) {
      assert.equal(feature.type, 'Feature')
      assert.equal(feature.id, feature.properties.place)
      assert.equal(feature.geometry.type, 'Point')
      const [lng, lat] = feature.geometry.coordinates
      assert.ok(lng! > -74.3 && lng! < -73.6 && lat! > 40.4 && lat! < 41, `New York, longitude first: ${feature.geometry.coordinates}`)
      assert.ok(feature.properties.demand >= 0)
    }
    assert.deepEqual(Object.keys(body.features[0]!.properties).sort(), ['demand', 'place'])
  })

  it('forecasts only the places around a point when given one, and answers every place otherwise', async () => {
    const at = iso(UNTIL + 18 * HOUR)
    const all = (await get<ForecastCollection>(server, `/api/forecast?at=${at}&question=calendar`)).body
    const [lng, lat] = all.features[2]!.geometry.coordinates
    const near = await get<ForecastCollection>(server, `/api/forecast?at=${at}&question=calendar&lat=${lat}&lng=${lng}&radius=10`)
    assert.equal(near.status, 200)
    assert.deepEqual(near.body.near, { lat, lng, radiusMeters: 10 })
    assert.deepEqual(near.body.features, [all.features[2]])
    const around = (await get<ForecastCollection>(server, `/api/forecast?at=${at}&question=calendar&lat=${lat}&lng=${lng}`)).body
    assert.equal(around.near!.radiusMeters, 2000)
    assert.ok(around.features.some((f) => f.id === all.features[2]!.id))
  })

  it('redraws a what-if from its weather and time: a rainy Friday evening against a quiet Sunday night', async () => {
    const friday = iso(Date.parse('2014-03-21T18:00:00-04:00'))
    const sunday = iso(Date.parse('2014-03-23T04:00:00-04:00'))
    const ask = (at: string, weather: string): Promise<Reply<ForecastCollection>> => get<ForecastCollection>(server, `/api/forecast?at=${encodeURIComponent(at)}&question=calendar&algorithm=linear&${weather}`)
    const rainy = await ask(friday, 'temperature=4&conditions=rain,thunder')
    assert.equal(rainy.status, 200)
    assert.deepEqual(rainy.body.weather, { temperature: 4, clear: false, fog: false, rain: true, snow: false, hail: false, thunder: true, tornado: false })
    assert.equal(rainy.body.algorithm, 'linear')
    assert.equal(rainy.body.weatherSource, 'what-if')
    const dry = await ask(friday, 'temperature=20&conditions=clear')
    assert.notDeepEqual(demands(rainy.body), demands(dry.body), 'the what-if weather changes the forecast')
    const quiet = await ask(sunday, 'temperature=4&conditions=rain,thunder')
    assert.ok(sum(demands(rainy.body)) > 2 * sum(demands(quiet.body)), `Friday 18:00 (${sum(demands(rainy.body))}) is busier than Sunday 04:00 (${sum(demands(quiet.body))})`)
  })

  it('forecasts the next half hour from now by default, and by any model asked for', async () => {
    const before = Date.now()
    const reply = await get<ForecastCollection>(server, '/api/forecast')
    assert.equal(reply.status, 200)
    assert.equal(reply.body.question, 'next')
    assert.equal(reply.body.algorithm, bestOf('next'))
    assert.ok(reply.body.slotStart <= Date.now() && reply.body.slotEnd > before, 'the slot of now')
    assert.equal(reply.body.features.length, PLACES)
    const average = await get<ForecastCollection>(server, `/api/forecast?at=${iso(UNTIL - 6 * HOUR)}&algorithm=historical_average`)
    assert.equal(average.body.algorithm, 'historical_average')
  })

  it('charts a place: predicted against actual pickups per half hour, every pickup of the period counted once', async () => {
    const from = UNTIL - 2 * DAY
    const series = await get<SeriesReply>(server, `/api/forecast/series?place=2&from=${iso(from)}&until=${iso(UNTIL)}`)
    assert.equal(series.status, 200)
    assert.equal(series.body.place, 2)
    assert.equal(series.body.question, 'next')
    assert.equal(series.body.algorithm, null)
    assert.equal(series.body.from, from)
    assert.equal(series.body.until, UNTIL)
    assert.equal(series.body.points.length, 96)
    series.body.points.forEach((p, i) => {
      assert.equal(p.slotStart, from + i * SLOT_MS)
      assert.ok(p.predicted >= 0 && p.actual !== null && p.actual >= 0)
    })
    let actual = 0
    for (let place = 0; place < PLACES; place++) {
      const reply = await get<SeriesReply>(server, `/api/forecast/series?place=${place}&from=${iso(from)}&until=${iso(UNTIL)}&question=calendar&algorithm=gbt`)
      assert.equal(reply.body.algorithm, 'gbt')
      actual += sum(reply.body.points.map((p) => p.actual!))
    }
    assert.equal(actual, data.pickups.filter((p) => p.time >= from && p.time < UNTIL).length)
  })

  it('refuses bad input with a 400 that says what is wrong, and changes nothing', async () => {
    const cases: Array<[string, RegExp, string?]> = [
      ['/api/forecast?at=2014-03-21T18:00', /^at must be an ISO 8601 time with its zone/, 'KOOBER_INVALID_ARGUMENT'],
      ['/api/forecast?lat=40.75', /^lat and lng go together/, 'KOOBER_INVALID_ARGUMENT'],
      ['/api/forecast?radius=300', /^radius needs lat and lng/, 'KOOBER_INVALID_ARGUMENT'],
      ['/api/forecast?lat=40.75&lng=-200', /^lng must be >= -180$/],
      ['/api/forecast?temperature=hot', /^temperature must be number$/],
      ['/api/forecast?conditions=drizzle', /^unknown weather conditions "drizzle": conditions are among clear, fog, rain/, 'KOOBER_INVALID_ARGUMENT'],
      ['/api/forecast?question=tomorrow', /^question must be one of next, calendar$/],
      ['/api/forecast?algorithm=oracle', /^no oracle model for the next question; there are /, 'KOOBER_FORECAST_UNKNOWN_ALGORITHM'],
      ['/api/forecast?algorithm=DROP%20TABLE', /^algorithm must match pattern/],
      [`/api/forecast/series?place=2&from=${iso(UNTIL - 15 * DAY)}&until=${iso(UNTIL)}`, /^a series covers at most 14 days; .* is 15\.0 days$/, 'KOOBER_INVALID_ARGUMENT'],
      [`/api/forecast/series?place=2&from=${iso(UNTIL)}&until=${iso(UNTIL - DAY)}`, /^from .* must come before until/, 'KOOBER_INVALID_ARGUMENT'],
      [`/api/forecast/series?place=${PLACES}&from=${iso(UNTIL - DAY)}&until=${iso(UNTIL)}`, /^place must be a whole number from 0 to 5/, 'KOOBER_INVALID_ARGUMENT'],
      ['/api/forecast/series?place=2', /^from is required$/],
      ['/api/forecast/series?place=-1&from=2014-03-19T00:00Z&until=2014-03-20T00:00Z', /^place must be >= 0$/],
      // A next forecast past the current half hour would read the half hours between as no demand.
      [`/api/forecast?at=${iso(Date.now() + 2 * DAY)}`, /^the next question forecasts the half hour after what has been observed, .* the calendar question answers any later time$/, 'KOOBER_INVALID_ARGUMENT'],
      [`/api/forecast/series?place=2&from=${iso(Date.now() + DAY)}&until=${iso(Date.now() + 2 * DAY)}`, /^the next question forecasts the half hour after what has been observed/, 'KOOBER_INVALID_ARGUMENT'],
    ]
    for (const [path, message, code] of cases) {
      const reply = await get(server, path)
      assert.equal(reply.status, 400, path)
      assert.match(String(reply.body.error), message, path)
      assert.equal(reply.body.code, code, path)
    }
    assert.deepEqual((await get<ModelsReply>(server, '/api/forecast/models')).body, models, 'nothing changed')
  })
})

describe('the forecast API before any model is trained', () => {
  let data: ForecastStore
  let server: TestServer
  before(async () => {
    data = await openForecastStore({ trained: false })
    server = await startTestServer({ forecaster: data.forecaster })
  })
  after(async () => {
    await server.close()
    await data.close()
  })

  it('lists no models, and answers forecasts with a 503 that says to train one', async () => {
    assert.deepEqual(await get(server, '/api/forecast/models'), { status: 200, type: 'application/json; charset=utf-8', body: { newestVersion: null, models: [] } })
    for (const path of ['/api/forecast', `/api/forecast/series?place=0&from=${iso(UNTIL - DAY)}&until=${iso(UNTIL)}`]) {
      const reply = await get(server, path)
      assert.equal(reply.status, 503, path)
      assert.match(String(reply.body.error), /koober forecast train/, path)
      assert.equal(reply.body.code, 'KOOBER_FORECAST_NO_DATA')
    }
  })

  it('answers 503 once its store is closed (the process shutting down)', async () => {
    await data.store.close()
    const reply = await get(server, '/api/forecast/models')
    assert.equal(reply.status, 503)
    assert.equal(reply.body.code, 'KOOBER_STORE_CLOSED')
  })
})

describe('the forecast API of a web role without a store', () => {
  let server: TestServer
  before(async () => {
    server = await startTestServer()
  })
  after(() => server.close())

  it('answers 503 on every route, saying forecasts need a store', async () => {
    for (const path of ['/api/forecast', '/api/forecast?lat=40.75&lng=-73.99', '/api/forecast/models', '/api/forecast/series?place=0&from=2014-04-17T00:00Z&until=2014-04-18T00:00Z']) {
      const reply = await get(server, path)
      assert.equal(reply.status, 503, path)
      assert.deepEqual(reply.body, { error: NO_FORECASTER_MESSAGE }, path)
    }
    assert.match(NO_FORECASTER_MESSAGE, /forecasts need the web role started with a store/)
  })

  it('still refuses a malformed query with a 400 that names the problem', async () => {
    assert.deepEqual(await get(server, '/api/forecast?lat=91&lng=0'), { status: 400, type: 'application/json; charset=utf-8', body: { error: 'lat must be <= 90' } })
    assert.deepEqual((await get(server, '/api/forecast/series?place=1')).body, { error: 'from is required' })
  })

  it('documents the routes and their parameters in the OpenAPI document', async () => {
    const doc = (await get(server, '/api/openapi.json')).body as { paths: Record<string, { get: { parameters: Array<{ name: string; required?: boolean }>; responses: Record<string, unknown> } }> }
    const names = (path: string): string[] => doc.paths[path]!.get.parameters.map((p) => p.name).sort()
    assert.deepEqual(names('/api/forecast'), ['algorithm', 'at', 'conditions', 'lat', 'lng', 'question', 'radius', 'temperature'])
    assert.deepEqual(names('/api/forecast/series'), ['algorithm', 'from', 'place', 'question', 'until'])
    assert.deepEqual(
      doc.paths['/api/forecast/series']!.get.parameters.filter((p) => p.required).map((p) => p.name).sort(),
      ['from', 'place', 'until'],
    )
    assert.ok(doc.paths['/api/forecast/models'], 'the models route is documented')
    assert.deepEqual(Object.keys(doc.paths['/api/forecast']!.get.responses).sort(), ['200', '400', '500', '503'])
  })
})
