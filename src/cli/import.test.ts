/**
 * `koober import pickups`, `koober import weather` and `koober demo-data`
 * through the real CLI (`node --import tsx src/cli/main.ts`), into the
 * embedded log and SQLite in a temporary data directory, with fixtures cut
 * from the shared New York data at run time.
 */
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { headLines, UBER_APRIL, UBER_SEPTEMBER_SAMPLE, WEATHER_DAILY, WEATHER_HOURLY, withoutNycData, writeLines } from '../forecast/data/testing/nyc-fixtures.js'
import { openEmbeddedLog } from '../log/index.js'
import { runCli as runCliProcess, type CliResult } from './testing/run-cli.js'
import { openSqliteStore } from '../store/index.js'

const root = mkdtempSync(join(tmpdir(), 'koober-cli-import-'))
after(() => rmSync(root, { recursive: true, force: true }))
let dirs = 0
const freshDir = (): string => join(root, `d${dirs++}`)

/** SQLite and the embedded log, whatever the environment says. */
const runCli = (args: string[]): Promise<CliResult> => runCliProcess(args, { local: true })

/** Rows in a table and records in the pickups topic, read by this process once the CLI has let go. */
async function counts(dataDir: string, table = 'pickups'): Promise<{ rows: number; records: number }> {
  const store = openSqliteStore({ dataDir, readOnly: true })
  const rows = await store.count(table).finally(() => store.close())
  const log = await openEmbeddedLog({ dataDir, readOnly: true })
  try {
    const topic = await log.describeTopic('pickups')
    return { rows, records: topic.partitions.reduce((n, p) => n + p.endOffset - p.startOffset, 0) }
  } finally {
    await log.close()
  }
}

interface PickupReport {
  files: number
  rows: number
  imported: number
  rejected: Record<string, number>
  seconds: number
  rows_per_s: number
}

describe('koober import pickups', { skip: withoutNycData }, () => {
  it('imports pickup files into the pickups topic and table, reports rejects, and a second import overwrites its rows', async () => {
    const dir = freshDir()
    const april = writeLines(root, 'april-head.csv.gz', await headLines(UBER_APRIL, 3001), { gzip: true })
    const first = await runCli(['import', 'pickups', april, UBER_SEPTEMBER_SAMPLE, '--data-dir', dir])
    assert.equal(first.code, 0, first.stderr)
    const report = JSON.parse(first.stdout) as PickupReport
    assert.equal(report.files, 2)
    assert.equal(report.rows, 3000 + 9999)
    assert.ok(report.rejected['outside-city']! > 0, 'the September sample has points outside the city')
    assert.equal(report.imported + report.rejected['outside-city']!, report.rows)
    assert.ok(report.rows_per_s > 0)
    assert.match(first.stderr, /^imported [\d,]+ pickups of 12,999 rows from 2 files in [\d.]+ s \([\d,]+ rows\/s\); rejected: [\d,]+ outside-city\n$/)
    assert.deepEqual(await counts(dir), { rows: report.imported, records: report.imported })

    const again = await runCli(['import', 'pickups', april, '--data-dir', dir])
    assert.equal(again.code, 0, again.stderr)
    const second = JSON.parse(again.stdout) as PickupReport
    assert.equal(second.rows, 3000)
    assert.deepEqual(await counts(dir), { rows: report.imported, records: report.imported + second.imported })
  })

  it('refuses a missing file or a file of no known format before anything is written', async () => {
    const dir = freshDir()
    const good = writeLines(root, 'good.csv', ['time_of_trip,start_lat,start_lng', '9/4/2014 9:51,40.64705,-73.77988'])
    const missing = await runCli(['import', 'pickups', good, join(root, 'no-such-file.csv'), '--data-dir', dir])
    assert.equal(missing.code, 1)
    assert.match(missing.stderr, /no-such-file\.csv: no such file \[KOOBER_IMPORT_IO\]/)
    const wrong = await runCli(['import', 'pickups', good, WEATHER_HOURLY, '--data-dir', dir])
    assert.equal(wrong.code, 1)
    assert.match(wrong.stderr, /nyc-weather-hourly-utc\.csv is not a pickup file .*Date\/Time,Lat,Lon,Base.* \[KOOBER_IMPORT_FORMAT\]/)
    assert.equal(missing.stdout + wrong.stdout, '')
    assert.equal(existsSync(dir), false, 'the data directory was never created')
  })
})

describe('koober import weather', { skip: withoutNycData }, () => {
  it('imports daily and hourly files into the weather table, one row per hour', async () => {
    const dir = freshDir()
    const daily = await headLines(WEATHER_DAILY, 10_000)
    const dailyFile = writeLines(root, 'daily.csv', [daily[0]!, ...daily.filter((l) => /"2014-04-0[1-3]"/.test(l))])
    const hourlyFile = writeLines(root, 'hourly.csv', await headLines(WEATHER_HOURLY, 49))
    const imported = await runCli(['import', 'weather', dailyFile, hourlyFile, '--data-dir', dir])
    assert.equal(imported.code, 0, imported.stderr)
    assert.deepEqual(JSON.parse(imported.stdout), { files: 2, formats: ['ghcn-daily', 'hourly-utc'], rows: 3 + 48, hours: 76, rejected: {} })
    assert.match(imported.stderr, /imported 76 hours of weather from 51 rows \(ghcn-daily, hourly-utc\); rejected: none/)
    const store = openSqliteStore({ dataDir: dir, readOnly: true })
    try {
      assert.equal(await store.count('weather'), 76)
      const noon = await store.get('weather', { day: '2014-04-01', hour: Date.parse('2014-04-01T16:00:00Z') })
      assert.equal(noon?.clear, false, 'the hourly file (cloudy) won over the daily one')
    } finally {
      await store.close()
    }

    const wrong = await runCli(['import', 'weather', UBER_SEPTEMBER_SAMPLE, '--data-dir', dir])
    assert.equal(wrong.code, 1)
    assert.match(wrong.stderr, /is not a weather file .* \[KOOBER_IMPORT_FORMAT\]/)
  })
})

describe('koober demo-data', () => {
  it('generates seeded pickups into the topic and table; the same seed again overwrites them', async () => {
    const dir = freshDir()
    const args = ['demo-data', '--records', '3000', '--months', '1', '--clusters', '4', '--seed', '5', '--start', '2014-04-01', '--data-dir', dir]
    const made = await runCli(args)
    assert.equal(made.code, 0, made.stderr)
    assert.deepEqual(JSON.parse(made.stdout), { records: 3000, months: 1, clusters: 4, seed: 5, start: '2014-04-01', end: '2014-04-30', imported: 3000, seconds: (JSON.parse(made.stdout) as { seconds: number }).seconds })
    assert.match(made.stderr, /generating 3,000 pickups around 4 places from 2014-04-01 to 2014-04-30 \(seed 5\)/)
    assert.deepEqual(await counts(dir), { rows: 3000, records: 3000 })
    const again = await runCli(args)
    assert.equal(again.code, 0, again.stderr)
    assert.deepEqual(await counts(dir), { rows: 3000, records: 6000 })
    const bad = await runCli(['demo-data', '--start', '2014-02-30', '--data-dir', dir])
    assert.equal(bad.code, 2)
    assert.match(bad.stderr, /--start.*expected a date as YYYY-MM-DD/)
  })
})
