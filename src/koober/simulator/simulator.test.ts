import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { CITY_CENTER } from '../geo.js'
import { boundsAround, connect, startSimulator, type Simulator, type SimulatorCounters } from './index.js'
import { startTestServer, type TestServer } from '../../web/testing/web-fixture.js'

/** A 1.6 km square in Midtown: every driver sees every request, so rides are quick to match. */
const MIDTOWN = boundsAround(CITY_CENTER, 800)

let server: TestServer
before(async () => {
  server = await startTestServer()
})
after(() => server.close())

async function until(sim: Simulator, done: (c: SimulatorCounters) => boolean, timeoutMs = 30_000): Promise<SimulatorCounters> {
  const deadline = Date.now() + timeoutMs
  while (!done(sim.counters())) {
    if (Date.now() > deadline) assert.fail(`not reached in ${timeoutMs} ms: ${JSON.stringify(sim.counters())}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return sim.counters()
}

interface RideStep {
  rideId: string
  status: string
  pickup: { lat: number; lon: number }
  time: number
}

/** Every ride step on the log, oldest first within each ride. */
async function rideEvents(): Promise<RideStep[]> {
  const consumer = await server.log.consumer({ topics: ['rides'], from: 'earliest' })
  const events: RideStep[] = []
  try {
    while (true) {
      const records = await consumer.poll({ timeoutMs: 200, maxRecords: 10_000 })
      if (records.length === 0) break
      for (const record of records) events.push(JSON.parse(record.value.toString('utf8')) as RideStep)
    }
  } finally {
    await consumer.close()
  }
  return events
}

/** The statuses of every ride step on the log, by ride id. */
async function rideSteps(): Promise<Map<string, string[]>> {
  const steps = new Map<string, string[]>()
  for (const event of await rideEvents()) steps.set(event.rideId, [...(steps.get(event.rideId) ?? []), event.status])
  return steps
}

describe('simulator', () => {
  it('drivers and riders complete rides through the WebSocket API', async () => {
    const sim = await startSimulator({
      url: server.url,
      drivers: 4,
      ridersPerMinute: 240,
      seed: 7,
      area: MIDTOWN,
      reactionMs: [20, 200],
      wanderEveryMs: 500,
    })
    try {
      assert.equal(sim.counters().drivers, 4)
      assert.equal(sim.counters().connected, 4)
      const counters = await until(sim, (c) => c.completed >= 4)
      assert.ok(counters.requests >= counters.completed)
      assert.ok(counters.accepted >= counters.completed)
      const unexpected = Object.keys(counters.errors).filter((code) => code !== 'ride-taken')
      assert.deepEqual(unexpected, [], `only lost races are expected: ${JSON.stringify(counters.errors)}`)
    } finally {
      await sim.stop()
    }
    assert.equal(sim.counters().connected, 0)
    assert.equal(sim.counters().drivers, 0)
    // The log tells the same story: rides that went requested → accepted → pickedUp → completed.
    const completed = [...(await rideSteps()).values()].filter((steps) => steps.at(-1) === 'completed')
    assert.ok(completed.length >= 4, `${completed.length} completed rides on the log`)
    for (const steps of completed) assert.deepEqual(steps, ['requested', 'accepted', 'pickedUp', 'completed'])
  })

  it('lets one driver win a ride the others race for', async () => {
    // Drivers in one small area who accept the moment they see a request, and one rider of our own.
    const racers = await startSimulator({ url: server.url, drivers: 5, ridersPerMinute: 0, seed: 13, area: MIDTOWN, reactionMs: [0, 0] })
    try {
      const pickup = CITY_CENTER
      const destination = { lat: CITY_CENTER.lat + 0.012, lon: CITY_CENTER.lon } // 1.3 km north
      const statuses: string[] = []
      const me = await connect(server.url, 'rider', { onMessage: (m) => void (m.type === 'ride' && statuses.push(m.ride.status)) })
      me.send({ type: 'position', position: pickup })
      me.send({ type: 'request', destination })
      const counters = await until(racers, (c) => c.accepted >= 1 && (c.errors['ride-taken'] ?? 0) >= 1)
      assert.equal(counters.accepted, 1, 'one ride, one winner')
      const deadline = Date.now() + 20_000
      while (!statuses.includes('completed') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
      assert.deepEqual(statuses, ['requested', 'accepted', 'pickedUp', 'completed'])
      await me.close()
    } finally {
      await racers.stop()
    }
  })

  it('riders nobody picks up cancel after their patience', async () => {
    const sim = await startSimulator({ url: server.url, drivers: 0, ridersPerMinute: 600, seed: 5, riderPatienceMs: 300 })
    try {
      const counters = await until(sim, (c) => c.cancelled >= 3)
      assert.ok(counters.gaveUp >= counters.cancelled)
      assert.equal(counters.accepted, 0)
      assert.deepEqual(counters.errors, {})
    } finally {
      await sim.stop()
    }
  })

  it('puts riders in the same places for the same seed', async () => {
    /** The pickups of the rides requested while a simulation with `seed` ran. */
    const pickups = async (seed: number): Promise<Set<string>> => {
      const from = Date.now()
      const sim = await startSimulator({ url: server.url, drivers: 0, ridersPerMinute: 1200, seed })
      await until(sim, (c) => c.requests >= 5)
      await sim.stop()
      await new Promise((resolve) => setTimeout(resolve, 200)) // the last requests reach the log
      const to = Date.now()
      const requested = (await rideEvents()).filter((e) => e.status === 'requested' && e.time >= from && e.time <= to)
      return new Set(requested.map((e) => `${e.pickup.lat},${e.pickup.lon}`))
    }
    const first = await pickups(21)
    const again = await pickups(21)
    const other = await pickups(22)
    // The runs may differ in how many riders came before stop(); the first ones are the same.
    const [fewer, more] = first.size <= again.size ? [first, again] : [again, first]
    assert.ok(fewer.size >= 5)
    for (const pickup of fewer) assert.ok(more.has(pickup), `${pickup} in both runs`)
    for (const pickup of other) assert.ok(!first.has(pickup) && !again.has(pickup), 'another seed, other places')
  })

  it('rejects with a ConnectError when no server answers, leaving nothing open', async () => {
    await assert.rejects(startSimulator({ url: 'http://127.0.0.1:1', drivers: 3, ridersPerMinute: 10 }), {
      name: 'ConnectError',
      message: /cannot connect to ws:\/\/127\.0\.0\.1:1\/ws\/driver: ECONNREFUSED/,
    })
    await assert.rejects(startSimulator({ url: 'http://127.0.0.1:1', drivers: 0, ridersPerMinute: 10 }), { name: 'ConnectError', message: /\/ws\/rider/ })
  })
})
