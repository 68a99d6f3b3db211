import { z } from 'zod'
import {
  dropReplayed,
  runLogJob,
  sliding,
  storeCheckpoints,
  tumbling,
  windowAggregate,
  withWatermarks,
  type Barrier,
  type Element,
  type LogJobTotals,
  type Tick,
  type WindowResult,
} from '../../analytics/index.js'
import type { EventLog, LogRecord } from '../../log/index.js'
import type { Source } from '../../streams/index.js'
import type { Store, TableSchema } from '../../store/index.js'
import { parseEvent } from '../events.js'
import { KOOBER_TOPICS } from '../topics.js'
import { cityFacts, type CityInput, type SourcedFact } from './city-facts.js'
import { cityStats, type CityStats } from './city-stats.js'

/*
 * Koober's analytics (the original's Flink job, grown up): per area (grid
 * cell) and citywide, from the `driver` and `rides` topics, in 1-minute
 * tumbling windows: ride requests, available drivers and their ratio, the
 * pickup wait's mean and 90th percentile, trips completed with their mean
 * duration and distance; and the pickup wait again in 5-minute windows
 * sliding by a minute. Results go to the `analytics` table and topic.
 *
 * On the log it runs as two jobs, as Flink runs a keyBy: the facts job
 * reads `driver` and `rides` (keyed by driver and ride, so a ride's steps
 * meet in one partition) and writes each fact to `analytics-facts`, keyed by
 * area; the windows job reads that topic, so an area's windows meet in one
 * partition. Both keep their state per partition, so copies of the role in
 * one consumer group split the work and take over each other's partitions.
 */

export const FACTS_JOB = 'koober-analytics-facts'
export const WINDOWS_JOB = 'koober-analytics-windows'
export const ANALYTICS_TOPICS = ['driver', 'rides'] as const
export const FACTS_TOPIC = 'analytics-facts'
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

/** A fact as the `analytics-facts` topic carries it: with its event time. */
export type TimedFact = SourcedFact & { time: number }

/** A `driver` or `rides` record as the analytics' input; throws on an invalid event. */
export function decodeCityRecord(topic: string, value: string, partition: string, offset: number): CityInput {
  if (topic === 'driver') return { topic, event: parseEvent('driver', value), partition, offset }
  if (topic === 'rides') return { topic, event: parseEvent('rides', value), partition, offset }
  throw new Error(`the analytics read driver and rides, not ${topic}`)
}

const area = z.string().min(1).max(64)
const sourced = { area, source: z.string().min(1).max(200), position: z.number().int().nonnegative(), time: z.number().finite() }
const timedFact = z.discriminatedUnion('type', [
  z.object({ type: z.literal('request'), ...sourced }),
  z.object({ type: z.literal('available'), driverId: z.string().min(1).max(200), ...sourced }),
  z.object({ type: z.literal('wait'), seconds: z.number().finite().nonnegative(), ...sourced }),
  z.object({ type: z.literal('trip'), seconds: z.number().finite().nonnegative(), meters: z.number().finite().nonnegative(), ...sourced }),
])

/** A record of `analytics-facts`; throws on one that is not a fact. */
export function decodeFact(value: string): TimedFact {
  return timedFact.parse(JSON.parse(value)) as TimedFact
}

export interface CityAnalyticsContext {
  restored: Record<string, unknown>
  /** Partitions to wait for (log runs). */
  partitions?: string[]
  /** A bounded input: every window fires at its end. */
  bounded: boolean
}

/** The facts of the city from its events, each also counted citywide (the facts job, and the first half of `cityAnalytics`). */
export function cityFactsFlow(input: Source<CityInput | Tick | Barrier>, context: CityAnalyticsContext): Source<Element<TimedFact>> {
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
    .mapConcat((element: Element<SourcedFact>): Array<Element<TimedFact>> => {
      if (element.kind !== 'record') return [element]
      const fact = { ...element.value, time: element.time }
      return [
        { kind: 'record', value: fact, time: element.time },
        { kind: 'record', value: { ...fact, area: CITYWIDE, position: fact.position + 1 }, time: element.time },
      ]
    })
}

/** The windows over facts, keyed by area. */
function cityWindows(restored: unknown): ReturnType<typeof windowAggregate<TimedFact, string, unknown, CityStats>> {
  return windowAggregate({
    name: 'windows',
    restored,
    key: (fact: TimedFact) => fact.area,
    window: (time, fact) => (fact.type === 'wait' ? [...ONE_MINUTE.assign(time), ...FIVE_MINUTES.assign(time)] : ONE_MINUTE.assign(time)),
    aggregate: cityStats,
    allowedLatenessMs: 60_000,
    earlyFiringsMs: 5000,
  })
}

/** The whole analytics as one dataflow: over a file, or wherever no repartition is needed. */
export function cityAnalytics(input: Source<CityInput | Tick | Barrier>, context: CityAnalyticsContext): Source<Element<WindowResult<string, CityStats>>> {
  return cityFactsFlow(input, context).via(cityWindows(context.restored.windows))
}

/**
 * The windows job's dataflow, from `analytics-facts`: the watermark follows
 * each source partition of the facts job (so a facts copy behind holds it
 * back, as Flink's watermarks cross a shuffle), and facts the facts job
 * wrote twice after a crash are dropped by their source position.
 */
