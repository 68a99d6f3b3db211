import { kooberError } from '../errors.js'
import { SLOT_MS } from './types.js'

/**
 * The local calendar of half-hour slots: demand follows the city's clock
 * (rush hours, weekends), not UTC. A slot is numbered from the epoch:
 * slot s starts at s × SLOT_MS (UTC).
 *
 * @example
 * ```ts
 * const calendar = slotCalendar('America/New_York')
 * calendar(Date.parse('2014-04-01T04:00:00Z') / SLOT_MS) // { dayOfWeek: 1, slotOfDay: 0, dayOfMonth: 1, month: 4, ... } (Tuesday, midnight)
 * localMidnight('2014-04-17', 'America/New_York')        // Date.parse('2014-04-17T04:00:00Z')
 * ```
 */
export interface LocalSlot {
  /** 0 = Sunday … 6 = Saturday. */
  dayOfWeek: number
  /** 0 … 47: the half hour of the local day. */
  slotOfDay: number
  /** 1 … 31. */
  dayOfMonth: number
  /** 1 … 12. */
  month: number
  /** Local days since 1970-01-01. */
  day: number
}

export type SlotCalendar = (slot: number) => LocalSlot

const DAY_MS = 86_400_000
const SLOTS_PER_HOUR = 3_600_000 / SLOT_MS

/** The local calendar of slots in an IANA time zone; each slot is asked of Intl once. */
export function slotCalendar(timeZone: string): SlotCalendar {
  const offsetAt = utcOffset(timeZone)
  const known = new Map<number, LocalSlot>()
  return (slot) => {
    let local = known.get(slot)
    if (local === undefined) {
      const wall = new Date(slot * SLOT_MS + offsetAt(slot * SLOT_MS))
      local = {
        dayOfWeek: wall.getUTCDay(),
        slotOfDay: wall.getUTCHours() * SLOTS_PER_HOUR + Math.floor(wall.getUTCMinutes() / 30),
        dayOfMonth: wall.getUTCDate(),
        month: wall.getUTCMonth() + 1,
        day: Math.floor(wall.getTime() / DAY_MS),
      }
      known.set(slot, local)
    }
    return local
  }
}

/** The instant (epoch ms) a local date `YYYY-MM-DD` begins in a time zone. */
export function localMidnight(date: string, timeZone: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date)
  const [year, month, day] = match ? [Number(match[1]), Number(match[2]), Number(match[3])] : [0, 0, 0]
  const wall = Date.UTC(year, month - 1, day)
  const check = new Date(wall)
  if (!match || check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) {
    throw kooberError('KOOBER_INVALID_ARGUMENT', `expected a date YYYY-MM-DD, got ${JSON.stringify(date)}`)
  }
  const offsetAt = utcOffset(timeZone)
  // The offset at the wall time read as UTC is off by at most one change; asking again settles it.
  const first = wall - offsetAt(wall)
  return wall - offsetAt(first)
}

/** The local date `YYYY-MM-DD` of an instant in a time zone. */
export function localDate(epochMs: number, timeZone: string): string {
  return new Date(epochMs + utcOffset(timeZone)(epochMs)).toISOString().slice(0, 10)
}

/** A function from an instant to the zone's offset from UTC there (ms, local − UTC), straight from Intl. */
export function utcOffset(timeZone: string): (epochMs: number) => number {
  let format: Intl.DateTimeFormat
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    })
  } catch (err) {
    throw kooberError('KOOBER_INVALID_ARGUMENT', `unknown time zone ${JSON.stringify(timeZone)}`, err)
  }
  return (epochMs) => {
    const fields: Record<string, number> = {}
    for (const part of format.formatToParts(epochMs)) if (part.type !== 'literal') fields[part.type] = Number(part.value)
    const wall = Date.UTC(fields.year!, fields.month! - 1, fields.day!, fields.hour!, fields.minute!, fields.second!)
    return wall - Math.floor(epochMs / 1000) * 1000
  }
}
