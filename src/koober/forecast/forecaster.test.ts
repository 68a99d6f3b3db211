import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { localMidnight } from '../../forecast/calendar.js'
import { demoPickups } from '../../forecast/data/demo-data.js'
import { saveDemandModel, trainDemandModel } from '../../forecast/demand-model.js'
import { TRAINERS } from '../../forecast/models/index.js'
import { packDemandModel } from '../../forecast/packed-model.js'
import { SLOT_MS, type Pickup } from '../../forecast/types.js'
import { openSqliteStore, type Store } from '../../store/index.js'
import { CITY_TIME_ZONE } from '../geo.js'
import { openKooberForecaster } from './forecaster.js'
import { runForecastRole } from './forecast-role.js'
import { createForecastTables, listVersions, saveVersion } from './forecast-versions.js'
import { createPickupTables, pickupRow, PICKUPS_TABLE, weatherRow, WEATHER_TABLE } from './pickup-tables.js'
import { trainFromStore } from './train-job.js'

const root = mkdtempSync(join(tmpdir(), 'koober-forecaster-'))
after(() => rmSync(root, { recursive: true, force: true }))

const from = localMidnight('2014-03-03', CITY_TIME_ZONE)
const until = localMidnight('2014-03-20', CITY_TIME_ZONE)
const pickups: Pickup[] = [...demoPickups({ records: 40_000, months: 1, clusters: 6, seed: 3, start: from })].flat().filter((p) => p.time < until)
const HOUR = 3_600_000

async function storeWithPickups(name: string, options: { weather?: boolean } = {}): Promise<Store> {
  const store = openSqliteStore({ dataDir: join(root, name) })
  await createPickupTables(store)
  await store.upsert(PICKUPS_TABLE.name, pickups.map((p, i) => pickupRow(p, `test:${i}`)))
  if (options.weather) {
    const hours = []
    // Rain on afternoons of odd days, so a model can tell rain from clear.
    for (let hour = from; hour < until + 10 * 86_400_000; hour += HOUR) {
      const rain = new Date(hour).getUTCDate() % 2 === 1 && new Date(hour).getUTCHours() >= 18
      hours.push(weatherRow({ hour, temperature: rain ? 6 : 12, clear: !rain, rain, fog: false, snow: false, hail: false, thunder: false, tornado: false }))
    }
    await store.upsert(WEATHER_TABLE.name, hours)
  }
  return store
}

