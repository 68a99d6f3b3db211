import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { openEmbeddedLog } from '../../log/index.js'
import { Sink, Source } from '../../streams/index.js'
import { openSqliteStore } from '../../store/index.js'
import type { DriverEvent, RideEvent } from '../events.js'
import { cellOf } from '../geo.js'
import { KOOBER_TOPICS } from '../topics.js'
import { partitionCheckpointKey, storeCheckpoints } from '../../analytics/index.js'
import type { EventLog } from '../../log/index.js'
import type { Row } from '../../store/index.js'
import { ANALYTICS_TABLE, ANALYTICS_TOPICS, cityAnalytics, CITYWIDE, FACTS_JOB, FACTS_TOPIC, runCityAnalytics, toAnalyticsResult, WINDOWS_JOB, type AnalyticsResult } from './city-analytics.js'
import type { CityInput } from './city-facts.js'
import { analyticsTable } from '../testing/analytics-table.js'
import { appendCity as appendCityEvents, busyCity, ensureKooberTopics } from '../testing/busy-city.js'

const root = mkdtempSync(join(tmpdir(), 'koober-city-analytics-'))
after(() => rmSync(root, { recursive: true, force: true }))

const T0 = 1_764_000_000_000 - (1_764_000_000_000 % 60_000)
const A = { lat: 40.7512, lon: -73.9901 }
const B = { lat: 40.7705, lon: -73.9602 }
const AREA_A = cellOf(A)

/** Two rides requested at A in the first minute; one picked up after 90 s and done 120 s later, one cancelled; three drivers available at A, one of them twice. */
function events(): Array<{ topic: 'driver' | 'rides'; event: DriverEvent | RideEvent }> {
  const ride = (rideId: string, status: RideEvent['status'], at: number, extra: Partial<RideEvent> = {}): { topic: 'rides'; event: RideEvent } => ({
    topic: 'rides',
    event: { rideId, riderId: `rider-${rideId}`, status, pickup: A, destination: B, time: T0 + at, ...extra },
  })
  const driver = (driverId: string, at: number): { topic: 'driver'; event: DriverEvent } => ({ topic: 'driver', event: { driverId, position: A, status: 'available', time: T0 + at } })
  return [
    driver('d1', 1_000),
    driver('d2', 2_000),
    ride('r1', 'requested', 5_000),
    driver('d1', 20_000),
    ride('r2', 'requested', 30_000),
    driver('d3', 40_000),
    ride('r1', 'accepted', 41_000, { driverId: 'd1' }),
    ride('r2', 'cancelled', 50_000),
    ride('r1', 'pickedUp', 95_000, { driverId: 'd1', route: [[A.lat, A.lon], [B.lat, B.lon]] }),
    ride('r1', 'completed', 215_000, { driverId: 'd1' }),
  ]
}

function resultsOf(list: AnalyticsResult[], area: string, minutes: number): AnalyticsResult[] {
  // The newest firing of each window.
  const last = new Map<string, AnalyticsResult>()
  for (const r of list) if (r.area === area && r.minutes === minutes) last.set(r.id, r)
  return [...last.values()].sort((a, b) => a.windowStart - b.windowStart)
}

