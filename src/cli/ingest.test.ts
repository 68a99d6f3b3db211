/**
 * `koober ingest --once` and `koober tables`, on the embedded log and SQLite in
 * a temporary data directory, through the real CLI (`node --import tsx src/cli/main.ts`).
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { openEmbeddedLog } from '../log/index.js'
import { runCli as runCliProcess, type CliResult } from './testing/run-cli.js'

const root = mkdtempSync(join(tmpdir(), 'koober-cli-ingest-'))
after(() => rmSync(root, { recursive: true, force: true }))

let dirs = 0
const freshDir = (): string => join(root, `d${dirs++}`)

/** SQLite and the embedded log, whatever the environment says. */
const runCli = (args: string[]): Promise<CliResult> => runCliProcess(args, { local: true })

const lines = (text: string): string[] => text.split('\n').filter((l) => l.length > 0)

const driver = (driverId: string, time: number): string => JSON.stringify({ driverId, position: { lat: 40.7, lon: -74 }, status: 'available', time })
const rider = (riderId: string, time: number): string => JSON.stringify({ riderId, position: { lat: 40.75, lon: -73.99 }, status: 'requesting', time })

/** Appends driver and rider events (and one bad driver record) as the log's writer, then lets go of the data directory. */
async function seed(dir: string, drivers: number, riders: number): Promise<void> {
  const log = await openEmbeddedLog({ dataDir: dir })
  try {
    await log.ensureTopic('driver', { partitions: 4 })
    await log.ensureTopic('rider', { partitions: 4 })
    await log.append('driver', [
      ...Array.from({ length: drivers }, (_, i) => ({ key: `d${i % 5}`, value: driver(`d${i % 5}`, 1_700_000_000_000 + i) })),
      { key: 'bad', value: 'not json' },
    ])
    await log.append('rider', Array.from({ length: riders }, (_, i) => ({ key: `r${i % 3}`, value: rider(`r${i % 3}`, 1_700_000_000_000 + i) })))
  } finally {
    await log.close()
  }
}

describe('koober ingest --once and koober tables', () => {
  it('ingests the driver and rider topics into routes and events, then lists, counts and scans them', async () => {
    const dir = freshDir()
    await seed(dir, 40, 15)
    const ingested = await runCli(['ingest', '--once', '--max-records', '10', '--interval-ms', '50', '--data-dir', dir])
    assert.equal(ingested.code, 0, ingested.stderr)
    const totals = JSON.parse(ingested.stdout) as { batches: number }
    assert.deepEqual(totals, { batches: totals.batches, records: 56, rows: 110, deadLetters: 1 })
    assert.ok(totals.batches >= 6, `batches of at most 10 records, got ${totals.batches}`)
    assert.match(ingested.stderr, /ingesting driver, rider, rides from .* into the sqlite store \(once\)/)
    assert.match(ingested.stderr, /batch: \d+ records \(\d+ B\), \d+ rows, \d+ dead letters, \d+ ms, lag \d+/)
    assert.match(ingested.stderr, /1 dead letters/)

    const listed = await runCli(['tables', 'list', '--data-dir', dir])
    assert.equal(listed.code, 0, listed.stderr)
    assert.deepEqual(lines(listed.stdout).sort(), ['events', 'pickups', 'routes'])

    const events = await runCli(['tables', 'count', 'events', '--data-dir', dir])
    assert.equal(events.stdout, '55\n', events.stderr)
    const routes = await runCli(['tables', 'count', 'routes', '--data-dir', dir])
    assert.equal(routes.stdout, '55\n', routes.stderr)

    const scanned = await runCli(['tables', 'scan', 'routes', '--limit', '7', '--data-dir', dir])
    assert.equal(scanned.code, 0, scanned.stderr)
    const rows = lines(scanned.stdout).map((l) => JSON.parse(l) as Record<string, unknown>)
    assert.equal(rows.length, 7)
    for (const row of rows) {
      assert.match(String(row.entity), /^(driver:d\d|rider:r\d)$/)
      assert.match(String(row.source), /^(driver|rider)\/\d\/\d+$/)
      assert.equal(typeof row.time, 'number')
      assert.equal(row.lat === 40.7 || row.lat === 40.75, true)
    }
    const all = await runCli(['tables', 'scan', 'events', '--data-dir', dir])
    const archived = lines(all.stdout).map((l) => JSON.parse(l) as { topic: string; value: string })
    assert.equal(archived.length, 55)
    assert.equal(archived.filter((r) => r.topic === 'rider').length, 15)
    assert.ok(!archived.some((r) => r.value === 'not json'), 'the bad record is a dead letter, not an event')

    // Run again: nothing new; append more and only those are ingested.
    const again = await runCli(['ingest', '--once', '--data-dir', dir])
    assert.equal(again.code, 0, again.stderr)
    assert.deepEqual(JSON.parse(again.stdout), { batches: 0, records: 0, rows: 0, deadLetters: 0 })
    await seed(dir, 5, 0)
    const more = await runCli(['ingest', '--once', '--data-dir', dir])
    assert.equal((JSON.parse(more.stdout) as { records: number }).records, 6)
    assert.equal((await runCli(['tables', 'count', 'routes', '--data-dir', dir])).stdout, '60\n')
    assert.equal((await runCli(['topics', 'describe', 'dead-letters', '--json', '--data-dir', dir])).code, 0)
  })

  it('ingests an empty log: the tables exist and are empty', async () => {
    const dir = freshDir()
    const ingested = await runCli(['ingest', '--once', '--data-dir', dir])
    assert.equal(ingested.code, 0, ingested.stderr)
    assert.deepEqual(JSON.parse(ingested.stdout), { batches: 0, records: 0, rows: 0, deadLetters: 0 })
    assert.equal((await runCli(['tables', 'count', 'events', '--data-dir', dir])).stdout, '0\n')
    assert.equal((await runCli(['tables', 'scan', 'routes', '--data-dir', dir])).stdout, '')
  })

  it('says what to do before any ingest, and names an unknown table', async () => {
    const dir = freshDir()
    for (const args of [['tables', 'list'], ['tables', 'count', 'events'], ['tables', 'scan', 'routes']]) {
      const before = await runCli([...args, '--data-dir', dir])
      assert.notEqual(before.code, 0, `${args.join(' ')} before any ingest`)
      assert.match(before.stderr, /no store in .*: run `koober ingest` first/)
      assert.equal(before.stdout, '')
    }
    await seed(dir, 3, 0)
    assert.equal((await runCli(['ingest', '--once', '--data-dir', dir])).code, 0)
    for (const args of [['tables', 'count', 'nope'], ['tables', 'scan', 'nope']]) {
      const unknown = await runCli([...args, '--data-dir', dir])
      assert.equal(unknown.code, 1, `${args.join(' ')}: ${unknown.stderr}`)
      assert.match(unknown.stderr, /nope/)
      assert.match(unknown.stderr, /unknown table|no table|does not exist/i)
    }
    const badLimit = await runCli(['tables', 'scan', 'routes', '--limit', '0', '--data-dir', dir])
    assert.equal(badLimit.code, 2)
    assert.match(badLimit.stderr, /--limit/)
    const badMax = await runCli(['ingest', '--once', '--max-records', 'lots', '--data-dir', dir])
    assert.equal(badMax.code, 2)
    assert.match(badMax.stderr, /--max-records/)
  })
})