describe('forecast: trained from the store, served from the store', () => {
  let store: Store
  before(async () => {
    store = await storeWithPickups('served', { weather: true })
  })
  after(() => store.close())

  it('before any training, every answer says to train first', async () => {
    const forecaster = await openKooberForecaster(store)
    await assert.rejects(forecaster.forecast({ at: until, question: 'calendar' }), (err: Error & { code?: string }) => err.code === 'KOOBER_FORECAST_NO_DATA' && /koober forecast train/.test(err.message))
    assert.deepEqual(await forecaster.models(), [])
  })

  it('trains both questions from the pickups and weather tables and lists every model with its scores, the best marked', async () => {
    const summary = await trainFromStore(store, { from, until, places: { kind: 'kmeans', k: 6 }, holdoutDays: 3 })
    const forecaster = await openKooberForecaster(store)
    const models = await forecaster.models()
    for (const question of ['next', 'calendar'] as const) {
      const mine = models.filter((m) => m.question === question && m.version === summary.version)
      assert.ok(mine.some((m) => m.algorithm === 'gbt') && mine.some((m) => m.algorithm === 'historical_average'), question)
      const best = mine.filter((m) => m.best)
      assert.equal(best.length, 1, `${question}: one best`)
      assert.equal(best[0]!.evaluation!.rmse, Math.min(...mine.map((m) => m.evaluation!.rmse)))
      assert.equal(best[0]!.places, 'kmeans:6')
      assert.equal(best[0]!.trainedFrom, from)
    }
  })

  it('forecasts a slot for every place or the places near a point, with the weather it used', async () => {
    const forecaster = await openKooberForecaster(store)
    const at = until + 2 * 86_400_000 + 18 * HOUR
    const all = await forecaster.forecast({ at, question: 'calendar' })
    assert.equal(all.places.length, 6)
    assert.equal(all.slotStart, Math.floor(at / SLOT_MS) * SLOT_MS)
    assert.ok(all.places.every((p) => p.demand >= 0 && Number.isFinite(p.lat)))
    assert.ok(all.weather, 'the weather table’s hour')
    assert.equal(all.weatherSource, 'table')
    const busiest = all.places.reduce((a, b) => (b.demand > a.demand ? b : a))
    const near = await forecaster.forecast({ at, question: 'calendar', near: { lat: busiest.lat, lng: busiest.lng, radiusMeters: 50 } })
    assert.deepEqual(near.places.map((p) => p.place), [busiest.place])
    const rainy = await forecaster.forecast({ at, question: 'calendar', algorithm: 'linear', weather: { temperature: 2, clear: false, rain: true, fog: false, snow: false, hail: false, thunder: false, tornado: false } })
    const clear = await forecaster.forecast({ at, question: 'calendar', algorithm: 'linear', weather: { temperature: 20, clear: true, rain: false, fog: false, snow: false, hail: false, thunder: false, tornado: false } })
    assert.equal(rainy.algorithm, 'linear')
    assert.equal(rainy.weatherSource, 'what-if')
    const beyond = await forecaster.forecast({ at: until + 30 * 86_400_000, question: 'calendar' })
    assert.deepEqual([beyond.weatherSource, beyond.weather], ['assumed', { temperature: 15, clear: true, fog: false, rain: false, snow: false, hail: false, thunder: false, tornado: false }], 'no weather near the slot: a mild clear hour, said so')
    assert.notDeepEqual(rainy.places.map((p) => p.demand), clear.places.map((p) => p.demand), 'the what-if weather changes the forecast')
    const next = await forecaster.forecast({ at: until - 5 * HOUR, question: 'next' })
    assert.equal(next.places.length, 6)
    await assert.rejects(forecaster.forecast({ at, question: 'calendar', algorithm: 'oracle' }), { code: 'KOOBER_FORECAST_UNKNOWN_ALGORITHM' })
  })

  it('charts a place: predicted against the pickups that happened, slot by slot', async () => {
    const forecaster = await openKooberForecaster(store)
    const start = until - 2 * 86_400_000
    for (const question of ['next', 'calendar'] as const) {
      const points = await forecaster.series({ place: 2, from: start, until, question })
      assert.equal(points.length, 96, question)
      assert.ok(points.every((p) => p.predicted >= 0 && p.actual !== null))
    }
    // Every pickup of those two days is some place's actual demand, once.
    let actual = 0
    for (let place = 0; place < 6; place++) for (const p of await forecaster.series({ place, from: start, until, question: 'calendar' })) actual += p.actual!
    assert.equal(actual, pickups.filter((p) => p.time >= start && p.time < until).length)
    await assert.rejects(forecaster.series({ place: 99, from: start, until, question: 'next' }), { code: 'KOOBER_INVALID_ARGUMENT' })
    await assert.rejects(forecaster.series({ place: 1, from: start - 30 * 86_400_000, until, question: 'next' }), /at most 14 days/)
  })

  it('forecasts the next half hour after what was observed, and refuses a later one rather than read the time between as no demand', async () => {
    const now = until - 5 * HOUR + 10 * 60_000
    const forecaster = await openKooberForecaster(store, { now: () => now })
    const current = await forecaster.forecast({ at: now, question: 'next' })
    assert.equal(current.slotStart, until - 5 * HOUR)
    const refused = (err: Error & { code?: string }): boolean =>
      err.code === 'KOOBER_INVALID_ARGUMENT' && /the next question forecasts the half hour after what has been observed.*the calendar question answers any later time/.test(err.message)
    await assert.rejects(forecaster.forecast({ at: now + SLOT_MS, question: 'next' }), refused)
    await assert.rejects(forecaster.forecast({ at: now + 7 * 86_400_000, question: 'next' }), refused)
    assert.equal((await forecaster.forecast({ at: now + 7 * 86_400_000, question: 'calendar' })).places.length, 6)
    // A chart reaching past now: next predicts up to the current half hour, calendar to the end; actual demand up to the last half hour over.
    const next = await forecaster.series({ place: 1, from: until - 10 * HOUR, until, question: 'next' })
    const calendar = await forecaster.series({ place: 1, from: until - 10 * HOUR, until, question: 'calendar' })
    assert.equal(next.length, 11)
    assert.equal(calendar.length, 20)
    assert.equal(next.at(-1)!.slotStart, current.slotStart)
    assert.ok(next.at(-1)!.actual === null && next.slice(0, -1).every((p) => p.actual !== null))
    assert.deepEqual(calendar.slice(0, 11).map((p) => p.actual), next.map((p) => p.actual))
    assert.ok(calendar.slice(10).every((p) => p.actual === null))
    await assert.rejects(forecaster.series({ place: 1, from: now + SLOT_MS, until: now + 10 * HOUR, question: 'next' }), refused)
  })

  it('serves a newer version once it is saved, without a restart', async () => {
    const forecaster = await openKooberForecaster(store, { refreshMs: 0 })
    const before = await forecaster.forecast({ at: until, question: 'calendar' })
    const newer = await trainFromStore(store, { from, until, places: { kind: 'grid', n: 3 }, holdoutDays: 3 })
    const after = await forecaster.forecast({ at: until, question: 'calendar' })
    assert.notEqual(after.version, before.version)
    assert.equal(after.version, newer.version)
    assert.equal(after.places.length, 9)
  })
})

