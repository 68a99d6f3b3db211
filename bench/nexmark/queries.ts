/**
 * The Nexmark queries as engine jobs, after nexmark/nexmark's Flink SQL:
 * each reads the topic from the log, decodes every record, keeps the bids,
 * and runs through the streams DSL (q0–q2) or the analytics operators
 * (q5, q7) into a sink that keeps just enough to check the answer.
 *
 * q0–q2 are stateless: plain map and filter, no event time. Flink's plan
 * assigns watermarks on the source table even for them; here they would be
 * work no answer depends on.
 */
import { count, sliding, tumbling, windowAggregate, withWatermarks, type Element, type WindowResult } from '../../src/analytics/index.js'
import type { EventLog } from '../../src/log/index.js'
import { Sink, logSource, type Source } from '../../src/streams/index.js'
import { describeHighest, describeHottest, highestBids, hottest } from './aggregates.js'
import { decode, decodeSourced, isBid, isSourcedBid } from './decode.js'
import type { Bid, Sourced } from './model.js'

export type QueryName = 'q0' | 'q1' | 'q2' | 'q5' | 'q7'
export const QUERIES: QueryName[] = ['q0', 'q1', 'q2', 'q5', 'q7']

/** q1: dollars to euros. */
export const DOLLARS_TO_EUROS = 0.908
/** q2: bids on every 123rd auction. */
export const Q2_MODULUS = 123
/** q5's and q7's windows: 10 s; q5's slide every 2 s. */
export const WINDOW_MS = 10_000
export const SLIDE_MS = 2_000

export interface QueryContext {
  log: EventLog
  topic: string
  /** Every event the topic holds: a log source is a tail that never ends, so the query takes this many. */
  events: number
  /** The topic's partitions: the watermark waits for each from the start. */
  partitions: number
  /** Records per poll, so per chunk. */
  maxPollRecords: number
  /** The watermark trails the latest event time of each partition by this much. */
  watermarkDelayMs: number
}

/** What a query produced, to check against the hand-written loop. */
export interface Outcome {
  /** q0–q2: the bids that came out, and the sum of their prices. */
  count: number
  checksum: number
  /** q5, q7: each window's answer by window start, as text. */
  windows: Map<number, string>
  /** Records too late for every window (the side output): there must be none. */
  late: number
}

export const emptyOutcome = (): Outcome => ({ count: 0, checksum: 0, windows: new Map(), late: 0 })

const records = (ctx: QueryContext) => logSource(ctx.log, { topics: [ctx.topic], maxPollRecords: ctx.maxPollRecords }).take(ctx.events)

// The casts: Source.filter takes a plain boolean test, so a type guard does not narrow the stream's type.
const bids = (ctx: QueryContext): Source<Bid> => records(ctx).map(decode).filter(isBid) as Source<Bid>

/** Bids with their partition and event time, then watermarks. */
const timedBids = (ctx: QueryContext): Source<Element<Sourced<Bid>>> =>
  (records(ctx).map(decodeSourced).filter(isSourcedBid) as Source<Sourced<Bid>>).via(
    withWatermarks({
      time: (s: Sourced<Bid>) => s.event.dateTime,
      partition: (s) => s.partition,
      expectPartitions: Array.from({ length: ctx.partitions }, (_, p) => p),
      maxOutOfOrdernessMs: ctx.watermarkDelayMs,
    }),
  )

/** The blackhole sink of Nexmark, counting and summing prices so the work cannot be skipped and can be checked. */
async function tally(source: Source<{ price: number }>): Promise<Outcome> {
  return source.runWith(
    Sink.fold(emptyOutcome(), (outcome, row) => {
      outcome.count++
      outcome.checksum += row.price
      return outcome
    }),
  ).result
}

/** Keeps each window's answer (there is one result per window: the queries key windows by nothing or by window). */
async function answers<K extends number, R>(source: Source<Element<WindowResult<K, R>>>, start: (result: WindowResult<K, R>) => number, describe: (value: R) => string): Promise<Outcome> {
  return source.runWith(
    Sink.fold(emptyOutcome(), (outcome, element) => {
      if (element.kind === 'record') outcome.windows.set(start(element.value), describe(element.value.value))
      else if (element.kind === 'late') outcome.late++
      return outcome
    }),
  ).result
}

export const engineQueries: Record<QueryName, (ctx: QueryContext) => Promise<Outcome>> = {
  // Pass-through: the bid's columns, as nexmark/nexmark's q0 selects them.
  q0: (ctx) => tally(bids(ctx).map((b) => ({ auction: b.auction, bidder: b.bidder, price: b.price, dateTime: b.dateTime, extra: b.extra }))),

  q1: (ctx) => tally(bids(ctx).map((b) => ({ auction: b.auction, bidder: b.bidder, price: b.price * DOLLARS_TO_EUROS, dateTime: b.dateTime, extra: b.extra }))),

  q2: (ctx) =>
    tally(
      bids(ctx)
        .filter((b) => b.auction % Q2_MODULUS === 0)
        .map((b) => ({ auction: b.auction, price: b.price })),
    ),

  // Hot items: bids per auction in 10 s windows every 2 s, then per window the auctions with the most. Each
  // count comes out at its window's last instant, so a 2 s tumbling window (keyed by the sliding window) holds
  // exactly the counts of one sliding window.
  q5: (ctx) =>
    answers(
      timedBids(ctx)
        .via(windowAggregate({ key: (s: Sourced<Bid>) => s.event.auction, window: sliding(WINDOW_MS, SLIDE_MS), aggregate: count() }))
        .via(windowAggregate({ key: (counted: WindowResult<number, number>) => counted.window.start, window: tumbling(SLIDE_MS), aggregate: hottest() })),
      (result) => result.key,
      describeHottest,
    ),

  // Highest bid: the bids at the highest price of each 10 s tumbling window.
  q7: (ctx) =>
    answers(
      timedBids(ctx).via(windowAggregate({ key: () => 0, window: tumbling(WINDOW_MS), aggregate: highestBids((s: Sourced<Bid>) => s.event) })),
      (result) => result.window.start,
      describeHighest,
    ),
}
