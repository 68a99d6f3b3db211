import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import type { ImportProgress } from './import-progress.js'
import { loadPickups, loadWeather } from './load.js'
import { headLines, UBER_APRIL, UBER_SEPTEMBER_SAMPLE, WEATHER_DAILY, WEATHER_HOURLY, withoutNycData, writeLines } from './testing/nyc-fixtures.js'

const dir = mkdtempSync(join(tmpdir(), 'koober-load-'))
after(() => rmSync(dir, { recursive: true, force: true }))

describe('loadPickups', { skip: withoutNycData }, () => {
  it('loads several files in time order, adds up their rejects, and reports progress over all of them', async () => {
    const april = writeLines(dir, 'april.csv.gz', await headLines(UBER_APRIL, 5001), { gzip: true })
    const malformed = writeLines(dir, 'malformed.csv', ['time_of_trip,start_lat,start_lng', 'soon,40.7,-73.9', '9/4/2014 9:51,40.64705,-73.77988', '9/4/2014 9:52'])
    const paths = [UBER_SEPTEMBER_SAMPLE, april, malformed]
    const progress: ImportProgress[] = []
    const { pickups, rejected } = await loadPickups(paths, { onProgress: (p) => progress.push(p) })

    const september = await loadPickups([UBER_SEPTEMBER_SAMPLE])
    const aprilOnly = await loadPickups([april])
    assert.equal(pickups.length, september.pickups.length + aprilOnly.pickups.length + 1)
    for (let i = 1; i < pickups.length; i++) assert.ok(pickups[i]!.time >= pickups[i - 1]!.time, 'sorted by time')
    assert.equal(pickups[0]!.time, aprilOnly.pickups[0]!.time)
    assert.deepEqual(rejected, {
      'outside-city': (september.rejected['outside-city'] ?? 0) + (aprilOnly.rejected['outside-city'] ?? 0),
      'bad-time': 1,
      'short-row': 1,
    })
    assert.ok(!('bad-coordinates' in rejected), 'a reason that rejected nothing is left out')

    const total = paths.reduce((n, p) => n + statSync(p).size, 0)
    const last = progress.at(-1)!
    assert.equal(last.totalBytes, total)
    assert.equal(last.bytesRead, total)
    assert.equal(last.rows, 9_999 + 5_000 + 3)
    assert.equal(last.files, 3)
    assert.equal(last.file, 2)
    assert.equal(last.rejected, Object.values(rejected).reduce((a, b) => a + b, 0))
    for (let i = 1; i < progress.length; i++) assert.ok(progress[i]!.bytesRead >= progress[i - 1]!.bytesRead && progress[i]!.rows >= progress[i - 1]!.rows)
    assert.ok(progress.every((p) => p.rowsPerSecond >= 0 && p.elapsedMs >= 0))
  })

  it('checks every file before reading any: a missing or unknown one fails the whole load', async () => {
    const good = writeLines(dir, 'good.csv', ['time_of_trip,start_lat,start_lng', '9/4/2014 9:51,40.64705,-73.77988'])
    const progress: ImportProgress[] = []
    await assert.rejects(loadPickups([good, join(dir, 'missing.csv')], { onProgress: (p) => progress.push(p) }), { code: 'KOOBER_IMPORT_IO' })
    await assert.rejects(loadPickups([good, WEATHER_DAILY], { onProgress: (p) => progress.push(p) }), { code: 'KOOBER_IMPORT_FORMAT' })
    assert.deepEqual(progress, [], 'nothing was read')
  })
})

describe('loadWeather', { skip: withoutNycData }, () => {
  it('merges files into one row per hour, in time order, the later file winning where they overlap', async () => {
    const daily = await headLines(WEATHER_DAILY, 10_000)
    const hourly = await headLines(WEATHER_HOURLY, 49)
    const dailyApril = writeLines(dir, 'daily.csv', [daily[0]!, ...daily.filter((l) => /"2014-04-0[1-3]"/.test(l))])
    const hourlyApril = writeLines(dir, 'hourly.csv', hourly)

    const hourlyWins = await loadWeather([dailyApril, hourlyApril])
    const dailyWins = await loadWeather([hourlyApril, dailyApril])
    const onlyDaily = await loadWeather([dailyApril])
    const onlyHourly = await loadWeather([hourlyApril])
    // 3 local days (2014-04-01 04:00Z .. 04-04 04:00Z) and 48 UTC hours from 04-01 00:00Z: 4 hours before the days start.
    assert.equal(onlyDaily.length, 72)
    assert.equal(onlyHourly.length, 48)
    assert.equal(hourlyWins.length, 76)
    assert.equal(dailyWins.length, 76)
    for (const merged of [hourlyWins, dailyWins]) for (let i = 1; i < merged.length; i++) assert.equal(merged[i]!.hour - merged[i - 1]!.hour, 3_600_000)
    const at = Date.parse('2014-04-01T12:00:00Z')
    assert.deepEqual(hourlyWins.find((h) => h.hour === at), onlyHourly.find((h) => h.hour === at))
    assert.deepEqual(dailyWins.find((h) => h.hour === at), onlyDaily.find((h) => h.hour === at))
    assert.notDeepEqual(onlyHourly.find((h) => h.hour === at), onlyDaily.find((h) => h.hour === at))
  })
})
