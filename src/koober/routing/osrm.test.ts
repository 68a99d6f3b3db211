import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { OsrmError, osrmRoute, type OsrmFailure } from './osrm.js'
import { okAnswer, refusedUrl, startFakeOsrm, type FakeOsrm } from './testing/fake-osrm.js'

const TIMES_SQUARE = { lat: 40.758, lon: -73.9855 }
const GRAND_CENTRAL = { lat: 40.7527, lon: -73.9772 }

const servers: FakeOsrm[] = []
after(() => Promise.all(servers.map((s) => s.close())))
async function fake(...args: Parameters<typeof startFakeOsrm>): Promise<FakeOsrm> {
  const server = await startFakeOsrm(...args)
  servers.push(server)
  return server
}

/** Checks that `promise` fails with an OsrmError for `reason` whose message matches `message`. */
async function failsWith(promise: Promise<unknown>, reason: OsrmFailure, message: RegExp): Promise<OsrmError> {
  let caught: unknown
  await assert.rejects(promise, (err: unknown) => {
    caught = err
    return true
  })
  assert.ok(caught instanceof OsrmError, `expected an OsrmError, got ${String(caught)}`)
  assert.equal(caught.reason, reason, caught.message)
  assert.match(caught.message, message)
  return caught
}

describe('osrmRoute', () => {
  it('asks for lon,lat and returns [lat, lon] points, meters and seconds', async () => {
    const osrm = await fake(() =>
      okAnswer(
        [
          [-73.98552, 40.75803],
          [-73.98412, 40.75612],
          [-73.97725, 40.75268],
        ],
        1234.5,
        210.3,
      ),
    )
    const route = await osrmRoute(osrm.url, TIMES_SQUARE, GRAND_CENTRAL)
    assert.deepEqual(osrm.requests, ['/route/v1/driving/-73.9855,40.758;-73.9772,40.7527?overview=full&geometries=geojson'])
    assert.deepEqual(route, {
      points: [
        [40.75803, -73.98552],
        [40.75612, -73.98412],
        [40.75268, -73.97725],
      ],
      distanceMeters: 1234.5,
      durationSeconds: 210.3,
    })
  })

  it('keeps a path prefix of the base URL, with or without its trailing slash', async () => {
    const osrm = await fake(() => okAnswer([[-73.9855, 40.758]], 0, 0))
    await osrmRoute(`${osrm.url}/osrm/`, TIMES_SQUARE, GRAND_CENTRAL)
    await osrmRoute(`${osrm.url}/osrm`, TIMES_SQUARE, GRAND_CENTRAL)
    assert.deepEqual(osrm.requests.map((r) => r.split('?')[0]), [
      '/osrm/route/v1/driving/-73.9855,40.758;-73.9772,40.7527',
      '/osrm/route/v1/driving/-73.9855,40.758;-73.9772,40.7527',
    ])
  })

  it('reports NoRoute with the HTTP status and OSRM’s message', async () => {
    const osrm = await fake(() => ({ status: 400, body: { code: 'NoRoute', message: 'Impossible route between points' } }))
    const err = await failsWith(osrmRoute(osrm.url, TIMES_SQUARE, GRAND_CENTRAL), 'no-route', /HTTP 400 \(NoRoute: Impossible route between points\)/)
    assert.equal(err.status, 400)
    assert.equal(err.code, 'NoRoute')
  })

  it('reports other OSRM errors as HTTP failures, with their code', async () => {
    const osrm = await fake(() => ({ status: 400, body: { code: 'InvalidQuery', message: 'Query string malformed close to position 28' } }))
    const err = await failsWith(osrmRoute(osrm.url, TIMES_SQUARE, GRAND_CENTRAL), 'http', /HTTP 400 \(InvalidQuery: Query string malformed/)
    assert.equal(err.code, 'InvalidQuery')
  })

  it('reports an HTTP error without OSRM JSON by its status and the start of the body', async () => {
    const osrm = await fake(() => ({ status: 502, body: '<html><body><h1>502 Bad Gateway</h1></body></html>' }))
    const err = await failsWith(osrmRoute(osrm.url, TIMES_SQUARE, GRAND_CENTRAL), 'http', /HTTP 502 \(<html><body><h1>502 Bad Gateway/)
    assert.equal(err.status, 502)
    assert.equal(err.code, undefined)
  })

  it('reports a 200 that is not a route', async () => {
    const noRoutes = await fake(() => ({ status: 200, body: { code: 'Ok', routes: [] } }))
    await failsWith(osrmRoute(noRoutes.url, TIMES_SQUARE, GRAND_CENTRAL), 'invalid-response', /HTTP 200 with no usable route \(routes: /)
    const polyline = await fake(() => ({ status: 200, body: { code: 'Ok', routes: [{ distance: 1, duration: 1, geometry: 'o}_wFnrbbM' }] } }))
    await failsWith(osrmRoute(polyline.url, TIMES_SQUARE, GRAND_CENTRAL), 'invalid-response', /routes\.0\.geometry/)
    const notJson = await fake(() => ({ status: 200, body: 'hello' }))
    await failsWith(osrmRoute(notJson.url, TIMES_SQUARE, GRAND_CENTRAL), 'invalid-response', /not JSON: hello/)
  })

  it('gives up on a server that never answers after timeoutMs', async () => {
    const osrm = await fake()
    const started = Date.now()
    await failsWith(osrmRoute(osrm.url, TIMES_SQUARE, GRAND_CENTRAL, { timeoutMs: 150 }), 'timeout', /did not answer within 150 ms/)
    const elapsed = Date.now() - started
    assert.ok(elapsed >= 140 && elapsed < 2000, `gave up after ${elapsed} ms`)
    assert.equal(osrm.requests.length, 1)
  })

  it('stops when the caller aborts', async () => {
    const osrm = await fake()
    await failsWith(osrmRoute(osrm.url, TIMES_SQUARE, GRAND_CENTRAL, { signal: AbortSignal.timeout(50), timeoutMs: 5000 }), 'aborted', /was aborted/)
  })

  it('reports a refused connection', async () => {
    const url = await refusedUrl()
    await failsWith(osrmRoute(url, TIMES_SQUARE, GRAND_CENTRAL), 'unreachable', /could not be reached: ECONNREFUSED/)
  })

  it('refuses a base URL that is not an http URL', async () => {
    await failsWith(osrmRoute('localhost:5000', TIMES_SQUARE, GRAND_CENTRAL), 'invalid-url', /must be http or https/)
    await failsWith(osrmRoute('not a url', TIMES_SQUARE, GRAND_CENTRAL), 'invalid-url', /is not a URL/)
  })
})
