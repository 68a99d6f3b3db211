import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { gzipSync } from 'node:zlib'
import type { Pickup } from '../types.js'
import { inNewYorkCity } from './nyc-bounds.js'
import { noRejects, pickupFileFormat, readPickupFile, type RejectCounts } from './pickup-csv.js'
import { addRejects } from './pickup-files.js'
import { headLines, UBER_APRIL, UBER_SEPTEMBER_SAMPLE, withoutNycData, writeLines } from './testing/nyc-fixtures.js'

const dir = mkdtempSync(join(tmpdir(), 'koober-pickup-csv-'))
after(() => rmSync(dir, { recursive: true, force: true }))

interface Read {
  pickups: Pickup[]
  lines: number[]
  rows: number
  rejected: RejectCounts
}

async function readAll(path: string): Promise<Read> {
  const out: Read = { pickups: [], lines: [], rows: 0, rejected: noRejects() }
  for await (const chunk of readPickupFile(path)) {
    out.pickups.push(...chunk.pickups)
    out.lines.push(...chunk.lines)
    out.rows += chunk.rows
    addRejects(out.rejected, chunk.rejected)
  }
  return out
}

/** An Uber FOIL row read independently: 2014's April and September are daylight time, UTC−4. */
function expectedUber(line: string): Pickup {
  const match = /^"?(\d+)\/(\d+)\/(\d{4}) (\d+):(\d+):(\d+)"?,([-\d.]+),([-\d.]+),/.exec(line)
  assert.ok(match, line)
  const [month, day, year, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number]
  return { time: Date.UTC(year, month - 1, day, hour + 4, minute, second), lat: Number(match[7]), lng: Number(match[8]) }
}

/** What the importer should make of real Uber lines: every row in the city, as read independently. */
function checkUber(read: Read, dataLines: string[]): void {
  const expected = dataLines.map(expectedUber)
  const inCity = expected.filter((p) => inNewYorkCity(p.lat, p.lng))
  assert.equal(read.rows, dataLines.length)
  assert.deepEqual(read.pickups, inCity)
  assert.deepEqual(read.rejected, { ...noRejects(), 'outside-city': expected.length - inCity.length })
}

describe('readPickupFile', { skip: withoutNycData }, () => {
  it('reads real rows of the April Uber file, gzip told by its bytes, not its name', async () => {
    const lines = await headLines(UBER_APRIL, 3001)
    assert.equal(lines[0], '"Date_Time","Lat","Lon","Base"')
    const gzipped = writeLines(dir, 'april-head.csv', lines, { gzip: true })
    const plain = writeLines(dir, 'april-head.csv.gz', lines)
    assert.equal((await pickupFileFormat(gzipped)).format.name, 'uber-foil')
    for (const path of [gzipped, plain]) {
      const read = await readAll(path)
      checkUber(read, lines.slice(1))
      assert.deepEqual(read.pickups[0], { time: Date.parse('2014-04-01T04:11:00Z'), lat: 40.769, lng: -73.9549 })
      assert.equal(read.lines[0], 2, 'the first data row is line 2')
    }
  })

  it('reads the September sample, whose rows are not in time order, and flags its points outside the city', async () => {
    const lines = await headLines(UBER_SEPTEMBER_SAMPLE, 20_000)
    const read = await readAll(UBER_SEPTEMBER_SAMPLE)
    checkUber(read, lines.slice(1))
    assert.ok(read.rejected['outside-city'] > 0, 'the sample has points far outside the city')
  })

  it('reads the whole April file, in chunks, with line numbers that match the file', async () => {
    const read = await readAll(UBER_APRIL)
    assert.equal(read.rows, 401_906)
    assert.equal(read.pickups.length + read.rejected['outside-city'], 401_906)
    assert.deepEqual({ ...read.rejected, 'outside-city': 0 }, noRejects())
    // Kept rows keep their file lines, strictly increasing, ending at or before the last line.
    for (let i = 1; i < read.lines.length; i++) assert.ok(read.lines[i]! > read.lines[i - 1]!)
    assert.ok(read.lines.at(-1)! <= 401_907)
    const tail = await headLines(UBER_APRIL, 401_907)
    const lastKept = read.lines.length - 1
    assert.deepEqual(read.pickups[lastKept], expectedUber(tail[read.lines[lastKept]! - 1]!))
  })
})

