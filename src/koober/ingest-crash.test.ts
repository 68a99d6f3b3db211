/**
 * Crash safety of ingestion: a child process (`testing/ingest-worker.ts`) runs
 * Koober's ingestion job (`runMicroBatches`, the driver topic into `events`
 * and `routes`) from the embedded log into SQLite, and is SIGKILLed, over and
 * over, on the same data directory: at chosen points of a micro-batch (before
 * the write, between the two tables' writes, between the write and the commit,
 * after the commit) and at random moments (while opening, while running). The
 * test appends more driver events between kills. A last child ingests with
 * `untilCaughtUp` and exits; then each table must hold exactly one row per
 * record of the log: none lost, none twice.
 *
 * Kills: KOOBER_INGEST_KILLS, else 60 under CI and 15 otherwise, spread over
 * a few data directories that run side by side. Replay the random choices
 * with KOOBER_INGEST_SEED (the kill moments of random-time kills differ).
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import type { DriverEvent } from './events.js'
import { INGEST_GROUP } from './ingest-job.js'
import { openEmbeddedLog, type ProducerRecord } from '../log/index.js'
import { runChildWorker, type KillPlan } from '../log/testing/child-worker.js'
import { inLanes } from '../log/testing/lanes.js'
import { seededRandom } from '../log/testing/seeded-random.js'
import { nonNegativeIntegerSetting, seedSetting, withSeed } from '../log/testing/seed-settings.js'
import { openSqliteStore, type Row, type Store } from '../store/index.js'

const WORKER = fileURLToPath(new URL('./testing/ingest-worker.ts', import.meta.url))

const KILLS = nonNegativeIntegerSetting('KOOBER_INGEST_KILLS', process.env.CI ? 60 : 15)
const SEED = seedSetting('KOOBER_INGEST_SEED')
/** Data directories crashed side by side (each child mostly waits on tsx's start-up). */
const LANES = 3
/** A child that neither reaches its kill point nor exits by then fails the test. */
const CHILD_WATCHDOG_MS = 30_000
const DRIVER_PARTITIONS = 4

/** The points of a micro-batch where a child stops and is killed (lines of ingest-worker.ts). */
const PHASES = [
  { line: 'before-write events', what: 'before the write' },
  { line: 'after-write events', what: 'between the events and routes writes' },
  { line: 'before-commit', what: 'between the write and the commit' },
  { line: 'after-commit', what: 'after the commit' },
] as const

interface CrashPlan {
  /** Arguments after `<dataDir> loop`: the step to stop at, and at which time it is reached. */
  stopAt?: [string, number]
  /** Otherwise: SIGKILL this long after the first line matching `after`. */
  after?: string
  delayMs?: number
  describe: string
}

/**
 * Runs the worker. With a plan, SIGKILLs it when the plan says and resolves
 * once it died of that; without one (`once`), resolves when it exits by itself.
 * Any other ending rejects with its stderr.
 */
async function runWorker(dataDir: string, plan: CrashPlan | undefined): Promise<string[]> {
  const args = [dataDir, plan ? 'loop' : 'once', ...(plan?.stopAt ? [plan.stopAt[0], String(plan.stopAt[1])] : [])]
  const { lines, exit, stderr, killedByPlan } = await runChildWorker(WORKER, args, { kill: plan && killOf(plan), watchdogMs: CHILD_WATCHDOG_MS })
  if (plan ? exit.signal === 'SIGKILL' && killedByPlan : exit.code === 0) return lines
  const how = plan ? `was to be killed ${plan.describe}` : 'was to ingest everything and exit'
  throw new Error(`ingest-worker ${how}, but ended with code ${exit.code}, signal ${exit.signal}; last lines: ${lines.slice(-5).join(' | ')}; stderr:\n${stderr}`)
}

/** The SIGKILL a crash plan asks for: at its stop, or a countdown after its line. */
function killOf(plan: CrashPlan): KillPlan {
  // At once at a stop: while one batch waits there, the next must not print on for long.
  if (plan.stopAt) return { after: (line) => line === 'stopped' }
  return { after: (line) => line === plan.after, delayMs: plan.delayMs ?? 0 }
}

