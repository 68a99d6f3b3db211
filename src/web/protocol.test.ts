import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startTestServer, TestClient, type Message } from './testing/web-fixture.js'

const VIEW = { type: 'view', bounds: { south: 40.74, west: -74.0, north: 40.78, east: -73.96 } }
const isError = (code: string) => (m: Message) => m.type === 'error' && m.code === code

let t: Awaited<ReturnType<typeof startTestServer>>
const open: TestClient[] = []
const connect = async (role: 'rider' | 'driver', headers?: Record<string, string>): Promise<TestClient> => {
  const client = await TestClient.connect(t.server.url, role, headers)
  open.push(client)
  await client.next((m) => m.type === 'welcome')
  return client
}

before(async () => {
  t = await startTestServer({ limits: { messagesPerSecond: 50, burst: 20, maxDroppedInARow: 30 } })
})
after(async () => {
  for (const client of open) client.close()
  await t.close()
})

async function metric(name: string): Promise<string> {
  const text = await (await fetch(`${t.server.url}/metrics`)).text()
  return text
    .split('\n')
    .filter((line) => line.startsWith(name))
    .join('\n')
}

describe('web protocol (docs/protocol.md)', () => {
  it('welcomes with a server-assigned id and the limits', async () => {
    const rider = await connect('rider')
    const welcome = rider.messages[0]!
    assert.equal(welcome.type, 'welcome')
    assert.equal(welcome.role, 'rider')
    assert.match(welcome.id, /^rider-[0-9a-f]{8}$/)
    assert.equal(welcome.limits.maxMessageBytes, 65536)
  })

  it('completes a ride end to end, every step read back from the log', async () => {
    const driver = await connect('driver')
    const rider = await connect('rider')
    driver.send(VIEW)
    rider.send(VIEW)
    driver.send({ type: 'position', position: { lat: 40.75, lon: -73.99 } })
    rider.send({ type: 'position', position: { lat: 40.76, lon: -73.98 } })
    await rider.next((m) => m.type === 'driver' && m.driver.id === driver.id, 5000, 'the driver in view')
    rider.send({ type: 'request', destination: { lat: 40.77, lon: -73.97 } })
    const requested = await driver.next((m) => m.type === 'ride' && m.ride.riderId === rider.id && m.ride.status === 'requested', 5000, 'the request')
    driver.send({ type: 'accept', rideId: requested.ride.id })
    const accepted = await rider.next((m) => m.type === 'ride' && m.ride.status === 'accepted', 5000, 'accepted')
    assert.equal(accepted.ride.driverId, driver.id)
    assert.ok(accepted.ride.route.length >= 2, 'a route to the pickup')
    const approaching = await rider.next((m) => m.type === 'driver' && m.driver.status === 'enRoute', 5000, 'the car approaching')
    assert.equal(typeof approaching.driver.etaSeconds, 'number')
    await rider.next((m) => m.type === 'ride' && m.ride.status === 'pickedUp', 10_000, 'pickup')
    await rider.next((m) => m.type === 'driver' && m.driver.status === 'onTrip', 5000, 'on trip')
    await rider.next((m) => m.type === 'ride' && m.ride.status === 'completed', 10_000, 'completed')
    await driver.next((m) => m.type === 'ride' && m.ride.status === 'completed', 5000, 'completed, for the driver')
    // What the log holds: every lifecycle step of the ride, in order.
    const consumer = await t.log.consumer({ topics: ['rides'] })
    const steps: string[] = []
    for (let batch = await consumer.poll({ timeoutMs: 0 }); batch.length > 0; batch = await consumer.poll({ timeoutMs: 0 })) {
      for (const r of batch) {
        const event = JSON.parse(r.value.toString()) as { rideId: string; status: string }
        if (event.rideId === requested.ride.id) steps.push(event.status)
      }
    }
    await consumer.close()
    assert.deepEqual(steps, ['requested', 'accepted', 'pickedUp', 'completed'])
  })

  it('tells a driver of its own state, offline included, while others watching hear it is gone', async () => {
    const driver = await connect('driver')
    const other = await connect('driver')
    for (const c of [driver, other]) c.send(VIEW)
    driver.send({ type: 'position', position: { lat: 40.755, lon: -73.985 } })
    await other.next((m) => m.type === 'driver' && m.driver.id === driver.id, 5000, 'the driver, seen by the other')
    driver.send({ type: 'status', status: 'offline' })
    const own = await driver.next((m) => m.type === 'driver' && m.driver.id === driver.id && m.driver.status === 'offline', 5000, 'its own offline state')
    assert.deepEqual(own.driver.position, { lat: 40.755, lon: -73.985 })
    assert.equal(driver.messages.some((m) => m.type === 'gone' && m.id === driver.id), false)
    await other.next((m) => m.type === 'gone' && m.kind === 'driver' && m.id === driver.id, 5000, 'gone, for the other')
  })

  it('lets the first accept in the log win; the second driver hears ride-taken', async () => {
    const a = await connect('driver')
    const b = await connect('driver')
    const rider = await connect('rider')
    for (const c of [a, b]) {
      c.send(VIEW)
      c.send({ type: 'position', position: { lat: 40.751, lon: -73.991 } })
    }
    rider.send({ type: 'position', position: { lat: 40.752, lon: -73.992 } })
    rider.send({ type: 'request', destination: { lat: 40.76, lon: -73.98 } })
    const requestSeen = (m: Message): boolean => m.type === 'ride' && m.ride.riderId === rider.id && m.ride.status === 'requested'
    const request = await a.next(requestSeen, 5000, 'the request (a)')
    await b.next(requestSeen, 5000, 'the request (b)')
    a.send({ type: 'accept', rideId: request.ride.id })
    b.send({ type: 'accept', rideId: request.ride.id })
    const accepted = await rider.next((m) => m.type === 'ride' && m.ride.status === 'accepted', 5000, 'accepted')
    const loser = accepted.ride.driverId === a.id ? b : a
    await loser.next(isError('ride-taken'), 5000, 'ride-taken')
    rider.send({ type: 'cancel' })
    await rider.next((m) => m.type === 'ride' && m.ride.status === 'cancelled', 5000, 'cancelled')
  })

  it('answers every kind of bad input with an error, changes nothing, and stays up', async () => {
    const rider = await connect('rider')
    const driver = await connect('driver')
    rider.send('{not json')
    await rider.next(isError('invalid-json'))
    rider.send('{"type":"position","__proto__":{"polluted":true},"position":{"lat":1,"lon":1}}')
    await rider.next((m) => isError('invalid-json')(m) && /prototype|__proto__/i.test(m.message), 5000, 'a refused __proto__')
    rider.send('{"type":"position","constructor":{"prototype":{"polluted":true}},"position":{"lat":1,"lon":1}}')
    await rider.nextNew(isError('invalid-json'), 5000, 'a refused constructor.prototype')
    assert.equal(({} as Record<string, unknown>).polluted, undefined)
    rider.send('[1,2]')
    await rider.nextNew(isError('invalid-json'))
    rider.send({ type: 'accept', rideId: 'x' })
    await rider.next(isError('unknown-type'), 5000, 'a driver message from a rider')
    rider.send({ type: 'position', position: { lat: 91, lon: 0 } })
    await rider.next(isError('invalid-message'))
    rider.send({ type: 'position', position: { lat: 1, lon: 1 }, riderId: 'chosen-by-me' })
    await rider.nextNew(isError('invalid-message'), 5000, 'an id of its own refused')
    rider.send({ type: 'request', destination: { lat: 40.7, lon: -74 } })
    await rider.next(isError('no-position'))
    rider.send({ type: 'cancel' })
    await rider.next(isError('no-ride'))
    rider.send({ type: 'view', bounds: { south: 40, west: -75, north: 41, east: -73 } })
    await rider.next(isError('view-too-large'))
    driver.send({ type: 'accept', rideId: 'ride-that-does-not-exist' })
    await driver.next(isError('ride-taken'))
    driver.send({ type: 'status', status: 'available' })
    await driver.next(isError('no-position'))
    // Nothing of the above reached the log as a rider event of this rider.
    const consumer = await t.log.consumer({ topics: ['rider', 'rides'] })
    const records = await consumer.poll({ timeoutMs: 0, maxRecords: 100_000 })
    await consumer.close()
    assert.equal(records.filter((r) => r.value.toString().includes(rider.id)).length, 0)
    assert.match(await metric('koober_web_rejects_total{role="rider",code="invalid-json"}'), /\} 4$/)
    // Still serving.
    rider.send({ type: 'position', position: { lat: 40.75, lon: -73.99 } })
    rider.send(VIEW)
    await rider.next((m) => m.type === 'snapshot')
  })

  it('closes a socket that sends more than 64 KiB in one message (1009)', async () => {
    const rider = await connect('rider')
    rider.send(JSON.stringify({ type: 'position', position: { lat: 1, lon: 1 }, pad: 'x'.repeat(70_000) }))
    const { code } = await rider.closed
    assert.equal(code, 1009)
    assert.match(await metric('koober_web_rejects_total{role="rider",code="too-large"}'), /\} 1$/)
  })

  it('rate-limits a flood with errors, then closes it (1008)', async () => {
    const rider = await connect('rider')
    for (let i = 0; i < 100; i++) rider.send({ type: 'cancel' })
    await rider.next(isError('rate-limited'))
    const { code } = await rider.closed
    assert.equal(code, 1008)
    assert.match(await metric('koober_web_sockets_dropped_total{role="rider",reason="rate"}'), /\} 1$/)
  })

  it('refuses a browser from another origin (HTTP 403), and lets in its own origin and clients without one', async () => {
    await assert.rejects(TestClient.connect(t.server.url, 'rider', { Origin: 'https://evil.example' }), /HTTP 403/)
    const host = new URL(t.server.url).host
    const same = await connect('rider', { Origin: `http://${host}` })
    assert.equal(same.messages[0]!.type, 'welcome')
  })

  it('cuts off a client that stops reading once its send buffer passes the bound', async () => {
    const slow = await startTestServer({ limits: { maxBufferedBytes: 256 * 1024, messagesPerSecond: 100_000, burst: 10_000 } })
    const clients: TestClient[] = []
    try {
      // Thirty drivers in view make every snapshot a few kilobytes.
      for (let i = 0; i < 30; i++) {
        const d = await TestClient.connect(slow.server.url, 'driver')
        clients.push(d)
        d.send({ type: 'position', position: { lat: 40.75 + i * 1e-4, lon: -73.99 } })
      }
      const watcher = await TestClient.connect(slow.server.url, 'driver')
      clients.push(watcher)
      // Asked again until the thirty positions are read back from the log into the city view.
      const asking = setInterval(() => watcher.send(VIEW), 200)
      try {
        await watcher.next((m) => m.type === 'snapshot' && m.drivers.length === 30, 15_000, 'a snapshot of 30 drivers')
      } finally {
        clearInterval(asking)
      }
      // The watcher stops reading but keeps asking: snapshots pile up in the kernel, then in the server's buffer.
      ;(watcher.socket as unknown as { _socket: { pause(): void } })._socket.pause()
      const deadline = Date.now() + 30_000
      let dropped = ''
      while (Date.now() < deadline && !/\} 1$/.test(dropped)) {
        for (let i = 0; i < 500 && watcher.socket.readyState === watcher.socket.OPEN; i++) watcher.send(VIEW)
        await new Promise((r) => setTimeout(r, 50))
        dropped = (await (await fetch(`${slow.server.url}/metrics`)).text()).split('\n').find((l) => l.startsWith('koober_web_sockets_dropped_total{role="driver",reason="slow"}')) ?? ''
      }
      assert.match(dropped, /\} 1$/, 'the slow client was dropped')
      assert.equal((await (await fetch(`${slow.server.url}/healthz`)).json() as { ok: boolean }).ok, true)
    } finally {
      for (const c of clients) c.socket.terminate()
      await slow.close()
    }
  })

  it('serves /healthz, /metrics, the OpenAPI document and the REST API', async () => {
    assert.deepEqual(await (await fetch(`${t.server.url}/healthz`)).json(), { ok: true })
    assert.match(await metric('koober_web_sockets'), /koober_web_sockets\{role="rider"\} \d+/)
    const openapi = (await (await fetch(`${t.server.url}/api/openapi.json`)).json()) as { openapi: string; paths: Record<string, unknown> }
    assert.match(openapi.openapi, /^3\./)
    assert.deepEqual(Object.keys(openapi.paths).sort(), [
      '/api/analytics',
      '/api/analytics/areas',
      '/api/city',
      '/api/drivers',
      '/api/forecast',
      '/api/forecast/models',
      '/api/forecast/series',
      '/api/rides/{id}',
    ])
    const city = (await (await fetch(`${t.server.url}/api/city`)).json()) as { sockets: number }
    assert.ok(city.sockets >= 1)
    const drivers = await fetch(`${t.server.url}/api/drivers?south=40.74&west=-74&north=40.78&east=-73.96`)
    assert.equal(drivers.status, 200)
    assert.ok(((await drivers.json()) as { drivers: unknown[] }).drivers.length >= 1)
    assert.equal((await fetch(`${t.server.url}/api/drivers?south=40&west=-75&north=41&east=-73`)).status, 400)
    assert.equal((await fetch(`${t.server.url}/api/drivers?south=abc&west=-75&north=41&east=-73`)).status, 400)
    assert.equal((await fetch(`${t.server.url}/api/rides/nope`)).status, 404)
    assert.equal((await fetch(`${t.server.url}/api/analytics?minutes=7`)).status, 400)
  })

  it('serves the analytics topic to the dashboard: a series per area, and the newest minute of every area with its cell', async () => {
    const minute = Date.now() - (Date.now() % 60_000) - 60_000
    const result = (area: string, requests: number, firing: string) => ({
      id: `${area}@${minute}-${minute + 60_000}`,
      area,
      windowStart: minute,
      windowEnd: minute + 60_000,
      minutes: 1,
      firing,
      requests,
      availableDrivers: 2,
      demandSupply: requests / 2,
      waitAvgSeconds: null,
      waitP90Seconds: null,
      tripsCompleted: 0,
      tripSecondsAvg: null,
      tripMetersAvg: null,
    })
    // Two firings of one window: the newer wins.
    for (const r of [result('city', 1, 'early'), result('city', 3, 'on-time'), result('4075:-7399', 3, 'on-time')]) await t.log.append('analytics', [{ key: r.area, value: JSON.stringify(r) }])
    const deadline = Date.now() + 5000
    let series: { results: Array<{ requests: number }> } = { results: [] }
    while (Date.now() < deadline && series.results[0]?.requests !== 3) {
      await new Promise((r) => setTimeout(r, 100))
      series = (await (await fetch(`${t.server.url}/api/analytics?area=city`)).json()) as typeof series
    }
    assert.deepEqual(series.results.map((r) => r.requests), [3])
    const areas = (await (await fetch(`${t.server.url}/api/analytics/areas`)).json()) as { areas: Array<{ area: string; demandSupply: number; bounds: { south: number; west: number } }> }
    assert.equal(areas.areas.length, 1)
    assert.equal(areas.areas[0]!.demandSupply, 1.5)
    assert.ok(Math.abs(areas.areas[0]!.bounds.south - 40.75) < 1e-9 && Math.abs(areas.areas[0]!.bounds.west + 73.99) < 1e-9)
  })
})
