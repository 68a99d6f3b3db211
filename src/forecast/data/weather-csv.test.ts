import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { newYorkFields } from './new-york-time.js'
import { headLines, WEATHER_DAILY, WEATHER_HOURLY, withoutNycData, writeLines } from './testing/nyc-fixtures.js'
import { flagsFromDescription, noWeatherFlags } from './weather-conditions.js'
import { readWeatherFile } from './weather-csv.js'

const dir = mkdtempSync(join(tmpdir(), 'koober-weather-csv-'))
after(() => rmSync(dir, { recursive: true, force: true }))

const celsius = (f: number): number => ((f - 32) * 5) / 9
const close = (actual: number, expected: number, what: string): void => assert.ok(Math.abs(actual - expected) < 1e-9, `${what}: ${actual} ≠ ${expected}`)

describe('readWeatherFile: NOAA GHCN-Daily', { skip: withoutNycData }, () => {
  it('spreads real days over their New York hours: coldest at 06:00 at TMIN, warmest at 15:00 at TMAX', async () => {
    const all = await headLines(WEATHER_DAILY, 10_000)
    // 2014-04-01 .. 2014-04-23, cut from the shared file.
    const april = all.filter((line) => /"2014-04-(0[1-9]|1\d|2[0-3])"/.test(line))
    assert.equal(april.length, 23)
    const path = writeLines(dir, 'daily-april.csv', [all[0]!, ...april])
    const file = await readWeatherFile(path)
    assert.equal(file.format, 'ghcn-daily')
    assert.equal(file.rows, 23)
    assert.deepEqual(file.rejected, {})
    assert.equal(file.hours.length, 23 * 24)
    assert.equal(file.hours[0]!.hour, Date.parse('2014-04-01T04:00:00Z'), 'the first hour is local midnight')
    for (let i = 1; i < file.hours.length; i++) assert.equal(file.hours[i]!.hour - file.hours[i - 1]!.hour, 3_600_000)
    // DATE, AWND, PRCP, SNOW, SNWD, TMAX, TMIN, after a NAME that holds a comma.
    const parsed = april.map((line) => {
      const f = /"(\d{4}-\d{2}-\d{2})","([^"]*)","([^"]*)","([^"]*)","([^"]*)","([^"]*)","([^"]*)"$/.exec(line)!
      return { date: f[1]!, prcp: Number(f[3]), snow: Number(f[4]), tmax: Number(f[6]), tmin: Number(f[7]) }
    })
    for (let k = 1; k < parsed.length - 1; k++) {
      const { date, prcp, snow, tmax, tmin } = parsed[k]!
      const around = parsed.slice(k - 1, k + 2)
      const [low, high] = [celsius(Math.min(...around.map((d) => d.tmin))), celsius(Math.max(...around.map((d) => d.tmax)))]
      const day = file.hours.filter((h) => new Date(h.hour - 4 * 3_600_000).toISOString().startsWith(date))
      assert.equal(day.length, 24, date)
      close(day[6]!.temperature, celsius(tmin), `${date} 06:00`)
      close(day[15]!.temperature, celsius(tmax), `${date} 15:00`)
      for (const hour of day) assert.ok(hour.temperature >= low - 1e-9 && hour.temperature <= high + 1e-9, `${date}: between the extremes of its neighbours`)
      assert.ok(day[12]!.temperature > day[6]!.temperature || tmax === tmin, `${date}: noon is warmer than dawn`)
      assert.equal(day[0]!.rain, prcp - snow / 10 >= 0.01, `${date} rain (PRCP ${prcp})`)
      assert.equal(day[0]!.snow, snow >= 0.1, `${date} snow`)
      assert.equal(day[0]!.clear, !day[0]!.rain && !day[0]!.snow)
      assert.ok(day.every((h) => h.rain === day[0]!.rain && h.clear === day[0]!.clear), 'the conditions hold all day')
    }
    assert.ok(file.hours.some((h) => h.rain) && file.hours.some((h) => h.clear), 'April 2014 had wet days and dry days')
  })

  it('gives a day of a clock change 23 or 25 hours, and reads snow', async () => {
    const all = await headLines(WEATHER_DAILY, 10_000)
    const days = all.filter((line) => /"2014-(03-09|11-02|02-13)"/.test(line))
    const file = await readWeatherFile(writeLines(dir, 'daily-dst.csv', [all[0]!, ...days]))
    const onDay = (date: string): number => file.hours.filter((h) => {
      const f = newYorkFields(h.hour)
      return `${f.year}-${String(f.month).padStart(2, '0')}-${String(f.day).padStart(2, '0')}` === date
    }).length
    assert.equal(onDay('2014-03-09'), 23)
    assert.equal(onDay('2014-11-02'), 25)
    assert.equal(onDay('2014-02-13'), 24)
    // 2014-02-13: 9.5 inches of snow in Central Park.
    const snowy = file.hours.find((h) => newYorkFields(h.hour).day === 13)!
    assert.equal(snowy.snow, true)
    assert.equal(snowy.clear, false)
  })

  it('reads the whole file: 5,538 days, one row per hour', async () => {
    const file = await readWeatherFile(WEATHER_DAILY)
    assert.equal(file.rows, 5538)
    assert.equal(file.hours.length, 5538 * 24)
    assert.deepEqual(file.rejected, {})
  })
})

