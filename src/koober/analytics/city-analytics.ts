import { runLogJob, sliding, storeCheckpoints, tumbling, windowAggregate, withWatermarks, type Barrier, type Element, type LogJobTotals, type Tick, type WindowResult } from '../../analytics/index.js'
import type { EventLog, LogRecord } from '../../log/index.js'
import type { Source } from '../../streams/index.js'
import type { Store, TableSchema } from '../../store/index.js'
import { parseEvent } from '../events.js'
import { cityFacts, type CityFact, type CityInput } from './city-facts.js'
import { cityStats, type CityStats } from './city-stats.js'

/*
 * Koober's analytics (the original's Flink job, grown up): per area (grid
 * cell) and citywide, from the `driver` and `rides` topics, in 1-minute
 * tumbling windows: ride requests, available drivers and their ratio, the
 * pickup wait's mean and 90th percentile, trips completed with their mean
 * duration and distance; and the pickup wait again in 5-minute windows
 * sliding by a minute. Results go to the `analytics` table and topic.
 */

export const ANALYTICS_JOB = 'koober-analytics'
export const ANALYTICS_TOPICS = ['driver', 'rides'] as const
export const CITYWIDE = 'city'

const ONE_MINUTE = tumbling(60_000)
const FIVE_MINUTES = sliding(5 * 60_000, 60_000)

/** A row of the `analytics` table, and (camelCase) a record of the `analytics` topic. */
export const ANALYTICS_TABLE: TableSchema = {
  name: 'analytics',
  columns: {
    area: 'text',
    window_end: 'timestamp',
    window_start: 'timestamp',
    id: 'text',
    minutes: 'int',
    requests: 'int',
    available_drivers: 'int',
    demand_supply: 'double',
    wait_avg_s: 'double',
    wait_p90_s: 'double',
    trips_completed: 'int',
    trip_seconds_avg: 'double',
    trip_meters_avg: 'double',
    firing: 'text',
  },
  partitionKey: ['area'],
  clusteringKey: ['window_end', 'window_start'],
}

/** One window's figures for one area, as the `analytics` topic carries them (JSON). `id` is the same for every firing of a window. */
export interface AnalyticsResult extends CityStats {
  id: string
  area: string
  windowStart: number
  windowEnd: number
  minutes: number
  firing: WindowResult<string, CityStats>['firing']
}

/** A `driver` or `rides` record as the analytics' input; throws on an invalid event. */
export function decodeCityRecord(topic: string, value: string, partition: string): CityInput {
  if (topic === 'driver') return { topic, event: parseEvent('driver', value), partition }
  if (topic === 'rides') return { topic, event: parseEvent('rides', value), partition }
  throw new Error(`the analytics read driver and rides, not ${topic}`)
}

export interface CityAnalyticsContext {
  restored: Record<string, unknown>
  /** Partitions to wait for (log runs). */
  partitions?: string[]
  /** A bounded input: every window fires at its end. */
  bounded: boolean
}

/** The job's dataflow, the same over the log and over a file. */
export function cityAnalytics(input: Source<CityInput | Tick | Barrier>, context: CityAnalyticsContext): Source<Element<WindowResult<string, CityStats>>> {
  const { restored } = context
  return input
    .via(
      withWatermarks<CityInput>({
        name: 'watermarks',
        restored: restored.watermarks,
        time: (input) => input.event.time,
        partition: (input) => input.partition,
        ...(context.partitions ? { expectPartitions: context.partitions } : {}),
        maxOutOfOrdernessMs: 5000,
        // A partition with no traffic (no ride on it for a while) must not stop the clock.
        idleTimeoutMs: 10_000,
        atEnd: context.bounded ? 'flush' : 'hold',
      }),
    )
    .via(cityFacts(restored['city-facts']))
    .mapConcat((element: Element<CityFact>): Array<Element<CityFact>> => (element.kind === 'record' ? [element, { ...element, value: { ...element.value, area: CITYWIDE } }] : [element]))
    .via(
      windowAggregate({
        name: 'windows',
        restored: restored.windows,
        key: (fact: CityFact) => fact.area,
        window: (time, fact) => (fact.type === 'wait' ? [...ONE_MINUTE.assign(time), ...FIVE_MINUTES.assign(time)] : ONE_MINUTE.assign(time)),
        aggregate: cityStats,
        allowedLatenessMs: 60_000,
        earlyFiringsMs: 5000,
      }),
    )
}

export function toAnalyticsResult(result: WindowResult<string, CityStats>): AnalyticsResult {
  const { window } = result
  return { id: result.id, area: result.key, windowStart: window.start, windowEnd: window.end, minutes: (window.end - window.start) / 60_000, firing: result.firing, ...result.value }
}

function toRow(r: AnalyticsResult): Record<string, unknown> {
  return {
    area: r.area,
    window_end: r.windowEnd,
    window_start: r.windowStart,
    id: r.id,
    minutes: r.minutes,
    requests: r.requests,
    available_drivers: r.availableDrivers,
    demand_supply: r.demandSupply,
    wait_avg_s: r.waitAvgSeconds,
    wait_p90_s: r.waitP90Seconds,
    trips_completed: r.tripsCompleted,
    trip_seconds_avg: r.tripSecondsAvg,
    trip_meters_avg: r.tripMetersAvg,
    firing: r.firing,
  }
}

export interface CityAnalyticsOptions {
  log: EventLog
  store: Store
  signal?: AbortSignal
  untilCaughtUp?: boolean
  checkpointIntervalMs?: number
  onCheckpoint?: (id: number) => void
}

/**
 * Runs Koober's analytics on the log, checkpointed into the store: results
 * upserted into the `analytics` table (by area and window: a replay
 * overwrites) and appended to the `analytics` topic (keyed by area; a
 * consumer keeps the newest firing of each `id`). Facts later than the
 * allowed lateness go to `dead-letters` with the reason.
 */
export async function runCityAnalytics(options: CityAnalyticsOptions): Promise<LogJobTotals> {
  const { log, store } = options
  await store.createTable(ANALYTICS_TABLE)
  const checkpoints = await storeCheckpoints(store)
  const late: Array<{ key: string; value: string }> = []
  return runLogJob<CityInput, WindowResult<string, CityStats>>({
    name: ANALYTICS_JOB,
    log,
    topics: [...ANALYTICS_TOPICS],
    decode: (record: LogRecord) => decodeCityRecord(record.topic, record.value.toString('utf8'), `${record.topic}/${record.partition}`),
    build: (input, { restored, partitions }) => cityAnalytics(input, { restored, partitions, bounded: options.untilCaughtUp ?? false }),
    write: async (results) => {
      const rows = results.map(toAnalyticsResult)
      await store.upsert(ANALYTICS_TABLE.name, rows.map(toRow))
      await log.append('analytics', rows.map((r) => ({ key: r.area, value: JSON.stringify(r) })))
      if (late.length > 0) await log.append('dead-letters', late.splice(0))
    },
    onLate: (value, time) => late.push({ key: 'analytics', value: JSON.stringify({ reason: 'later than the allowed lateness (60 s)', time, fact: value }) }),
    checkpoints,
    ...(options.checkpointIntervalMs ? { checkpointIntervalMs: options.checkpointIntervalMs } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.untilCaughtUp ? { untilCaughtUp: true } : {}),
    ...(options.onCheckpoint ? { onCheckpoint: (c) => options.onCheckpoint!(c.id) } : {}),
  })
}
