import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { localMidnight } from '../../forecast/calendar.js'
import { demoPickups } from '../../forecast/data/demo-data.js'
import { saveDemandModel, trainDemandModel } from '../../forecast/demand-model.js'
import { TRAINERS } from '../../forecast/models/index.js'
import { packDemandModel } from '../../forecast/packed-model.js'
import { openSqliteStore } from '../../store/index.js'
import { CITY_TIME_ZONE } from '../geo.js'
import { createForecastTables, FORECAST_CHUNKS_TABLE, listVersions, loadVersion, pruneVersions, saveVersion } from './forecast-versions.js'

const root = mkdtempSync(join(tmpdir(), 'koober-forecast-versions-'))
after(() => rmSync(root, { recursive: true, force: true }))

const from = localMidnight('2014-03-03', CITY_TIME_ZONE)
const until = localMidnight('2014-03-15', CITY_TIME_ZONE)
const pickups = [...demoPickups({ records: 10_000, months: 1, clusters: 3, seed: 4, start: from })].flat().filter((p) => p.time < until)
const saved = saveDemandModel(trainDemandModel({ pickups, from, until, holdoutDays: 3, places: { kind: 'kmeans', k: 3 }, timeZone: CITY_TIME_ZONE, trainers: { ridge: TRAINERS.ridge!, gbt: TRAINERS.gbt! } }))
const HOUR = 3_600_000
/** What a version is once stored: JSON (a score with no pair above the mask, NaN, comes back null). */
const asJson = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T

describe('forecast versions in the store', () => {
  it('saves a packed version in chunks and loads it back whole', async () => {
    const store = openSqliteStore({ dataDir: join(root, 'save') })
    try {
      await createForecastTables(store)
      const summary = await saveVersion(store, packDemandModel(saved))
      assert.equal(summary.version, saved.trainedAt)
      assert.deepEqual(await listVersions(store), [asJson(summary)])
      assert.deepEqual(await loadVersion(store, summary.version), asJson(saved))
      assert.equal(await loadVersion(store, summary.version + 1), undefined)
    } finally {
      await store.close()
    }
  })

  it('prunes all but the newest versions, rows and chunks, and keeps the newest whatever it is asked', async () => {
    const store = openSqliteStore({ dataDir: join(root, 'prune') })
    try {
      await createForecastTables(store)
      const times = [1, 2, 3, 4, 5].map((h) => until + h * HOUR)
      for (const trainedAt of times) await saveVersion(store, packDemandModel({ ...saved, trainedAt }))
      const chunksOf = async (version: number): Promise<number> => (await store.query(FORECAST_CHUNKS_TABLE.name, { partition: { version }, limit: 1000 })).rows.length
      assert.ok((await chunksOf(times[0]!)) >= 1)

      assert.deepEqual(await pruneVersions(store, 2), [times[2], times[1], times[0]])
      assert.deepEqual((await listVersions(store)).map((v) => v.version), [times[4], times[3]])
      for (const gone of times.slice(0, 3)) {
        assert.equal(await loadVersion(store, gone!), undefined)
        assert.equal(await chunksOf(gone!), 0, 'its chunks are gone too')
      }
      assert.deepEqual(await loadVersion(store, times[4]!), asJson({ ...saved, trainedAt: times[4] }))
      assert.deepEqual(await pruneVersions(store, 2), [], 'nothing more to prune')
      await assert.rejects(pruneVersions(store, 0), { code: 'KOOBER_INVALID_ARGUMENT' })
      assert.equal((await listVersions(store)).length, 2, 'a refused prune deletes nothing')
    } finally {
      await store.close()
    }
  })
})