describe('forecast: the role', () => {
  it('trains at once when the newest version is due, keeps the newest versions, then waits for the schedule; without pickups it says why and tries later', { timeout: 60_000 }, async () => {
    const store = await storeWithPickups('role')
    const empty = openSqliteStore({ dataDir: join(root, 'role-empty') })
    try {
      // A version two hours old, with an hourly schedule: due.
      const old = trainDemandModel({ pickups, from, until, holdoutDays: 3, places: { kind: 'kmeans', k: 3 }, timeZone: CITY_TIME_ZONE, trainers: { ridge: TRAINERS.ridge! }, now: until - 2 * HOUR })
      await createForecastTables(store)
      await saveVersion(store, packDemandModel(saveDemandModel(old)))
      const stop = new AbortController()
      const versions: number[] = []
      const role = runForecastRole({ store, everyMs: 3_600_000, days: 17, places: { kind: 'kmeans', k: 4 }, holdoutDays: 3, keepVersions: 1, signal: stop.signal, now: () => until, onVersion: (v) => void versions.push(v.version) })
      while (versions.length === 0) await new Promise((r) => setTimeout(r, 50))
      // The role deletes the older version once it has saved its own.
      while ((await listVersions(store)).length > 1) await new Promise((r) => setTimeout(r, 20))
      assert.deepEqual((await listVersions(store)).map((v) => v.version), versions)
      stop.abort()
      await role
      assert.equal(versions.length, 1, 'one training until the next is due')
      const answer = await (await openKooberForecaster(store)).forecast({ at: until, question: 'calendar' })
      assert.deepEqual([answer.weather, answer.weatherSource], [null, null], 'no weather table: a model without weather, and the answer says so')

      const skipped: string[] = []
      const stopEmpty = new AbortController()
      const idle = runForecastRole({ store: empty, everyMs: 3_600_000, days: 17, places: { kind: 'kmeans', k: 4 }, signal: stopEmpty.signal, onSkipped: (reason) => void skipped.push(reason) })
      while (skipped.length === 0) await new Promise((r) => setTimeout(r, 20))
      stopEmpty.abort()
      await idle
      assert.match(skipped[0]!, /no pickups in that period/)
    } finally {
      await store.close()
      await empty.close()
    }
  })
})
