import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { createRoutePlanner } from './planner.js'
import { streetRoute } from './street-route.js'
import { okAnswer, refusedUrl, startFakeOsrm, type FakeOsrm } from './testing/fake-osrm.js'

const TIMES_SQUARE = { lat: 40.758, lon: -73.9855 }
const GRAND_CENTRAL = { lat: 40.7527, lon: -73.9772 }
const STREET_ROUTE = streetRoute(TIMES_SQUARE, GRAND_CENTRAL)

const servers: FakeOsrm[] = []
after(() => Promise.all(servers.map((s) => s.close())))
async function fake(...args: Parameters<typeof startFakeOsrm>): Promise<FakeOsrm> {
  const server = await startFakeOsrm(...args)
  servers.push(server)
  return server
}

/** A planner on `osrmUrl` and the reasons it reported for falling back. */
function planner(osrmUrl: string, timeoutMs?: number): { plan: ReturnType<typeof createRoutePlanner>['plan']; reasons: string[] } {
  const reasons: string[] = []
  const { plan } = createRoutePlanner({ osrmUrl, ...(timeoutMs === undefined ? {} : { timeoutMs }), onFallback: (reason) => reasons.push(reason) })
  return { plan, reasons }
}

describe('createRoutePlanner', () => {
  it('draws street routes without an OSRM URL', async () => {
    const { plan } = createRoutePlanner({ onFallback: () => assert.fail('no fallback without OSRM') })
    assert.deepEqual(await plan(TIMES_SQUARE, GRAND_CENTRAL), STREET_ROUTE)
  })

  it('takes OSRM’s route, joined to the exact ends', async () => {
    // OSRM snapped the start onto 7th Avenue, some 20 m away, and the end to within a meter (0.55 m).
    const osrm = await fake(() =>
      okAnswer(
        [
          [-73.9857, 40.7581],
          [-73.9841, 40.7561],
          [-73.9772, 40.752705],
        ],
        1100,
        200,
      ),
    )
    const { plan, reasons } = planner(osrm.url)
    assert.deepEqual(await plan(TIMES_SQUARE, GRAND_CENTRAL), [
      [40.758, -73.9855],
      [40.7581, -73.9857],
      [40.7561, -73.9841],
      [40.7527, -73.9772],
    ])
    assert.deepEqual(reasons, [])
  })

  it('falls back to a street route on NoRoute, and says so', async () => {
    const osrm = await fake(() => ({ status: 400, body: { code: 'NoRoute', message: 'Impossible route between points' } }))
    const { plan, reasons } = planner(osrm.url)
    assert.deepEqual(await plan(TIMES_SQUARE, GRAND_CENTRAL), STREET_ROUTE)
    assert.equal(reasons.length, 1)
    assert.match(reasons[0]!, /HTTP 400 \(NoRoute: Impossible route between points\)/)
  })

  it('falls back when OSRM does not answer in time', async () => {
    const osrm = await fake()
    const { plan, reasons } = planner(osrm.url, 100)
    assert.deepEqual(await plan(TIMES_SQUARE, GRAND_CENTRAL), STREET_ROUTE)
    assert.match(reasons[0] ?? '', /did not answer within 100 ms/)
  })

  it('falls back when nothing listens at the OSRM URL', async () => {
    const { plan, reasons } = planner(await refusedUrl())
    assert.deepEqual(await plan(TIMES_SQUARE, GRAND_CENTRAL), STREET_ROUTE)
    assert.match(reasons[0] ?? '', /could not be reached: ECONNREFUSED/)
  })

  it('still routes when the fallback report itself throws', async () => {
    const { plan } = createRoutePlanner({
      osrmUrl: await refusedUrl(),
      onFallback: () => {
        throw new Error('logger down')
      },
    })
    assert.deepEqual(await plan(TIMES_SQUARE, GRAND_CENTRAL), STREET_ROUTE)
  })
})
