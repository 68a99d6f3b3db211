import { setImmediate as nextTurn } from 'node:timers/promises'
import { newYorkDay, newYorkDayNumber } from '../../forecast/data/index.js'
import type { Pickup, WeatherHour } from '../../forecast/types.js'
import type { Row, Store, TableSchema } from '../../store/index.js'

/*
 * The tables the forecast role learns from. Both are partitioned by New York
 * local day (`YYYY-MM-DD`), so retraining over a date range reads one
 * partition per day, in time order, with plain store queries on either
 * backend. A pickup's row is keyed by its time and an id derived from where
 * it came from (a file and line, a ride, a demo seed and index), so importing
 * the same file again, or replaying the same ride, overwrites its rows.
 */

export const PICKUPS_TABLE: TableSchema = {
  name: 'pickups',
  columns: { day: 'text', time: 'timestamp', id: 'text', lat: 'double', lng: 'double' },
  partitionKey: ['day'],
  clusteringKey: ['time', 'id'],
}

export const WEATHER_TABLE: TableSchema = {
  name: 'weather',
  columns: {
    day: 'text',
    hour: 'timestamp',
    temperature: 'double',
    clear: 'boolean',
    fog: 'boolean',
    rain: 'boolean',
    snow: 'boolean',
    hail: 'boolean',
    thunder: 'boolean',
    tornado: 'boolean',
    /** `hourly` or `daily` (spread from a daily record: see WeatherHour.source). */
    source: 'text',
  },
  partitionKey: ['day'],
  clusteringKey: ['hour'],
}

export async function createPickupTables(store: Store): Promise<void> {
  await store.createTable(PICKUPS_TABLE)
  await store.createTable(WEATHER_TABLE)
}

/** A pickup's row; `id` names where it came from (see the table's comment). */
export function pickupRow(pickup: Pickup, id: string): Row {
  return { day: newYorkDay(pickup.time), time: pickup.time, id, lat: pickup.lat, lng: pickup.lng }
}

export function weatherRow(hour: WeatherHour): Row {
  return {
    day: newYorkDay(hour.hour),
    hour: hour.hour,
    temperature: hour.temperature,
    clear: hour.clear,
    fog: hour.fog,
    rain: hour.rain,
    snow: hour.snow,
    hail: hour.hail,
    thunder: hour.thunder,
    tornado: hour.tornado,
    source: hour.source ?? 'hourly',
  }
}

/** The New York local days that [from, to) touches, as partition keys. */
export function daysBetween(from: number, to: number): string[] {
  if (!(to > from)) return []
  const days: string[] = []
  for (let day = newYorkDayNumber(from); day <= newYorkDayNumber(to - 1); day++) days.push(new Date(day * 86_400_000).toISOString().slice(0, 10))
  return days
}

export interface ReadRangeOptions {
  /** Rows per store query (default 10,000). */
  pageSize?: number
}

/**
 * The rows of the partitions of [from, to) with `column` in that range, in
 * time order, a page at a time. Between pages it yields to the event loop:
 * SQLite answers synchronously and its promises resolve as microtasks, so
 * weeks of pickups would otherwise be read in one block of a second, with
 * no socket or timer served meanwhile.
 */
async function* rangePages(store: Store, table: string, column: string, from: number, to: number, options: ReadRangeOptions): AsyncGenerator<Row[]> {
  const limit = options.pageSize ?? 10_000
  for (const day of daysBetween(from, to)) {
    let page: string | undefined
    do {
      const result = await store.query(table, { partition: { day }, range: { column, gte: from, lt: to }, limit, ...(page ? { page } : {}) })
      if (result.rows.length > 0) yield result.rows
      page = result.nextPage
      await nextTurn()
    } while (page)
  }
}

async function readRange(store: Store, table: string, column: string, from: number, to: number, options: ReadRangeOptions): Promise<Row[]> {
  const rows: Row[] = []
  for await (const page of rangePages(store, table, column, from, to, options)) for (const row of page) rows.push(row)
  return rows
}

const toPickup = (row: Row): Pickup => ({ time: row.time as number, lat: row.lat as number, lng: row.lng as number })

/**
 * The pickups with from ≤ time < to (epoch ms), in time order, a store page
 * at a time (the event loop runs between pages): for a reader that counts
 * as it goes and never holds them all.
 *
 * @example
 * ```ts
 * for await (const page of pickupPages(store, from, to)) for (const pickup of page) count(pickup)
 * ```
 */
export async function* pickupPages(store: Store, from: number, to: number, options: ReadRangeOptions = {}): AsyncGenerator<Pickup[]> {
  for await (const page of rangePages(store, 'pickups', 'time', from, to, options)) yield page.map(toPickup)
}

/**
 * The pickups with from ≤ time < to (epoch ms), in time order, read day by
 * day from the pickups table (the event loop runs between pages).
 *
 * @example
 * ```ts
 * const april = await readPickups(store, Date.parse('2014-04-01T04:00:00Z'), Date.parse('2014-04-17T04:00:00Z'))
 * ```
 */
export async function readPickups(store: Store, from: number, to: number, options: ReadRangeOptions = {}): Promise<Pickup[]> {
  const pickups: Pickup[] = []
  for await (const page of pickupPages(store, from, to, options)) for (const pickup of page) pickups.push(pickup)
  return pickups
}

/** The weather hours with from ≤ hour < to (epoch ms), in time order, from the weather table. */
export async function readWeather(store: Store, from: number, to: number, options: ReadRangeOptions = {}): Promise<WeatherHour[]> {
  const rows = await readRange(store, 'weather', 'hour', from, to, options)
  return rows.map((row) => ({
    hour: row.hour as number,
    temperature: row.temperature as number,
    clear: row.clear as boolean,
    fog: row.fog as boolean,
    rain: row.rain as boolean,
    snow: row.snow as boolean,
    hail: row.hail as boolean,
    thunder: row.thunder as boolean,
    tornado: row.tornado as boolean,
    source: row.source === 'daily' ? 'daily' : 'hourly',
  }))
}
