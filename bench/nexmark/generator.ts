/**
 * The Nexmark event generator, after nexmark/nexmark's NexmarkGenerator
 * (itself Apache Beam's): event n is a person, an auction or a bid by
 * n mod 50 (1 : 3 : 46, so 92% bids); ids grow with the event number, so
 * bids name auctions and people that exist (or are about to: the "lead");
 * half the bids go to the current hot auction (the first of the last 100)
 * and three quarters come from the hot bidder, the rest spread over the
 * 100 auctions in flight and the 1,000 active people. Event n happens at
 * `baseTime + n / eventsPerSecond`: in order, as with Nexmark's default
 * `outOfOrderGroupSize` of 1. The same seed gives the same stream.
 */
import { seededRandom } from '../../src/log/testing/seeded-random.js'
import type { Auction, Bid, NexmarkEvent, Person } from './model.js'

export interface GeneratorConfig {
  /** Events per second of event time (Nexmark's `firstEventRate`: 10,000 by default, 10,000,000 in the published Flink run). */
  eventsPerSecond: number
  /** Event time of the first event (epoch ms). */
  baseTime: number
  seed: number
}

// nexmark/nexmark's NexmarkConfiguration defaults, and the generator's own constants.
const PERSON_PROPORTION = 1
const AUCTION_PROPORTION = 3
const TOTAL_PROPORTION = 50
const FIRST_PERSON_ID = 1000
const FIRST_AUCTION_ID = 1000
const FIRST_CATEGORY_ID = 10
const NUM_CATEGORIES = 5
const HOT_AUCTION_RATIO = 2
const HOT_SELLERS_RATIO = 4
const HOT_BIDDERS_RATIO = 4
/** Hot auctions, sellers and bidders are the first of each batch of this many. */
const HOT_BATCH = 100
const NUM_IN_FLIGHT_AUCTIONS = 100
const NUM_ACTIVE_PEOPLE = 1000
/** Ids not created yet that may already be named. */
const ID_LEAD = 10
const AVG_PERSON_BYTES = 200
const AVG_AUCTION_BYTES = 500
const AVG_BID_BYTES = 100

const US_STATES = ['AZ', 'CA', 'ID', 'OR', 'WA', 'WY']
const US_CITIES = ['Phoenix', 'Los Angeles', 'San Francisco', 'Boise', 'Portland', 'Bend', 'Redmond', 'Seattle', 'Kent', 'Cheyenne']
const FIRST_NAMES = ['Peter', 'Paul', 'Luke', 'John', 'Saul', 'Vicky', 'Kate', 'Julie', 'Sarah', 'Deiter', 'Walter']
const LAST_NAMES = ['Shultz', 'Abrams', 'Spencer', 'White', 'Bartels', 'Walton', 'Smith', 'Jones', 'Noris']

/** The last person id (base 0) at event `id`: the current one if this event makes a person. */
function lastPersonId(id: number): number {
  return Math.floor(id / TOTAL_PROPORTION) * PERSON_PROPORTION + Math.min(id % TOTAL_PROPORTION, PERSON_PROPORTION - 1)
}

/** The last auction id (base 0) at event `id`: the current one if this event makes an auction. */
function lastAuctionId(id: number): number {
  let epoch = Math.floor(id / TOTAL_PROPORTION)
  let offset = id % TOTAL_PROPORTION
  if (offset < PERSON_PROPORTION) {
    epoch--
    offset = AUCTION_PROPORTION - 1
  } else if (offset >= PERSON_PROPORTION + AUCTION_PROPORTION) offset = AUCTION_PROPORTION - 1
  else offset -= PERSON_PROPORTION
  return epoch * AUCTION_PROPORTION + offset
}

export class NexmarkGenerator {
  private readonly random: () => number
  private eventNumber = 0

  constructor(private readonly config: GeneratorConfig) {
    this.random = seededRandom(config.seed)
  }

  /** The event time of event `n` (in whole numbers until the division, so no rounding error moves it a millisecond). */
  timeOf(n: number): number {
    return this.config.baseTime + Math.floor((n * 1000) / this.config.eventsPerSecond)
  }

  next(): NexmarkEvent {
    const n = this.eventNumber++
    const time = this.timeOf(n)
    const rem = n % TOTAL_PROPORTION
    if (rem < PERSON_PROPORTION) return this.person(n, time)
    if (rem < PERSON_PROPORTION + AUCTION_PROPORTION) return this.auction(n, time)
    return this.bid(n, time)
  }

