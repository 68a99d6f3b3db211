/**
 * The three Nexmark entities, as the JSON each log record holds: one object
 * per event with a `type` discriminator and nexmark/nexmark's field names.
 * Times are epoch milliseconds (a number: JSON has no timestamp, and parsing
 * an ISO string would cost more than the query it feeds).
 */
export interface Person {
  type: 'person'
  id: number
  name: string
  emailAddress: string
  creditCard: string
  city: string
  state: string
  dateTime: number
  extra: string
}

export interface Auction {
  type: 'auction'
  id: number
  itemName: string
  description: string
  initialBid: number
  reserve: number
  dateTime: number
  expires: number
  seller: number
  category: number
  extra: string
}

export interface Bid {
  type: 'bid'
  auction: number
  bidder: number
  price: number
  dateTime: number
  extra: string
}

export type NexmarkEvent = Person | Auction | Bid

/** A decoded event with the log partition it came from (the watermark is held per partition). */
export interface Sourced<T> {
  partition: number
  event: T
}
