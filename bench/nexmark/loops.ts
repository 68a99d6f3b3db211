/**
 * The same queries as hand-written loops: the same consumer polls, the same
 * decoding of every record, then plain code with maps and no stream, no
 * element wrappers, no window objects. The windowed ones keep the engine's
 * semantics: a watermark per partition (the latest event time minus the
 * delay), the least of them for the stream, a window answered once the
 * watermark reaches its last instant, and at the end of the input every
 * window still open.
 */
import type { LogRecord } from '../../src/log/index.js'
import { describeHighest, describeHottest, type Highest } from './aggregates.js'
import { decode } from './decode.js'
import { DOLLARS_TO_EUROS, Q2_MODULUS, SLIDE_MS, WINDOW_MS, emptyOutcome, type Outcome, type QueryContext, type QueryName } from './queries.js'

/** Polls every event of the topic, handing each poll's records to `onChunk`. */
async function pollAll(ctx: QueryContext, onChunk: (records: LogRecord[]) => void): Promise<void> {
  const consumer = await ctx.log.consumer({ topics: [ctx.topic], maxPollRecords: ctx.maxPollRecords })
  try {
    for (let read = 0; read < ctx.events; ) {
      const records = await consumer.poll({ timeoutMs: 1000 })
      if (records.length === 0) throw new Error(`the topic ran dry after ${read} of ${ctx.events} events`)
      const wanted = Math.min(records.length, ctx.events - read)
      onChunk(wanted === records.length ? records : records.slice(0, wanted))
      read += wanted
    }
  } finally {
    await consumer.close()
  }
}

/** The watermark of the loops: per partition the latest event time seen, the least of them minus the delay (none until every partition spoke). */
class Watermark {
  private readonly latest: number[]

  constructor(
    partitions: number,
    private readonly delayMs: number,
  ) {
    this.latest = new Array<number>(partitions).fill(-Infinity)
  }

  see(partition: number, time: number): void {
    if (time > this.latest[partition]!) this.latest[partition] = time
  }

  current(): number {
    let least = Infinity
    for (let p = 0; p < this.latest.length; p++) if (this.latest[p]! < least) least = this.latest[p]!
    return least - this.delayMs
  }
}

async function q0(ctx: QueryContext): Promise<Outcome> {
  const outcome = emptyOutcome()
  await pollAll(ctx, (records) => {
    for (let i = 0; i < records.length; i++) {
      const event = decode(records[i]!)
      if (event.type !== 'bid') continue
      const row = { auction: event.auction, bidder: event.bidder, price: event.price, dateTime: event.dateTime, extra: event.extra }
      outcome.count++
      outcome.checksum += row.price
    }
  })
  return outcome
}

async function q1(ctx: QueryContext): Promise<Outcome> {
  const outcome = emptyOutcome()
  await pollAll(ctx, (records) => {
    for (let i = 0; i < records.length; i++) {
      const event = decode(records[i]!)
      if (event.type !== 'bid') continue
      const row = { auction: event.auction, bidder: event.bidder, price: event.price * DOLLARS_TO_EUROS, dateTime: event.dateTime, extra: event.extra }
      outcome.count++
      outcome.checksum += row.price
    }
  })
  return outcome
}

async function q2(ctx: QueryContext): Promise<Outcome> {
  const outcome = emptyOutcome()
  await pollAll(ctx, (records) => {
    for (let i = 0; i < records.length; i++) {
      const event = decode(records[i]!)
      if (event.type !== 'bid' || event.auction % Q2_MODULUS !== 0) continue
      outcome.count++
      outcome.checksum += event.price
    }
  })
  return outcome
}

async function q5(ctx: QueryContext): Promise<Outcome> {
  const outcome = emptyOutcome()
  const watermark = new Watermark(ctx.partitions, ctx.watermarkDelayMs)
  let fired = -Infinity
  /** Per open window (by start), bids per auction. */
  const open = new Map<number, Map<number, number>>()
  const fire = (upTo: number): void => {
    for (const [start, counts] of open) {
      if (start + WINDOW_MS - 1 > upTo) continue
      let num = 0
      let auctions: number[] = []
      for (const [auction, n] of counts) {
        if (n > num) {
          num = n
          auctions = [auction]
        } else if (n === num) auctions.push(auction)
      }
      outcome.windows.set(start, describeHottest({ num, auctions }))
      open.delete(start)
    }
    fired = upTo
  }
  await pollAll(ctx, (records) => {
    for (let i = 0; i < records.length; i++) {
      const event = decode(records[i]!)
      if (event.type !== 'bid') continue
      const time = event.dateTime
      watermark.see(records[i]!.partition, time)
      let taken = false
      for (let start = time - (time % SLIDE_MS); start > time - WINDOW_MS; start -= SLIDE_MS) {
        if (start + WINDOW_MS - 1 <= fired) continue
        taken = true
        let counts = open.get(start)
        if (counts === undefined) open.set(start, (counts = new Map()))
        counts.set(event.auction, (counts.get(event.auction) ?? 0) + 1)
      }
      if (!taken) outcome.late++
    }
    const now = watermark.current()
    if (now > fired) fire(now)
  })
  fire(Infinity)
  return outcome
}

async function q7(ctx: QueryContext): Promise<Outcome> {
  const outcome = emptyOutcome()
  const watermark = new Watermark(ctx.partitions, ctx.watermarkDelayMs)
  let fired = -Infinity
  const open = new Map<number, Highest>()
  const fire = (upTo: number): void => {
    for (const [start, highest] of open) {
      if (start + WINDOW_MS - 1 > upTo) continue
      outcome.windows.set(start, describeHighest(highest))
      open.delete(start)
    }
    fired = upTo
  }
  await pollAll(ctx, (records) => {
    for (let i = 0; i < records.length; i++) {
      const event = decode(records[i]!)
      if (event.type !== 'bid') continue
      const time = event.dateTime
      watermark.see(records[i]!.partition, time)
      const start = time - (time % WINDOW_MS)
      if (start + WINDOW_MS - 1 <= fired) {
        outcome.late++
        continue
      }
      const highest = open.get(start)
      if (highest === undefined) open.set(start, { price: event.price, bids: [event] })
      else if (event.price > highest.price) {
        highest.price = event.price
        highest.bids = [event]
      } else if (event.price === highest.price) highest.bids.push(event)
    }
    const now = watermark.current()
    if (now > fired) fire(now)
  })
  fire(Infinity)
  return outcome
}

export const loopQueries: Record<QueryName, (ctx: QueryContext) => Promise<Outcome>> = { q0, q1, q2, q5, q7 }