/** A valid driver event (src/koober/events.ts), some with a rider and a route. */
function driverEvent(random: () => number, sequence: number): DriverEvent {
  const event: DriverEvent = {
    driverId: `driver-${Math.floor(random() * 40)}`,
    position: { lat: 40.5 + random() * 0.4, lon: -74.2 + random() * 0.5 },
    status: (['available', 'enRoute', 'onTrip', 'offline'] as const)[Math.floor(random() * 4)]!,
    // The same time for many records: rows must still be one per record.
    time: 1_700_000_000_000 + Math.floor(sequence / 7),
  }
  if (random() < 0.3) event.riderId = `rider-${Math.floor(random() * 100)}`
  if (random() < 0.1) event.route = [[40.7, -74.0], [40.71, -74.01], [40.72, -74.02]]
  return event
}

/** One data directory the children ingest in and crash in, one after the other. */
class Lane {
  readonly dataDir = mkdtempSync(join(tmpdir(), 'koober-ingest-crash-'))
  /** `partition/offset` -> the value appended there. */
  readonly appended = new Map<string, string>()
  private sequence = 0
  kills = 0
  readonly killsAt = new Map<string, number>()
  readonly random: () => number

  constructor(
    readonly lane: number,
    seed: number,
  ) {
    this.random = seededRandom(seed)
  }

  /** Appends `count` driver events as the log's writer (no child runs meanwhile: the data directory has one writer). */
  async append(count: number): Promise<void> {
    const log = await openEmbeddedLog({ dataDir: this.dataDir })
    try {
      await log.ensureTopic('driver', { partitions: DRIVER_PARTITIONS })
      const records: ProducerRecord[] = []
      for (let i = 0; i < count; i++) {
        const event = driverEvent(this.random, this.sequence++)
        records.push({ key: event.driverId, value: JSON.stringify(event) })
      }
      const metadata = await log.append('driver', records)
      metadata.forEach(({ partition, offset }, i) => {
        const where = `${partition}/${offset}`
        assert.ok(!this.appended.has(where), `lane ${this.lane}: offset ${where} handed out twice`)
        this.appended.set(where, records[i]!.value as string)
      })
    } finally {
      await log.close()
    }
  }

  private plan(): CrashPlan {
    const roll = this.random()
    if (roll < 0.6) {
      // Cycle through the points of a batch, so every one is hit whatever the number of kills.
      const phase = PHASES[this.kills % PHASES.length]!
      const nth = 1 + Math.floor(this.random() * 2)
      return { stopAt: [phase.line, nth], describe: `${phase.what} (${phase.line}, batch ${nth})` }
    }
    if (roll < 0.7) {
      const delayMs = Math.floor(this.random() * 20)
      return { after: 'opening', delayMs, describe: `${delayMs} ms after opening` }
    }
    const delayMs = Math.floor(this.random() * 150)
    return { after: 'ready', delayMs, describe: `${delayMs} ms after ready (random time)` }
  }

  async crashOnce(): Promise<void> {
    // More records every time, enough for two batches of 50 and some.
    await this.append(110 + Math.floor(this.random() * 60))
    const plan = this.plan()
    const lines = await runWorker(this.dataDir, plan)
    // Batches are pipelined: while one waits at the stop, the next may still print its steps before the kill lands.
    if (plan.stopAt) assert.ok(lines.includes('stopped'), `lane ${this.lane}: killed ${plan.describe}, but it never stopped there: ${lines.slice(-4).join(' | ')}`)
    this.kills++
    const key = plan.stopAt ? plan.stopAt[0] : plan.after === 'opening' ? 'opening' : 'random'
    this.killsAt.set(key, (this.killsAt.get(key) ?? 0) + 1)
  }

