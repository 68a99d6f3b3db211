import type { Aggregate, WindowResult } from '../../src/analytics/index.js'
import type { Bid } from './model.js'

/** q5's answer for one window: the most bids an auction got, and every auction that got that many (Nexmark keeps ties). */
export interface Hottest {
  num: number
  auctions: number[]
}

/** q7's answer for one window: the highest price, and every bid at that price. */
export interface Highest {
  price: number
  bids: Bid[]
}

/** Over one window's per-auction counts (the first windowAggregate's results), the auctions with the most bids. */
export function hottest(): Aggregate<WindowResult<number, number>, Hottest, Hottest> {
  return {
    create: () => ({ num: 0, auctions: [] }),
    add: (acc, counted) => {
      if (counted.value > acc.num) {
        acc.num = counted.value
        acc.auctions = [counted.key]
      } else if (counted.value === acc.num) acc.auctions.push(counted.key)
      return acc
    },
    merge: (a, b) => (a.num !== b.num ? (a.num > b.num ? a : b) : { num: a.num, auctions: [...a.auctions, ...b.auctions] }),
    result: (acc) => acc,
  }
}

/** The bids (of values, through `bidOf`) with the highest price; the accumulator is mutable: one object per window, not one per bid. */
export function highestBids<T>(bidOf: (value: T) => Bid): Aggregate<T, Highest, Highest> {
  return {
    create: () => ({ price: -Infinity, bids: [] }),
    add: (acc, value) => {
      const bid = bidOf(value)
      if (bid.price > acc.price) {
        acc.price = bid.price
        acc.bids = [bid]
      } else if (bid.price === acc.price) acc.bids.push(bid)
      return acc
    },
    merge: (a, b) => (a.price !== b.price ? (a.price > b.price ? a : b) : { price: a.price, bids: [...a.bids, ...b.bids] }),
    result: (acc) => acc,
  }
}

/** A window's answer as text that compares equal whatever order ties arrived in: the engine's and the loop's must match. */
export const describeHottest = (h: Hottest): string => `${h.num} bids: ${[...h.auctions].sort((a, b) => a - b).join(',')}`

export const describeHighest = (h: Highest): string =>
  `${h.price}: ${h.bids
    .map((b) => `${b.auction}/${b.bidder}/${b.dateTime}`)
    .sort()
    .join(',')}`
