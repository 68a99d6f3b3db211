import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { localDate, localMidnight, slotCalendar } from './calendar.js'
import { SLOT_MS } from './types.js'

const NEW_YORK = 'America/New_York'
const slotOf = (iso: string): number => Date.parse(iso) / SLOT_MS

describe('slotCalendar', () => {
  const calendar = slotCalendar(NEW_YORK)

  it('gives the local day, half hour, date and month of a slot', () => {
    assert.deepEqual(calendar(slotOf('2014-04-01T04:00:00Z')), { dayOfWeek: 2, slotOfDay: 0, dayOfMonth: 1, month: 4, day: Date.UTC(2014, 3, 1) / 86_400_000 })
    assert.equal(calendar(slotOf('2014-04-01T03:30:00Z')).slotOfDay, 47, 'half past eleven the night before')
    assert.equal(calendar(slotOf('2014-04-01T03:30:00Z')).dayOfWeek, 1)
    assert.equal(calendar(slotOf('2014-04-20T21:30:00Z')).slotOfDay, 35, '17:30 on Sunday')
    assert.equal(calendar(slotOf('2014-04-20T21:30:00Z')).dayOfWeek, 0)
  })

  it('follows daylight saving time', () => {
    // 2014-03-09: at 02:00 EST New York skipped to 03:00 EDT.
    assert.equal(calendar(slotOf('2014-03-09T06:30:00Z')).slotOfDay, 3, '01:30 EST')
    assert.equal(calendar(slotOf('2014-03-09T07:00:00Z')).slotOfDay, 6, '03:00 EDT')
    assert.equal(calendar(slotOf('2014-01-15T05:00:00Z')).slotOfDay, 0, 'winter midnight is 05:00 UTC')
  })
})

describe('localMidnight and localDate', () => {
  it('turn a local date into the instant it starts, and back', () => {
    assert.equal(localMidnight('2014-04-17', NEW_YORK), Date.parse('2014-04-17T04:00:00Z'))
    assert.equal(localMidnight('2014-01-15', NEW_YORK), Date.parse('2014-01-15T05:00:00Z'))
    assert.equal(localMidnight('2014-03-09', NEW_YORK), Date.parse('2014-03-09T05:00:00Z'), 'the day clocks go forward starts in winter time')
    assert.equal(localMidnight('2014-03-10', NEW_YORK), Date.parse('2014-03-10T04:00:00Z'))
    assert.equal(localDate(Date.parse('2014-04-17T03:59:00Z'), NEW_YORK), '2014-04-16')
    assert.equal(localDate(Date.parse('2014-04-17T04:00:00Z'), NEW_YORK), '2014-04-17')
  })

  it('refuses what is not a date or not a time zone', () => {
    assert.throws(() => localMidnight('2014-02-30', NEW_YORK), /expected a date YYYY-MM-DD/)
    assert.throws(() => localMidnight('17/04/2014', NEW_YORK), { code: 'KOOBER_INVALID_ARGUMENT' })
    assert.throws(() => localMidnight('2014-04-17', 'Mars/Olympus'), /unknown time zone/)
  })
})
