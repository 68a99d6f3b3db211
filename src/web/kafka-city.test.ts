import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { KOOBER_TOPICS } from '../koober/topics.js'
import { openKafkaLog, type EventLog } from '../log/index.js'
import { kafkaTestBrokers } from '../log/testing/kafka-test-brokers.js'
import { startWebServer, type WebServer } from './server.js'
import { TestClient } from './testing/web-fixture.js'

const brokers = kafkaTestBrokers()
const VIEW = { type: 'view', bounds: { south: 40.74, west: -74.0, north: 40.78, east: -73.96 } }

if (brokers) {
  describe('two web processes on one Kafka cluster', () => {
    it('show the same city: a rider on one and a driver on the other complete a ride, and the log settles an accept race across them', { timeout: 90_000 }, async () => {
      const logs: EventLog[] = []
      const servers: WebServer[] = []
      const clients: TestClient[] = []
      try {
        for (let i = 0; i < 2; i++) {
          // Each server has its own Kafka client and its own city view: they share only the log.
          const log = await openKafkaLog({ brokers, clientId: `koober-web-test-${i}` })
          logs.push(log)
          for (const topic of ['driver', 'rider', 'rides', 'analytics', 'dead-letters']) await log.ensureTopic(topic, { partitions: KOOBER_TOPICS[topic]!.partitions })
          servers.push(await startWebServer({ log, port: 0, speedMetersPerSecond: 400, tickMs: 100, replayMs: 0 }))
        }
        const connect = async (server: WebServer, role: 'rider' | 'driver'): Promise<TestClient> => {
          const client = await TestClient.connect(server.url, role)
          clients.push(client)
          await client.next((m) => m.type === 'welcome')
          client.send(VIEW)
          await client.next((m) => m.type === 'snapshot')
          return client
        }
        const [one, two] = servers as [WebServer, WebServer]
        const driverA = await connect(one, 'driver')
        const driverB = await connect(two, 'driver')
        const rider = await connect(one, 'rider')
        driverA.send({ type: 'position', position: { lat: 40.7501, lon: -73.9901 } })
        driverB.send({ type: 'position', position: { lat: 40.7502, lon: -73.9902 } })
        // The rider, on server one, sees the driver of server two: through the log only.
        await rider.next((m) => m.type === 'driver' && m.driver.id === driverB.id, 20_000, 'the other server’s driver')
        rider.send({ type: 'position', position: { lat: 40.752, lon: -73.988 } })
        rider.send({ type: 'request', destination: { lat: 40.76, lon: -73.98 } })
        const seen = (m: { type: string; ride?: { riderId: string; status: string } }): boolean => m.type === 'ride' && m.ride?.riderId === rider.id && m.ride?.status === 'requested'
        // On a failure, what each server's view of the log holds says where the ride got lost.
        const diagnose = async (error: unknown): Promise<never> => {
          const views = await Promise.all(
            servers.map(async (s) => {
              const metrics = (await (await fetch(`${s.url}/metrics`)).text()).split('\n').filter((l) => l.startsWith('koober_web_log_'))
              const city = await (await fetch(`${s.url}/api/city`)).json()
              return `${s.url}: ${JSON.stringify(city)} ${metrics.join(' ')}`
            }),
          )
          const rides = await logs[0]!.describeTopic('rides')
          throw new Error(`${(error as Error).message}\n${views.join('\n')}\nrides: ${JSON.stringify(rides.partitions.map((p) => p.endOffset))}`, { cause: error })
        }
        const request = await driverB.next(seen, 20_000, 'the request, on server two').catch(diagnose)
        await driverA.next(seen, 20_000, 'the request, on server one').catch(diagnose)
        driverA.send({ type: 'accept', rideId: request.ride.id })
        driverB.send({ type: 'accept', rideId: request.ride.id })
        const accepted = await rider.next((m) => m.type === 'ride' && m.ride.status === 'accepted', 20_000, 'accepted')
        const [winner, loser] = accepted.ride.driverId === driverA.id ? [driverA, driverB] : [driverB, driverA]
        assert.equal(accepted.ride.driverId, winner.id)
        await loser.next((m) => m.type === 'error' && m.code === 'ride-taken', 20_000, 'ride-taken for the loser')
        await rider.next((m) => m.type === 'driver' && m.driver.id === winner.id && m.driver.status === 'enRoute', 20_000, 'the winner approaching')
        await rider.next((m) => m.type === 'ride' && m.ride.status === 'completed', 40_000, 'completed')
        // Both servers' REST views agree on the city.
        const cities = await Promise.all(servers.map(async (s) => (await (await fetch(`${s.url}/api/rides/${request.ride.id}`)).json()) as { status: string }))
        assert.deepEqual(
          cities.map((c) => c.status),
          ['completed', 'completed'],
        )
      } finally {
        for (const c of clients) c.close()
        for (const s of servers) await s.close()
        for (const l of logs) await l.close()
      }
    })
  })
} else {
  describe('two web processes on one Kafka cluster', { skip: 'no broker (KOOBER_TEST_KAFKA is not set)' }, () => {})
}
