import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Pickup } from '../types.js'
import { addMonths, demoClusters, demoPickups, type DemoDataOptions } from './demo-data.js'
import { newYorkFields, newYorkToEpoch } from './new-york-time.js'
import { inNewYorkCity } from './nyc-bounds.js'

const START = newYorkToEpoch(2014, 3, 1, 0, 0, 0)
const OPTIONS: DemoDataOptions = { records: 60_000, months: 2, clusters: 12, seed: 42, start: START }

const all = (options: DemoDataOptions, chunkSize?: number): Pickup[] => [...demoPickups(options, chunkSize)].flat()

describe('demoPickups', () => {
  const pickups = all(OPTIONS)

  it('makes exactly the records asked for, in time order, within the months asked for, inside the city', () => {
    assert.equal(pickups.length, 60_000)
    const end = newYorkToEpoch(2014, 5, 1, 0, 0, 0)
    for (let i = 0; i < pickups.length; i++) {
      const p = pickups[i]!
      assert.ok(p.time >= START && p.time < end, `pickup ${i} at ${new Date(p.time).toISOString()}`)
      if (i > 0) assert.ok(p.time >= pickups[i - 1]!.time, `pickup ${i} in order`)
      assert.ok(inNewYorkCity(p.lat, p.lng), `pickup ${i} in the city`)
    }
  })

  it('is the same for the same seed (whatever the chunk size) and differs for another seed', () => {
    assert.deepEqual(all(OPTIONS, 7_000), pickups)
    const other = all({ ...OPTIONS, seed: 43 })
    assert.equal(other.length, pickups.length)
    assert.notDeepEqual(other.slice(0, 100), pickups.slice(0, 100))
  })

  it('has a daily rhythm: quiet nights, a morning peak and a higher evening peak on weekdays', () => {
    const weekday = new Array<number>(24).fill(0)
    for (const p of pickups) {
      const { hour, weekday: day } = newYorkFields(p.time)
      if (day >= 1 && day <= 5) weekday[hour]!++
    }
    assert.ok(weekday[18]! > 4 * weekday[4]!, `18:00 ${weekday[18]} against 04:00 ${weekday[4]}`)
    assert.ok(weekday[8]! > 2 * weekday[4]!, `08:00 ${weekday[8]} against 04:00 ${weekday[4]}`)
    assert.ok(weekday[8]! > weekday[5]! && weekday[8]! > weekday[11]!, 'a morning peak at 08:00')
    assert.ok(weekday[18]! > weekday[8]!, 'the evening peak is the higher one')
  })

  it('has a weekly rhythm: weekend mornings are quieter and weekend nights busier than on weekdays', () => {
    const share = (weekend: boolean, hours: number[]): number => {
      let inHours = 0
      let total = 0
      for (const p of pickups) {
        const { hour, weekday } = newYorkFields(p.time)
        if ((weekday === 0 || weekday === 6) !== weekend) continue
        total++
        if (hours.includes(hour)) inHours++
      }
      return inHours / total
    }
    assert.ok(share(true, [7, 8, 9]) < 0.6 * share(false, [7, 8, 9]), 'weekend mornings')
    assert.ok(share(true, [0, 1, 2, 3]) > 1.5 * share(false, [0, 1, 2, 3]), 'weekend nights')
  })

  it('gathers pickups around clusters of different sizes', () => {
    const clusters = demoClusters(OPTIONS.clusters, OPTIONS.seed)
    assert.deepEqual(demoClusters(OPTIONS.clusters, OPTIONS.seed), clusters)
    const meters = (p: Pickup, c: { lat: number; lng: number }): number =>
      Math.hypot((p.lat - c.lat) * 111_320, (p.lng - c.lng) * 111_320 * Math.cos((c.lat * Math.PI) / 180))
    const nearest = new Array<number>(clusters.length).fill(0)
    let near = 0
    for (const p of pickups) {
      let best = 0
      for (let c = 1; c < clusters.length; c++) if (meters(p, clusters[c]!) < meters(p, clusters[best]!)) best = c
      nearest[best]!++
      if (meters(p, clusters[best]!) < 4 * clusters[best]!.radiusMeters) near++
    }
    assert.ok(near > 0.99 * pickups.length, `${near} of ${pickups.length} pickups lie within 4 spreads of a centre`)
    const sorted = [...nearest].sort((a, b) => b - a)
    assert.ok(sorted[0]! > 3 * sorted.at(-1)!, `the biggest place (${sorted[0]}) dwarfs the smallest (${sorted.at(-1)})`)
  })

  it('refuses options that cannot make demo data', () => {
    for (const bad of [{ records: 0 }, { months: 0 }, { clusters: 0 }, { records: 1.5 }, { seed: -1 }, { start: Number.NaN }]) {
      assert.throws(() => all({ ...OPTIONS, ...bad }), { code: 'KOOBER_INVALID_ARGUMENT' }, JSON.stringify(bad))
    }
  })
})

describe('addMonths', () => {
  it('moves by calendar months on the New York clock, across clock changes', () => {
    assert.equal(addMonths(START, 1), newYorkToEpoch(2014, 4, 1, 0, 0, 0))
    assert.equal(addMonths(START, 12), newYorkToEpoch(2015, 3, 1, 0, 0, 0))
    assert.equal(addMonths(newYorkToEpoch(2014, 11, 15, 0, 0, 0), -2), newYorkToEpoch(2014, 9, 15, 0, 0, 0))
    assert.equal(addMonths(newYorkToEpoch(2014, 1, 31, 0, 0, 0), 1), newYorkToEpoch(2014, 3, 3, 0, 0, 0))
  })
})