  /** The last run, to the end of the log; then every table checked against what was appended. */
  async finish(): Promise<void> {
    await this.append(37)
    const lines = await runWorker(this.dataDir, undefined)
    assert.match(lines.at(-1) ?? '', /^done \{/, `lane ${this.lane}: the last run printed ${lines.slice(-3).join(' | ')}`)

    const store = openSqliteStore({ dataDir: this.dataDir, readOnly: true })
    try {
      const events = await scanAll(store, 'events')
      const seen = new Set<string>()
      for (const row of events) {
        const where = `${String(row.partition)}/${String(row.offset)}`
        assert.equal(row.topic, 'driver', `lane ${this.lane}: an events row from ${String(row.topic)}`)
        assert.ok(!seen.has(where), `lane ${this.lane}: two events rows for driver ${where}`)
        seen.add(where)
        assert.equal(row.value, this.appended.get(where), `lane ${this.lane}: events row driver ${where} holds the wrong value (or no record was appended there)`)
      }
      const missing = [...this.appended.keys()].filter((where) => !seen.has(where))
      assert.deepEqual(missing.slice(0, 20), [], `lane ${this.lane}: ${missing.length} records have no events row`)
      assert.equal(await store.count('events'), this.appended.size)

      const routes = await scanAll(store, 'routes')
      const sources = new Set<string>()
      for (const row of routes) {
        const source = String(row.source)
        assert.ok(!sources.has(source), `lane ${this.lane}: two routes rows for ${source}`)
        sources.add(source)
        const value = this.appended.get(source.replace(/^driver\//, ''))
        assert.ok(value !== undefined, `lane ${this.lane}: a routes row for ${source}, which was never appended`)
        const event = JSON.parse(value) as DriverEvent
        assert.equal(row.entity, `driver:${event.driverId}`)
        assert.equal(row.time, event.time)
      }
      assert.equal(routes.length, this.appended.size, `lane ${this.lane}: ${routes.length} routes rows for ${this.appended.size} records`)
      assert.equal(await store.count('routes'), this.appended.size)
    } finally {
      await store.close()
    }

    // Everything committed, nothing rejected.
    const log = await openEmbeddedLog({ dataDir: this.dataDir })
    try {
      const consumer = await log.consumer({ topics: ['driver'], group: INGEST_GROUP })
      const committed = await consumer.committed()
      await consumer.close()
      const ends = (await log.describeTopic('driver')).partitions
      for (const { partition, endOffset } of ends) {
        assert.equal(committed.find((c) => c.topic === 'driver' && c.partition === partition)?.offset, endOffset, `lane ${this.lane}: driver-${partition} committed`)
      }
      assert.equal((await log.describeTopic('dead-letters')).partitions.reduce((n, p) => n + p.endOffset, 0), 0, 'no dead letters')
    } finally {
      await log.close()
    }
  }

  dispose(): void {
    rmSync(this.dataDir, { recursive: true, force: true })
  }
}

async function scanAll(store: Store, table: string): Promise<Row[]> {
  const rows: Row[] = []
  let page: string | undefined
  do {
    const result = await store.scan(table, { limit: 1000, ...(page ? { page } : {}) })
    rows.push(...result.rows)
    page = result.nextPage
  } while (page)
  return rows
}

describe('ingestion: SIGKILL at random moments', () => {
  it(`ends with exactly one row per log record after ${KILLS} kills`, { timeout: 10 * 60_000 }, async (t) => {
    const random = seededRandom(SEED)
    const lanes = Array.from({ length: Math.min(LANES, Math.max(KILLS, 1)) }, (_, lane) => new Lane(lane, Math.floor(random() * 2 ** 31)))
    const started = Date.now()
    try {
      await withSeed(t, 'KOOBER_INGEST_SEED', SEED, () =>
        inLanes(lanes, KILLS, async (lane, kills, failed) => {
          for (let run = 1; run <= kills && !failed(); run++) await lane.crashOnce()
          if (!failed()) await lane.finish()
        }),
      )
    } finally {
      for (const lane of lanes) lane.dispose()
    }
    const killsAt = new Map<string, number>()
    for (const lane of lanes) for (const [key, n] of lane.killsAt) killsAt.set(key, (killsAt.get(key) ?? 0) + n)
    t.diagnostic(
      `kills=${lanes.reduce((n, l) => n + l.kills, 0)} at ${JSON.stringify(Object.fromEntries(killsAt))} ` +
        `records=${lanes.reduce((n, l) => n + l.appended.size, 0)} lanes=${lanes.length} seed=${SEED} seconds=${((Date.now() - started) / 1000).toFixed(1)}`,
    )
    assert.equal(lanes.reduce((n, l) => n + l.kills, 0), KILLS)
  })
})
