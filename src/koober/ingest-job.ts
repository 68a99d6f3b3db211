import type { TableRow } from '../ingest/index.js'
import type { LogRecord } from '../log/index.js'
import type { Store, TableSchema } from '../store/index.js'
import { parseEvent } from './events.js'
import { PICKUPS_TABLE, pickupRow } from './forecast/pickup-tables.js'

/*
 * Koober's ingestion job, as the original KafkaToCassandra: the `driver` and
 * `rider` topics into `routes` (one row per position update, per driver or
 * rider, in time order) and the raw `events` archive. Both tables key their
 * rows by the record's place in the log, so a replayed batch overwrites itself.
 *
 * Live rides count as demand too: each `requested` step of the `rides` topic
 * becomes a row of the forecast's `pickups` table (where and when the rider
 * asked), keyed by the ride id, so a replay overwrites it as well.
 */

export const INGEST_TOPICS = ['driver', 'rider', 'rides'] as const
export const INGEST_GROUP = 'koober-ingest'

export const ROUTES_TABLE: TableSchema = {
  name: 'routes',
  columns: {
    entity: 'text',
    time: 'timestamp',
    source: 'text',
    driver: 'text',
    rider: 'text',
    lat: 'double',
    lon: 'double',
    status: 'text',
    route: 'json',
  },
  partitionKey: ['entity'],
  clusteringKey: ['time', 'source'],
}

export const EVENTS_TABLE: TableSchema = {
  name: 'events',
  columns: { topic: 'text', partition: 'int', offset: 'bigint', key: 'text', value: 'text', timestamp: 'timestamp' },
  partitionKey: ['topic', 'partition'],
  clusteringKey: ['offset'],
}

export async function createIngestTables(store: Store): Promise<void> {
  await store.createTable(ROUTES_TABLE)
  await store.createTable(EVENTS_TABLE)
  await store.createTable(PICKUPS_TABLE)
}

/** The rows of one record; an invalid event throws (and becomes a dead letter). */
export function ingestRows(record: LogRecord): TableRow[] {
  const value = record.value.toString('utf8')
  const source = `${record.topic}/${record.partition}/${record.offset}`
  const archive: TableRow = {
    table: 'events',
    row: { topic: record.topic, partition: record.partition, offset: record.offset, key: record.key?.toString('utf8') ?? null, value, timestamp: record.timestamp },
  }
  if (record.topic === 'driver') {
    const event = parseEvent('driver', value)
    return [
      archive,
      {
        table: 'routes',
        row: {
          entity: `driver:${event.driverId}`,
          time: event.time,
          source,
          driver: event.driverId,
          rider: event.riderId ?? null,
          lat: event.position.lat,
          lon: event.position.lon,
          status: event.status,
          route: event.route ?? null,
        },
      },
    ]
  }
  if (record.topic === 'rider') {
    const event = parseEvent('rider', value)
    return [
      archive,
      {
        table: 'routes',
        row: {
          entity: `rider:${event.riderId}`,
          time: event.time,
          source,
          driver: event.driverId ?? null,
          rider: event.riderId,
          lat: event.position.lat,
          lon: event.position.lon,
          status: event.status,
          route: null,
        },
      },
    ]
  }
  if (record.topic === 'rides') {
    const event = parseEvent('rides', value)
    if (event.status !== 'requested') return [archive]
    return [archive, { table: 'pickups', row: pickupRow({ time: event.time, lat: event.pickup.lat, lng: event.pickup.lon }, `ride:${event.rideId}`) }]
  }
  return [archive]
}
