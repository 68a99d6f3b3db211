import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { newYorkToEpoch } from '../../forecast/data/index.js'
import type { WeatherHour } from '../../forecast/types.js'
import { openSqliteStore } from '../../store/index.js'
import { createPickupTables, daysBetween, pickupPages, pickupRow, readPickups, readWeather, weatherRow } from './pickup-tables.js'

const root = mkdtempSync(join(tmpdir(), 'koober-pickup-tables-'))
after(() => rmSync(root, { recursive: true, force: true }))

const HOUR = 3_600_000

describe('the pickups and weather tables', () => {
  it('reads back a date range of pickups in time order, across New York days and a clock change', async () => {
    const store = openSqliteStore({ dataDir: join(root, 'pickups') })
    try {
      await createPickupTables(store)
      // Every 20 minutes from 2014-11-01 00:00 to 2014-11-04 00:00, New York time (the clocks go back on 11-02).
      const start = newYorkToEpoch(2014, 11, 1, 0, 0, 0)
      const end = newYorkToEpoch(2014, 11, 4, 0, 0, 0)
      const pickups = []
      for (let time = start, i = 0; time < end; time += 20 * 60_000, i++) pickups.push({ time, lat: 40.7 + i / 10_000, lng: -73.9 })
      // Written in reverse order and in two calls, by ids of two sources.
      const rows = pickups.map((p, i) => pickupRow(p, `${i % 2 ? 'a' : 'b'}.csv:${i + 2}`)).reverse()
      await store.upsert('pickups', rows.slice(0, 100))
      await store.upsert('pickups', rows.slice(100))
      assert.equal(await store.count('pickups'), pickups.length)
      assert.deepEqual(
        (await store.query('pickups', { partition: { day: '2014-11-02' }, limit: 1 })).rows[0],
        { day: '2014-11-02', time: newYorkToEpoch(2014, 11, 2, 0, 0, 0), id: `b.csv:${3 * 24 + 2}`, lat: pickups[72]!.lat, lng: -73.9 },
      )
      assert.equal((await store.query('pickups', { partition: { day: '2014-11-02' }, limit: 1000 })).rows.length, 25 * 3, 'the day of the change has 25 hours')

      assert.deepEqual(await readPickups(store, start, end), pickups)
      const from = newYorkToEpoch(2014, 11, 1, 22, 10, 0)
      const to = newYorkToEpoch(2014, 11, 3, 1, 0, 0)
      assert.deepEqual(await readPickups(store, from, to), pickups.filter((p) => p.time >= from && p.time < to))
      assert.deepEqual(await readPickups(store, from, to, { pageSize: 7 }), pickups.filter((p) => p.time >= from && p.time < to), 'a page at a time')
      assert.deepEqual(await readPickups(store, to, from), [])

      // The store answers synchronously: without a turn of the event loop between pages, no timer or socket would run until the last.
      let turns = 0
      let reading = true
      const count = (): void => {
        if (!reading) return
        turns++
        setImmediate(count)
      }
      setImmediate(count)
      const pages = []
      for await (const page of pickupPages(store, start, end, { pageSize: 20 })) pages.push(page)
      reading = false
      assert.deepEqual(pages.flat(), pickups)
      assert.ok(pages.length >= 11 && pages.every((page) => page.length > 0 && page.length <= 20))
      assert.ok(turns >= pages.length - 1, `${turns} turns of the event loop while reading ${pages.length} pages`)

      // Writing the same ids again overwrites them.
      await store.upsert('pickups', rows)
      assert.equal(await store.count('pickups'), pickups.length)
    } finally {
      await store.close()
    }
  })

  it('keeps one weather row per hour, daily or hourly, and reads a range back', async () => {
    const store = openSqliteStore({ dataDir: join(root, 'weather') })
    try {
      await createPickupTables(store)
      const start = Date.parse('2014-04-01T00:00:00Z')
      const hours: WeatherHour[] = Array.from({ length: 72 }, (_, i) => ({
        hour: start + i * HOUR,
        temperature: 10 + Math.sin(i / 4),
        clear: i % 3 === 0,
        fog: false,
        rain: i % 3 === 1,
        snow: false,
        hail: false,
        thunder: i === 5,
        tornado: false,
        source: i < 24 ? 'daily' : 'hourly',
      }))
      await store.upsert('weather', hours.map(weatherRow))
      await store.upsert('weather', hours.slice(0, 10).map((h) => weatherRow({ ...h, temperature: -1 })))
      assert.equal(await store.count('weather'), 72)
      const back = await readWeather(store, start, start + 72 * HOUR)
      assert.deepEqual(back, [...hours.slice(0, 10).map((h) => ({ ...h, temperature: -1 })), ...hours.slice(10)])
      assert.deepEqual(await readWeather(store, start, start + 72 * HOUR, { pageSize: 5 }), back)
      assert.deepEqual(await readWeather(store, start + 30 * HOUR, start + 31 * HOUR), [hours[30]])
    } finally {
      await store.close()
    }
  })

  it('names the New York days a range touches', () => {
    assert.deepEqual(daysBetween(Date.parse('2014-04-01T04:00:00Z'), Date.parse('2014-04-03T04:00:00Z')), ['2014-04-01', '2014-04-02'])
    assert.deepEqual(daysBetween(Date.parse('2014-04-01T03:59:00Z'), Date.parse('2014-04-01T04:01:00Z')), ['2014-03-31', '2014-04-01'])
    assert.deepEqual(daysBetween(5, 5), [])
  })
})
