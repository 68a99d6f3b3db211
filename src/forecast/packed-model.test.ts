import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { gzipSync } from 'node:zlib'
import { localMidnight } from './calendar.js'
import { demoPickups } from './data/demo-data.js'
import { saveDemandModel, trainDemandModel } from './demand-model.js'
import { TRAINERS } from './models/index.js'
import { packDemandModel, unpackDemandModel } from './packed-model.js'

const ZONE = 'America/New_York'
const from = localMidnight('2014-03-03', ZONE)
const until = localMidnight('2014-03-15', ZONE)
const pickups = [...demoPickups({ records: 10_000, months: 1, clusters: 3, seed: 2, start: from })].flat().filter((p) => p.time < until)
const saved = saveDemandModel(
  trainDemandModel({ pickups, from, until, holdoutDays: 3, places: { kind: 'kmeans', k: 3 }, timeZone: ZONE, trainers: { ridge: TRAINERS.ridge!, historical_average: TRAINERS.historical_average! }, now: until }),
)

describe('a packed forecast version', () => {
  it('unpacks to the saved version, and its summary tells the period and every score', async () => {
    const { bytes, summary } = packDemandModel(saved)
    assert.ok(bytes.length < JSON.stringify(saved).length / 2, 'gzipped')
    assert.deepEqual(await unpackDemandModel(bytes), JSON.parse(JSON.stringify(saved)), 'the saved version, as JSON has it')
    assert.deepEqual(summary, {
      trainedAt: until,
      from,
      until,
      holdoutDays: 3,
      placesSpec: 'kmeans:3',
      questions: {
        next: { best: saved.questions.next!.best, scores: { ridge: saved.questions.next!.models.ridge!.scores, historical_average: saved.questions.next!.models.historical_average!.scores } },
        calendar: { best: saved.questions.calendar!.best, scores: { ridge: saved.questions.calendar!.models.ridge!.scores, historical_average: saved.questions.calendar!.models.historical_average!.scores } },
      },
    })
  })

  it('refuses bytes that are not one', async () => {
    await assert.rejects(unpackDemandModel(Buffer.from('not gzip')), { code: 'KOOBER_FORECAST_SAVED_MODEL', message: /not gzip/ })
    await assert.rejects(unpackDemandModel(gzipSync('{"format": 1,')), { code: 'KOOBER_FORECAST_SAVED_MODEL', message: /not JSON/ })
    const { bytes } = packDemandModel(saved)
    await assert.rejects(unpackDemandModel(bytes.subarray(0, bytes.length - 20)), { code: 'KOOBER_FORECAST_SAVED_MODEL' })
  })
})