describe('readPickupFile on each format', () => {
  const formats: Array<{ name: string; header: string; rows: string[]; crlf?: boolean; gzip?: boolean }> = [
    {
      name: 'fhv-foil',
      header: 'time_of_trip,start_lat,start_lng',
      rows: ['9/4/2014 9:51,40.64705,-73.77988', '9/4/2014 14:16,40.74564,-73.97785'],
    },
    {
      name: 'yellow-2009',
      header: 'vendor_name,Trip_Pickup_DateTime,Trip_Dropoff_DateTime,Passenger_Count,Trip_Distance,Start_Lon,Start_Lat,Rate_Code,store_and_forward,End_Lon,End_Lat,Payment_Type,Fare_Amt,surcharge,mta_tax,Tip_Amt,Tolls_Amt,Total_Amt',
      rows: ['VTS,2009-01-04 02:52:00,2009-01-04 03:02:00,1,2.63,-73.991957,40.721567,,,-73.993803,40.695922,CASH,8.9,0.5,,0,0,9.4', 'DDS,2009-01-04 03:31:00,2009-01-04 03:38:00,3,4.55,-73.982102,40.73629,,,-73.95585,40.76803,Credit,12.1,0.5,,2,0,14.6'],
    },
    {
      name: 'yellow-2010',
      header: 'vendor_id,pickup_datetime,dropoff_datetime,passenger_count,trip_distance,pickup_longitude,pickup_latitude,rate_code,store_and_fwd_flag,dropoff_longitude,dropoff_latitude,payment_type,fare_amount,surcharge,mta_tax,tip_amount,tolls_amount,total_amount',
      // The 2010 files have a blank line after the header, and Windows line ends.
      rows: ['', 'VTS,2010-01-26 07:41:00,2010-01-26 07:45:00,1,0.75,-73.956778,40.76775,1,,-73.965957,40.765232,CAS,4.5,0,0.5,0,0,5', 'DDS,2010-01-30 23:31:00,2010-01-30 23:46:12,1,5.9,-73.996118,40.763932,1,,-74.008071,40.708902,CAS,14.9,0.5,0.5,0,0,15.9'],
      crlf: true,
    },
    {
      name: 'yellow-2010',
      // 2014: a space before every name.
      header: 'vendor_id, pickup_datetime, dropoff_datetime, passenger_count, trip_distance, pickup_longitude, pickup_latitude, rate_code, store_and_fwd_flag, dropoff_longitude, dropoff_latitude, payment_type, fare_amount, surcharge, mta_tax, tip_amount, tolls_amount, total_amount',
      rows: ['CMT,2014-01-09 20:45:25,2014-01-09 20:52:31,1,0.69999999999999996,-73.994770000000003,40.736828000000003,1,N,-73.982227000000002,40.731789999999997,CRD,6.5,0.5,0.5,1.3999999999999999,0,8.9000000000000004', 'CMT,2014-01-09 20:46:12,2014-01-09 20:55:12,1,1.3999999999999999,-73.982392000000004,40.773381999999998,1,N,-73.960448999999997,40.763995000000001,CRD,8.5,0.5,0.5,1.8999999999999999,0,11.4'],
      gzip: true,
    },
    {
      name: 'yellow-2015',
      header: 'VendorID,tpep_pickup_datetime,tpep_dropoff_datetime,passenger_count,trip_distance,pickup_longitude,pickup_latitude,RateCodeID,store_and_fwd_flag,dropoff_longitude,dropoff_latitude,payment_type,fare_amount,extra,mta_tax,tip_amount,tolls_amount,improvement_surcharge,total_amount',
      rows: ['2,2015-01-15 19:05:39,2015-01-15 19:23:42,1,1.59,-73.993896484375,40.750110626220703,1,N,-73.974784851074219,40.750617980957031,1,12,1,0.5,3.25,0,0.3,17.05', '1,2015-01-10 20:33:38,2015-01-10 20:53:28,1,3.30,-74.00164794921875,40.7242431640625,1,N,-74.004325866699219,40.742652893066406,1,14.5,0.5,0.5,2,0,0.3,17.8'],
    },
    {
      name: 'green',
      header: 'VendorID,lpep_pickup_datetime,Lpep_dropoff_datetime,Store_and_fwd_flag,RateCodeID,Pickup_longitude,Pickup_latitude,Dropoff_longitude,Dropoff_latitude,Passenger_count,Trip_distance',
      rows: ['2,2015-09-01 00:02:34,2015-09-01 00:02:38,N,5,-73.979484558105469,40.684955596923828,-73.979727,40.68496,1,0'],
    },
  ]

  for (const [i, format] of formats.entries()) {
    it(`reads ${format.name} (${format.header.slice(0, 40)}...)`, async () => {
      const path = writeLines(dir, `format-${i}.csv`, [format.header, ...format.rows], { crlf: format.crlf, gzip: format.gzip })
      const columns = await pickupFileFormat(path)
      assert.equal(columns.format.name, format.name)
      const read = await readAll(path)
      const dataRows = format.rows.filter((r) => r.length > 0)
      assert.equal(read.rows, dataRows.length)
      assert.deepEqual(read.rejected, noRejects())
      const names = format.header.split(',').map((n) => n.trim().toLowerCase())
      const at = (spellings: readonly string[]): number => names.findIndex((n) => spellings.includes(n))
      const expected = dataRows.map((row) => {
        const fields = row.split(',')
        const [date, time] = fields[at(columns.format.time)]!.split(' ') as [string, string]
        const local = date.includes('/') ? date.replace(/^(\d+)\/(\d+)\/(\d{4})$/, (_, m: string, d: string, y: string) => `${y}-${m.padStart(2, '0')}-${d.padStart(2, '0')}`) : date
        const clock = time.split(':').map((part) => part.padStart(2, '0'))
        const wall = `${local}T${[...clock, '00'].slice(0, 3).join(':')}`
        // Every sample date is in winter (EST, UTC−5) or summer (EDT, UTC−4) by its month.
        const month = Number(local.slice(5, 7))
        const offset = month >= 4 && month <= 10 ? '-04:00' : '-05:00'
        return { time: Date.parse(`${wall}${offset}`), lat: Number(fields[at(columns.format.lat)]), lng: Number(fields[at(columns.format.lng)]) }
      })
      assert.deepEqual(read.pickups, expected)
    })
  }
})

