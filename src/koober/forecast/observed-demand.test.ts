import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { countDemand, type DemandSeries } from '../../forecast/demand.js'
import { loadPlaces } from '../../forecast/places.js'
import { SLOT_MS, type Pickup } from '../../forecast/types.js'
import { openSqliteStore, type Store } from '../../store/index.js'
import { ObservedDemand } from './observed-demand.js'
import { createPickupTables, pickupRow, PICKUPS_TABLE, readPickups } from './pickup-tables.js'

const root = mkdtempSync(join(tmpdir(), 'koober-observed-demand-'))
after(() => rmSync(root, { recursive: true, force: true }))

/** Three places along a street: a pickup belongs to the nearest. */
const places = loadPlaces({ kind: 'kmeans', lngScale: 1, centres: [[40.75, -74], [40.75, -73.95], [40.75, -73.9]] })
const START = Date.parse('2014-04-01T04:00:00Z') / SLOT_MS
const SLOTS = 6 * 48
/** Six days of pickups, a few per slot, spread over the places by a rule that changes from slot to slot. */
const pickups: Pickup[] = []
for (let i = 0; i < SLOTS; i++) for (let k = 0; k < (i * 7) % 5; k++) pickups.push({ time: (START + i) * SLOT_MS + k * 60_000, lat: 40.75, lng: -74 + ((i + k) % 3) * 0.05 })

let seq = 0
async function storeWith(rows: Pickup[]): Promise<Store> {
  const store = openSqliteStore({ dataDir: join(root, `store-${seq++}`) })
  await createPickupTables(store)
  await store.upsert(PICKUPS_TABLE.name, rows.map((p, i) => pickupRow(p, `test:${i}`)))
  return store
}

/** What the table holds over the slots, counted the plain way. */
async function expected(store: Store, fromSlot: number, untilSlot: number): Promise<DemandSeries> {
  const range = { from: fromSlot * SLOT_MS, until: untilSlot * SLOT_MS }
  const { outside: _, ...demand } = countDemand(await readPickups(store, range.from, range.until), places, range)
  return demand
}

describe('observed demand, kept and extended', () => {
  let store: Store
  before(async () => {
    store = await storeWith(pickups)
  })
  after(() => store.close())

  it('counts every place and slot as a plain count of the range does, whatever the requests before it', async () => {
    const observed = new ObservedDemand(store, places, { now: () => (START + SLOTS + 48) * SLOT_MS, maxSlots: 3 * 48 })
    const requests: Array<[number, number]> = [
      [START + 48, START + 96], // a first run
      [START + 60, START + 120], // extends it forward
      [START + 20, START + 100], // and back
      [START + 30, START + 40], // inside it
      [START + 200, START + 230], // away from it: a new run
      [START + 100, START + 210], // joins that one from before
      [START + 40, START + 250], // more than three days: counted, not kept
      [START + 200, START + SLOTS], // three days at most are kept, the newest: the run's start is dropped
      [START + 100, START + 110], // before what is kept: a new run
    ]
    for (const [from, until] of requests) assert.deepEqual(await observed.get(from, until), await expected(store, from, until), `slots ${from - START} … ${until - START}`)
  })

  it('answers requests at the same time one after the other, each right', async () => {
    const observed = new ObservedDemand(store, places, { now: () => (START + SLOTS + 48) * SLOT_MS })
    const ranges: Array<[number, number]> = [[START + 50, START + 150], [START + 100, START + 200], [START, START + 20], [START + 190, START + 260]]
    const answers = await Promise.all(ranges.map(([from, until]) => observed.get(from, until)))
    for (const [i, [from, until]] of ranges.entries()) assert.deepEqual(answers[i], await expected(store, from, until))
  })

  it('refuses an empty or broken range', async () => {
    const observed = new ObservedDemand(store, places, { now: Date.now })
    await assert.rejects(observed.get(START + 5, START + 5), { code: 'KOOBER_INVALID_ARGUMENT' })
    await assert.rejects(observed.get(START + 0.5, START + 5), { code: 'KOOBER_INVALID_ARGUMENT' })
  })
})

describe('observed demand reads only what it lacks', () => {
  it('reads the newest slots again once they may have changed, and never the older ones it counted', async () => {
    const store = await storeWith(pickups)
    try {
      const end = START + SLOTS
      let now = end * SLOT_MS + 5 * 60_000
      const observed = new ObservedDemand(store, places, { now: () => now, ttlMs: 30_000, lateMs: 10 * 60_000 })
      const first = await observed.get(end - 96, end)
      assert.deepEqual(first, await expected(store, end - 96, end))

      // A pickup of the slot that ended 5 minutes ago, landing late; and one written into a slot long over (an import into the past).
      const late = { time: (end - 1) * SLOT_MS + 29 * 60_000, lat: 40.75, lng: -74 }
      const backfill = { time: (end - 50) * SLOT_MS, lat: 40.75, lng: -74 }
      await store.upsert(PICKUPS_TABLE.name, [pickupRow(late, 'late:1'), pickupRow(backfill, 'backfill:1')])
      const at = (series: DemandSeries, slot: number): number => series.counts[0 * series.slots + slot - series.fromSlot]!

      assert.deepEqual(await observed.get(end - 96, end), first, 'within the ttl: what it counted')
      now += 30_000
      const again = await observed.get(end - 96, end)
      assert.equal(at(again, end - 1), at(first, end - 1) + 1, 'the newest slot is read again: the late pickup counts')
      assert.equal(at(again, end - 50), at(first, end - 50), 'a slot counted long after it ended is not read again')

      // Half an hour on: one more slot, read with the one before it, never the rest.
      now += SLOT_MS
      const moved = await observed.get(end - 95, end + 1)
      assert.equal(at(moved, end - 1), at(again, end - 1))
      assert.equal(at(moved, end - 50), at(first, end - 50))

      // Asked far away, it starts a new run: the pickup written into the past counts from then on.
      await observed.get(START, START + 10)
      const fresh = await observed.get(end - 96, end)
      assert.equal(at(fresh, end - 50), at(first, end - 50) + 1)
      assert.deepEqual(fresh, await expected(store, end - 96, end))
    } finally {
      await store.close()
    }
  })
})