describe('readWeatherFile: hourly UTC', { skip: withoutNycData }, () => {
  it('reads real hours: UTC times, °C corrected from Kelvin − 273, descriptions as flags, a missing humidity harmless', async () => {
    const lines = await headLines(WEATHER_HOURLY, 200)
    const file = await readWeatherFile(writeLines(dir, 'hourly.csv', lines, { gzip: true }))
    assert.equal(file.format, 'hourly-utc')
    assert.equal(file.rows, 199)
    assert.deepEqual(file.rejected, {})
    assert.equal(lines[2], '2014-04-01 01:00:00,cloudy,8.829999999999984,,1016.0,5.0,340.0')
    const second = file.hours[1]!
    assert.equal(second.hour, Date.parse('2014-04-01T01:00:00Z'))
    close(second.temperature, 8.829999999999984 - 0.15, 'temperature')
    assert.deepEqual({ ...second, hour: 0, temperature: 0 }, { hour: 0, temperature: 0, ...noWeatherFlags(), source: 'hourly' })
    for (const [i, line] of lines.slice(1).entries()) {
      const [time, description] = line.split(',') as [string, string]
      assert.equal(file.hours[i]!.hour, Date.parse(`${time.replace(' ', 'T')}Z`))
      assert.equal(file.hours[i]!.rain, description.includes('rain'))
    }
  })

  it('reads the whole file and rejects rows without a temperature or a time', async () => {
    const file = await readWeatherFile(WEATHER_HOURLY)
    assert.equal(file.hours.length, 8690)
    const lines = await headLines(WEATHER_HOURLY, 3)
    const broken = writeLines(dir, 'hourly-broken.csv', [
      lines[0]!,
      lines[1]!,
      '2014-04-01 01:00:00,cloudy,,40.0,1016.0,5.0,340.0',
      '2014-13-01 02:00:00,cloudy,9.1,40.0,1016.0,5.0,340.0',
      'later,cloudy,9.1,40.0,1016.0,5.0,340.0',
      '2014-04-01 03:00:00',
    ])
    const read = await readWeatherFile(broken)
    assert.equal(read.hours.length, 1)
    assert.deepEqual(read.rejected, { 'missing-temperature': 1, 'bad-time': 2, 'short-row': 1 })
  })
})

describe('readWeatherFile on bad files', () => {
  it('refuses a pickup file, an empty file and a missing file with clear errors', async () => {
    const pickups = writeLines(dir, 'pickups.csv', ['Date/Time,Lat,Lon,Base', '4/1/2014 0:11:00,40.769,-73.9549,B02512'])
    await assert.rejects(readWeatherFile(pickups), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'KOOBER_IMPORT_FORMAT')
      assert.match(err.message, /pickups\.csv is not a weather file/)
      assert.match(err.message, /STATION,NAME,DATE,AWND,PRCP,SNOW,SNWD,TMAX,TMIN/)
      assert.match(err.message, /DateTime,Description,Temperature/)
      return true
    })
    await assert.rejects(readWeatherFile(writeLines(dir, 'blank.csv', [''])), { code: 'KOOBER_IMPORT_FORMAT', message: /is empty/ })
    await assert.rejects(readWeatherFile(join(dir, 'nope.csv')), { code: 'KOOBER_IMPORT_IO' })
  })

  it('rejects daily rows without temperatures or with impossible dates, and reads weather-type columns when present', async () => {
    const file = await readWeatherFile(
      writeLines(dir, 'daily-flags.csv', [
        'STATION,DATE,PRCP,SNOW,TMAX,TMIN,WT01,WT03,WT05,WT10',
        'X,2014-06-01,0.00,0.0,80,60,1,,,',
        'X,2014-06-02,0.50,0.0,75,65,,1,1,1',
        'X,2014-06-03,0.00,0.0,,65,,,,',
        'X,2014-02-30,0.00,0.0,40,30,,,,',
        'X,2014-06-04,T,M,70,60,,,,',
      ]),
    )
    assert.deepEqual(file.rejected, { 'missing-temperature': 1, 'bad-date': 1 })
    const first = (day: number): (typeof file.hours)[number] => file.hours.find((h) => newYorkFields(h.hour).day === day)!
    assert.deepEqual({ ...first(1), hour: 0, temperature: 0 }, { hour: 0, temperature: 0, ...noWeatherFlags(), fog: true, source: 'daily' })
    assert.deepEqual({ ...first(2), hour: 0, temperature: 0 }, { hour: 0, temperature: 0, ...noWeatherFlags(), rain: true, thunder: true, hail: true, tornado: true, source: 'daily' })
    assert.deepEqual({ ...first(4), hour: 0, temperature: 0 }, { hour: 0, temperature: 0, ...noWeatherFlags(), clear: true, source: 'daily' })
    // Midnight between two days joins them: the evening falls toward the next day's minimum.
    const june1 = file.hours.filter((h) => newYorkFields(h.hour).day === 1)
    assert.ok(june1[23]!.temperature > celsius(65) && june1[23]!.temperature < celsius(80))
  })
})

describe('flagsFromDescription', () => {
  it('maps the descriptions of the hourly file onto the original flags', () => {
    const flags = (description: string): string[] => Object.entries(flagsFromDescription(description)).filter(([, on]) => on).map(([flag]) => flag)
    assert.deepEqual(flags('clear sky'), ['clear'])
    for (const none of ['cloudy', 'overcast', 'haze', 'dust']) assert.deepEqual(flags(none), [], none)
    assert.deepEqual(flags('mist'), ['fog'])
    assert.deepEqual(flags('fog'), ['fog'])
    for (const rain of ['light rain', 'moderate rain', 'heavy rain', 'shower rain', 'drizzle']) assert.deepEqual(flags(rain), ['rain'], rain)
    assert.deepEqual(flags('snow'), ['snow'])
    assert.deepEqual(flags('thunderstorm'), ['thunder'])
    assert.deepEqual(flags('thunderstorm with heavy rain'), ['rain', 'thunder'])
    assert.deepEqual(flags('hail'), ['hail'])
    assert.deepEqual(flags('Tornado'), ['tornado'])
  })
})