  private person(id: number, dateTime: number): Person {
    const name = `${this.pick(FIRST_NAMES)} ${this.pick(LAST_NAMES)}`
    const emailAddress = `${this.string(7)}@${this.string(5)}.com`
    const creditCard = [0, 1, 2, 3].map(() => String(this.int(10_000)).padStart(4, '0')).join(' ')
    const city = this.pick(US_CITIES)
    const state = this.pick(US_STATES)
    const size = 8 + name.length + emailAddress.length + creditCard.length + city.length + state.length
    return { type: 'person', id: lastPersonId(id) + FIRST_PERSON_ID, name, emailAddress, creditCard, city, state, dateTime, extra: this.extra(size, AVG_PERSON_BYTES) }
  }

  private auction(id: number, dateTime: number): Auction {
    const seller = (this.int(HOT_SELLERS_RATIO) > 0 ? Math.floor(lastPersonId(id) / HOT_BATCH) * HOT_BATCH : this.personId(id)) + FIRST_PERSON_ID
    const category = FIRST_CATEGORY_ID + this.int(NUM_CATEGORIES)
    const initialBid = this.price()
    // Auctions last on average as long as it takes to create NUM_IN_FLIGHT_AUCTIONS more.
    const horizonMs = this.timeOf(id + Math.floor((NUM_IN_FLIGHT_AUCTIONS * TOTAL_PROPORTION) / AUCTION_PROPORTION)) - dateTime
    const expires = dateTime + 1 + this.int(Math.max(horizonMs * 2, 1))
    const itemName = this.string(20)
    const description = this.string(100)
    const reserve = initialBid + this.price()
    const size = 8 + itemName.length + description.length + 8 * 5
    return {
      type: 'auction',
      id: lastAuctionId(id) + FIRST_AUCTION_ID,
      itemName,
      description,
      initialBid,
      reserve,
      dateTime,
      expires,
      seller,
      category,
      extra: this.extra(size, AVG_AUCTION_BYTES),
    }
  }

  private bid(id: number, dateTime: number): Bid {
    const auction = (this.int(HOT_AUCTION_RATIO) > 0 ? Math.floor(lastAuctionId(id) / HOT_BATCH) * HOT_BATCH : this.auctionId(id)) + FIRST_AUCTION_ID
    // The second of the batch, so hot bidders and hot sellers differ.
    const bidder = (this.int(HOT_BIDDERS_RATIO) > 0 ? Math.floor(lastPersonId(id) / HOT_BATCH) * HOT_BATCH + 1 : this.personId(id)) + FIRST_PERSON_ID
    const price = this.price()
    return { type: 'bid', auction, bidder, price, dateTime, extra: this.extra(8 * 4, AVG_BID_BYTES) }
  }

  /** One of the active people, or a few not created yet. */
  private personId(id: number): number {
    const people = lastPersonId(id) + 1
    const active = Math.min(people, NUM_ACTIVE_PEOPLE)
    return people - active + this.int(active + ID_LEAD)
  }

  /** One of the auctions likely in flight, or a few not created yet. */
  private auctionId(id: number): number {
    const last = lastAuctionId(id)
    const first = Math.max(last - NUM_IN_FLIGHT_AUCTIONS, 0)
    return first + this.int(last - first + 1 + ID_LEAD)
  }

  /** Cents, log-uniform from $1 to $1,000,000. */
  private price(): number {
    return Math.round(Math.pow(10, this.random() * 6) * 100)
  }

  private int(n: number): number {
    return Math.floor(this.random() * n)
  }

  private pick(values: string[]): string {
    return values[this.int(values.length)]!
  }

  /** Lowercase letters and some spaces, 3 to maxLength - 1 long, trimmed. */
  private string(maxLength: number): string {
    let s = ''
    for (let len = 3 + this.int(maxLength - 3); len > 0; len--) s += this.int(13) === 0 ? ' ' : String.fromCharCode(97 + this.int(26))
    return s.trim()
  }

  /** Padding that brings an event of `size` bytes to `average` bytes on average (within ±20%). */
  private extra(size: number, average: number): string {
    if (size > average) return ''
    const want = average - size
    const delta = Math.round(want * 0.2)
    let s = ''
    for (let len = want - delta + (delta === 0 ? 0 : this.int(2 * delta)); len > 0; len--) s += String.fromCharCode(97 + this.int(26))
    return s
  }
}