describe("Koober's analytics", () => {
  it('counts requests and available drivers per area and minute, the wait to pickup, and completed trips, citywide too', async () => {
    const input: CityInput[] = events().map((e, offset) => ({ ...e, partition: `${e.topic}/0`, offset }) as CityInput)
    const out = await cityAnalytics(Source.from(input), { restored: {}, bounded: true }).runWith(Sink.collect()).result
    const results = out.filter((e) => e.kind === 'record').map((e) => toAnalyticsResult((e as { value: Parameters<typeof toAnalyticsResult>[0] }).value))
    for (const area of [AREA_A, CITYWIDE]) {
      const minutes = resultsOf(results, area, 1)
      const first = minutes.find((r) => r.windowStart === T0)!
      assert.equal(first.requests, 2, area)
      assert.equal(first.availableDrivers, 3, `${area}: d1 twice counts once`)
      assert.equal(first.demandSupply, 2 / 3)
      const second = minutes.find((r) => r.windowStart === T0 + 60_000)!
      assert.equal(second.waitAvgSeconds, 90)
      assert.ok(Math.abs(second.waitP90Seconds! - 90) / 90 < 0.011)
      const fourth = minutes.find((r) => r.windowStart === T0 + 180_000)!
      assert.equal(fourth.tripsCompleted, 1)
      assert.equal(fourth.tripSecondsAvg, 120)
      assert.ok(fourth.tripMetersAvg! > 2000 && fourth.tripMetersAvg! < 4000, `${fourth.tripMetersAvg} m`)
      // The 5-minute windows (sliding by a minute) carry the wait: five of them hold the pickup at T0 + 95 s.
      const fives = resultsOf(results, area, 5).filter((r) => r.waitAvgSeconds !== null)
      assert.equal(fives.length, 5)
      assert.ok(fives.every((r) => r.waitAvgSeconds === 90))
    }
  })

  it('runs on the log, checkpointed, into the analytics table and topic; a second run adds nothing', async () => {
    const dataDir = join(root, 'run')
    const log = await openEmbeddedLog({ dataDir })
    const store = openSqliteStore({ dataDir })
    try {
      for (const [topic, config] of Object.entries(KOOBER_TOPICS)) await log.ensureTopic(topic, { partitions: config.partitions })
      for (const e of events()) {
        const key = e.topic === 'rides' ? (e.event as RideEvent).rideId : (e.event as DriverEvent).driverId
        await log.append(e.topic, [{ key, value: JSON.stringify(e.event), timestamp: e.event.time }])
      }
      const totals = await runCityAnalytics({ log, store, untilCaughtUp: true })
      assert.equal(totals.facts.records, events().length)
      assert.equal(totals.facts.invalid, 0)
      assert.ok(totals.facts.checkpoints >= 1 && totals.windows.checkpoints >= 1)
      assert.equal(totals.windows.invalid, 0)
      const page = await store.query(ANALYTICS_TABLE.name, { partition: { area: CITYWIDE }, limit: 100 })
      const minute = page.rows.find((r) => r.window_start === T0 && r.minutes === 1)
      assert.equal(minute?.requests, 2)
      assert.equal(minute?.available_drivers, 3)
      const topic = await log.describeTopic('analytics')
      assert.ok(topic.partitions.reduce((s, p) => s + p.endOffset, 0) > 0, 'results on the analytics topic')
      const rows = await store.count(ANALYTICS_TABLE.name)
      const again = await runCityAnalytics({ log, store, untilCaughtUp: true })
      assert.equal(again.facts.records + again.windows.records, 0, 'the checkpoints hold the offsets')
      assert.equal(await store.count(ANALYTICS_TABLE.name), rows)
    } finally {
      await store.close()
      await log.close()
    }
  })

  it('two copies in one group split both jobs’ partitions, and end with the results of one copy', { timeout: 120_000 }, async () => {
    const city = busyCity(60, { start: T0 })
    const appendCity = async (log: EventLog): Promise<void> => {
      await ensureKooberTopics(log)
      await appendCityEvents(log, city)
    }

    const oneLog = await openEmbeddedLog({ dataDir: join(root, 'one') })
    const oneStore = openSqliteStore({ dataDir: join(root, 'one') })
    let want: Map<string, Row>
    try {
      await appendCity(oneLog)
      await runCityAnalytics({ log: oneLog, store: oneStore, untilCaughtUp: true })
      want = await analyticsTable(oneStore)
    } finally {
      await oneStore.close()
      await oneLog.close()
    }
    assert.ok(want.size > 100, `${want.size} windows`)

    const log = await openEmbeddedLog({ dataDir: join(root, 'two') })
    const store = openSqliteStore({ dataDir: join(root, 'two') })
    try {
      await appendCity(log)
      const held = [new Set<string>(), new Set<string>()]
      const copies = held.map((partitions) => {
        const controller = new AbortController()
        const done = runCityAnalytics({ log, store, signal: controller.signal, checkpointIntervalMs: 50, onCheckpoint: (job, partition) => void partitions.add(`${job} ${partition}`) })
        return { controller, done }
      })
      const checkpoints = await storeCheckpoints(store)
      const atEnd = async (job: string, topics: readonly string[]): Promise<boolean> => {
        for (const topic of topics) {
          for (const p of (await log.describeTopic(topic)).partitions) {
            const saved = await checkpoints.load(partitionCheckpointKey(job, { topic, partition: p.partition }))
            if (saved?.offsets[0]?.offset !== p.endOffset) return false
          }
        }
        return true
      }
      const deadline = Date.now() + 60_000
      while (!((await atEnd(FACTS_JOB, ANALYTICS_TOPICS)) && (await atEnd(WINDOWS_JOB, [FACTS_TOPIC])))) {
        assert.ok(Date.now() < deadline, 'both jobs checkpoint every partition to its end')
        await new Promise((r) => setTimeout(r, 50))
      }
      for (const copy of copies) copy.controller.abort()
      await Promise.all(copies.map((c) => c.done))
      for (const partitions of held) {
        assert.ok([...partitions].some((p) => p.startsWith(FACTS_JOB)) && [...partitions].some((p) => p.startsWith(WINDOWS_JOB)), `each copy ran both jobs: ${[...partitions]}`)
      }
      // The windows still open fire at the end of a bounded run.
      await runCityAnalytics({ log, store, untilCaughtUp: true })
      const got = await analyticsTable(store)
      assert.equal(got.size, want.size)
      for (const [id, row] of want) assert.deepEqual(got.get(id), row, id)
    } finally {
      await store.close()
      await log.close()
    }
  })
})