export function cityWindowsFlow(input: Source<TimedFact | Tick | Barrier>, context: CityAnalyticsContext & { sources: string[] }): Source<Element<WindowResult<string, CityStats>>> {
  const { restored } = context
  return input
    .via(
      withWatermarks<TimedFact>({
        name: 'watermarks',
        restored: restored.watermarks,
        time: (fact) => fact.time,
        partition: (fact) => fact.source,
        expectPartitions: context.sources,
        maxOutOfOrdernessMs: 5000,
        // A source partition whose facts seldom land in this partition must not stop its clock.
        idleTimeoutMs: 10_000,
        atEnd: context.bounded ? 'flush' : 'hold',
      }),
    )
    .via(dropReplayed({ name: 'replays', restored: restored.replays, source: (fact: TimedFact) => fact.source, position: (fact: TimedFact) => fact.position }))
    .via(cityWindows(restored.windows))
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
  onCheckpoint?: (job: string, partition: string, id: number) => void
}

export interface CityAnalyticsTotals {
  facts: LogJobTotals
  windows: LogJobTotals
}

/**
 * Runs Koober's analytics on the log, checkpointed into the store, as its
 * two jobs: facts to `analytics-facts`, and windows from there, with
 * results upserted into the `analytics` table (by area and window: a
 * replay overwrites) and appended to the `analytics` topic (keyed by area; a
 * consumer keeps the newest firing of each `id`). Facts later than the
 * allowed lateness go to `dead-letters` with the reason. With
 * `untilCaughtUp`, the facts job reads to the end, then the windows job.
 */
export async function runCityAnalytics(options: CityAnalyticsOptions): Promise<CityAnalyticsTotals> {
  const { log, store } = options
  await store.createTable(ANALYTICS_TABLE)
  await log.ensureTopic(FACTS_TOPIC, { partitions: KOOBER_TOPICS[FACTS_TOPIC]!.partitions })
  const checkpoints = await storeCheckpoints(store)
  const sources: string[] = []
  for (const topic of ANALYTICS_TOPICS) for (const p of (await log.describeTopic(topic)).partitions) sources.push(`${topic}/${p.partition}`)
  // One failing job stops the other.
  const stop = new AbortController()
  const onAbort = (): void => stop.abort()
  options.signal?.addEventListener('abort', onAbort, { once: true })
  const common = {
    log,
    checkpoints,
    scope: 'partition' as const,
    signal: stop.signal,
    ...(options.checkpointIntervalMs ? { checkpointIntervalMs: options.checkpointIntervalMs } : {}),
    ...(options.untilCaughtUp ? { untilCaughtUp: true } : {}),
  }
  const bounded = options.untilCaughtUp ?? false
  const told = (job: string) => (options.onCheckpoint ? { onCheckpoint: (c: { id: number; offsets: Array<{ topic: string; partition: number }> }) => options.onCheckpoint!(job, `${c.offsets[0]?.topic}/${c.offsets[0]?.partition}`, c.id) } : {})
  const facts = (): Promise<LogJobTotals> =>
    runLogJob<CityInput, TimedFact>({
      ...common,
      ...told(FACTS_JOB),
      name: FACTS_JOB,
      topics: [...ANALYTICS_TOPICS],
      decode: (record: LogRecord) => decodeCityRecord(record.topic, record.value.toString('utf8'), `${record.topic}/${record.partition}`, record.offset),
      build: (input, { restored, partitions }) => cityFactsFlow(input, { restored, partitions, bounded }),
      write: async (facts) => void (await log.append(FACTS_TOPIC, facts.map((fact) => ({ key: fact.area, value: JSON.stringify(fact), timestamp: fact.time })))),
    })
  const late: Array<{ key: string; value: string }> = []
  const windows = (): Promise<LogJobTotals> =>
    runLogJob<TimedFact, WindowResult<string, CityStats>>({
      ...common,
      ...told(WINDOWS_JOB),
      name: WINDOWS_JOB,
      topics: [FACTS_TOPIC],
      decode: (record: LogRecord) => decodeFact(record.value.toString('utf8')),
      build: (input, { restored }) => cityWindowsFlow(input, { restored, sources, bounded }),
      write: async (results) => {
        const rows = results.map(toAnalyticsResult)
        await store.upsert(ANALYTICS_TABLE.name, rows.map(toRow))
        await log.append('analytics', rows.map((r) => ({ key: r.area, value: JSON.stringify(r) })))
        if (late.length > 0) await log.append('dead-letters', late.splice(0))
      },
      onLate: (value, time) => late.push({ key: 'analytics', value: JSON.stringify({ reason: 'later than the allowed lateness (60 s)', time, fact: value }) }),
    })
  const stopOnFailure = <R>(job: Promise<R>): Promise<R> =>
    job.catch((error: unknown) => {
      stop.abort()
      throw error
    })
  try {
    if (bounded) return { facts: await facts(), windows: await windows() }
    const [f, w] = await Promise.all([stopOnFailure(facts()), stopOnFailure(windows())])
    return { facts: f, windows: w }
  } finally {
    options.signal?.removeEventListener('abort', onAbort)
  }
}