describe('readPickupFile on bad input', () => {
  it('counts each kind of bad row by reason, keeps the good rows around them, and never throws', async () => {
    const path = writeLines(dir, 'malformed.csv', [
      'Date/Time,Lat,Lon,Base',
      '4/1/2014 0:11:00,40.769,-73.9549,B02512', // line 2: good
      '4/1/2014 0:12:00', // short-row
      '4/1/2014 0:12:00,40.7', // short-row
      'yesterday,40.7,-73.9,B1', // bad-time
      '4/31/2014 0:12:00,40.7,-73.9,B1', // bad-time: April has 30 days
      ',40.7,-73.9,B1', // bad-time
      '4/1/2014 0:13:00,abc,-73.9,B1', // bad-coordinates
      '4/1/2014 0:13:00,,-73.9,B1', // bad-coordinates
      '4/1/2014 0:13:00,95,-73.9,B1', // bad-coordinates
      '4/1/2014 0:13:00, ,-73.9,B1', // bad-coordinates
      '4/1/2014 0:14:00,0,0,B1', // outside-city
      '4/1/2014 0:14:00,40.07,-74.77,B1', // outside-city
      '', // blank: not a row
      '"4/1/2014 0:15:00","40.7","-73.9","B1"', // line 15: good
    ])
    const read = await readAll(path)
    assert.equal(read.rows, 13)
    assert.deepEqual(read.rejected, { 'short-row': 2, 'bad-time': 3, 'bad-coordinates': 4, 'outside-city': 2 })
    assert.deepEqual(read.lines, [2, 15])
    assert.deepEqual(read.pickups, [
      { time: Date.parse('2014-04-01T04:11:00Z'), lat: 40.769, lng: -73.9549 },
      { time: Date.parse('2014-04-01T04:15:00Z'), lat: 40.7, lng: -73.9 },
    ])
  })

  it('reads a file with a header and no rows as no pickups', async () => {
    const read = await readAll(writeLines(dir, 'header-only.csv', ['time_of_trip,start_lat,start_lng']))
    assert.deepEqual(read, { pickups: [], lines: [], rows: 0, rejected: noRejects() })
  })

  it('refuses an unknown header, naming the columns it expected', async () => {
    const path = writeLines(dir, 'unknown.csv', ['when,where,who', '1,2,3'])
    await assert.rejects(readAll(path), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'KOOBER_IMPORT_FORMAT')
      assert.match(err.message, /unknown\.csv is not a pickup file/)
      assert.match(err.message, /\["when","where","who"\]/)
      for (const expected of ['Date/Time,Lat,Lon', 'time_of_trip,start_lat,start_lng', 'Trip_Pickup_DateTime', 'tpep_pickup_datetime']) assert.ok(err.message.includes(expected), expected)
      return true
    })
    await assert.rejects(pickupFileFormat(path), { code: 'KOOBER_IMPORT_FORMAT' })
  })

  it('refuses an empty file, a missing file and a broken gzip file with clear errors', async () => {
    const empty = join(dir, 'empty.csv')
    writeFileSync(empty, '')
    await assert.rejects(readAll(empty), { code: 'KOOBER_IMPORT_FORMAT', message: /empty\.csv is empty/ })
    await assert.rejects(pickupFileFormat(empty), { code: 'KOOBER_IMPORT_FORMAT' })
    await assert.rejects(readAll(join(dir, 'missing.csv')), { code: 'KOOBER_IMPORT_IO', message: /missing\.csv: no such file/ })
    const broken = join(dir, 'broken.csv.gz')
    writeFileSync(broken, Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.from('not really gzip at all')]))
    await assert.rejects(readAll(broken), { code: 'KOOBER_IMPORT_IO', message: /broken\.csv\.gz/ })
    const whole = gzipSync('Date/Time,Lat,Lon,Base\n' + '4/1/2014 0:11:00,40.769,-73.9549,B02512\n'.repeat(5000))
    const truncated = join(dir, 'truncated.csv.gz')
    writeFileSync(truncated, whole.subarray(0, whole.length - 40))
    await assert.rejects(readAll(truncated), { code: 'KOOBER_IMPORT_IO', message: /truncated\.csv\.gz/ })
  })
})
