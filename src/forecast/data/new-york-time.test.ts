import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { daysFromCivil, newYorkDay, newYorkFields, newYorkOffsetAt, newYorkToEpoch } from './new-york-time.js'

const HOUR = 3_600_000
const iso = (ms: number): string => new Date(ms).toISOString()

/** New York's wall clock at an instant, straight from Intl (the slow, trusted way). */
function wallClock(ms: number): string {
  const text = new Intl.DateTimeFormat('sv-SE', {
    timeZone: 'America/New_York',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).format(ms)
  return text.replace(' ', 'T')
}

describe('New York time', () => {
  it('turns wall-clock times into instants in winter and summer', () => {
    assert.equal(iso(newYorkToEpoch(2014, 4, 1, 0, 11, 0)), '2014-04-01T04:11:00.000Z')
    assert.equal(iso(newYorkToEpoch(2014, 1, 15, 23, 59, 59)), '2014-01-16T04:59:59.000Z')
    assert.equal(iso(newYorkToEpoch(2016, 2, 29, 12, 0, 0)), '2016-02-29T17:00:00.000Z')
    assert.equal(iso(newYorkToEpoch(2009, 12, 31, 23, 0, 0)), '2010-01-01T04:00:00.000Z')
  })

  it('reads the hour that spring forward skips as an hour later, and the hours around it exactly', () => {
    // 2014-03-09: at 02:00 EST the clocks jump to 03:00 EDT (07:00 UTC).
    assert.equal(iso(newYorkToEpoch(2014, 3, 9, 1, 59, 0)), '2014-03-09T06:59:00.000Z')
    assert.equal(iso(newYorkToEpoch(2014, 3, 9, 2, 0, 0)), '2014-03-09T07:00:00.000Z')
    assert.equal(iso(newYorkToEpoch(2014, 3, 9, 2, 30, 0)), '2014-03-09T07:30:00.000Z')
    assert.equal(iso(newYorkToEpoch(2014, 3, 9, 3, 0, 0)), '2014-03-09T07:00:00.000Z')
    assert.equal(iso(newYorkToEpoch(2014, 3, 9, 3, 30, 0)), '2014-03-09T07:30:00.000Z')
    assert.equal(iso(newYorkToEpoch(2014, 3, 9, 4, 0, 0)), '2014-03-09T08:00:00.000Z')
  })

  it('reads the hour that fall back repeats as its first (daylight) pass', () => {
    // 2014-11-02: at 02:00 EDT the clocks go back to 01:00 EST (06:00 UTC); 01:xx happens twice.
    assert.equal(iso(newYorkToEpoch(2014, 11, 2, 0, 30, 0)), '2014-11-02T04:30:00.000Z')
    assert.equal(iso(newYorkToEpoch(2014, 11, 2, 1, 0, 0)), '2014-11-02T05:00:00.000Z')
    assert.equal(iso(newYorkToEpoch(2014, 11, 2, 1, 59, 59)), '2014-11-02T05:59:59.000Z')
    assert.equal(iso(newYorkToEpoch(2014, 11, 2, 2, 0, 0)), '2014-11-02T07:00:00.000Z')
    assert.equal(iso(newYorkToEpoch(2014, 11, 2, 3, 0, 0)), '2014-11-02T08:00:00.000Z')
  })

  it('agrees with Intl at every half hour of the transition days of 2009 to 2016', () => {
    for (let year = 2009; year <= 2016; year++) {
      for (const month of [3, 11]) {
        for (let day = 1; day <= 14; day++) {
          for (let minutes = 0; minutes < 24 * 60; minutes += 30) {
            const hour = Math.floor(minutes / 60)
            const minute = minutes % 60
            const instant = newYorkToEpoch(year, month, day, hour, minute, 0)
            const wall = wallClock(instant)
            const asked = `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}T${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}:00`
            // Every wall time reads back as itself, except in the skipped hour, which lands an hour later.
            const secondSundayOfMarch = month === 3 && day >= 8 && new Date(Date.UTC(year, 2, day)).getUTCDay() === 0
            const skipped = secondSundayOfMarch && hour === 2
            if (skipped) assert.equal(wall, asked.replace('T02:', 'T03:'), `${asked} is in the skipped hour`)
            else assert.equal(wall, asked)
          }
        }
      }
    }
  })

  it('gives the offset, the local day and the local fields of an instant', () => {
    assert.equal(newYorkOffsetAt(Date.parse('2014-03-09T06:59:59Z')), -5 * HOUR)
    assert.equal(newYorkOffsetAt(Date.parse('2014-03-09T07:00:00Z')), -4 * HOUR)
    assert.equal(newYorkOffsetAt(Date.parse('2014-11-02T05:59:59Z')), -4 * HOUR)
    assert.equal(newYorkOffsetAt(Date.parse('2014-11-02T06:00:00Z')), -5 * HOUR)
    assert.equal(newYorkDay(Date.parse('2014-04-02T03:59:59Z')), '2014-04-01')
    assert.equal(newYorkDay(Date.parse('2014-04-02T04:00:00Z')), '2014-04-02')
    assert.equal(newYorkDay(Date.parse('2014-01-02T04:59:59Z')), '2014-01-01')
    assert.deepEqual(newYorkFields(Date.parse('2014-04-06T22:30:00Z')), { year: 2014, month: 4, day: 6, hour: 18, minute: 30, weekday: 0 })
    for (let t = Date.parse('2013-12-25T00:00:00Z'); t < Date.parse('2015-01-05T00:00:00Z'); t += 7 * HOUR + 13 * 60_000) {
      const fields = newYorkFields(t)
      const wall = wallClock(t)
      assert.equal(`${fields.year}-${String(fields.month).padStart(2, '0')}-${String(fields.day).padStart(2, '0')}`, wall.slice(0, 10))
      assert.equal(newYorkDay(t), wall.slice(0, 10))
      assert.equal(fields.hour, Number(wall.slice(11, 13)))
    }
  })

  it('counts days from the civil calendar as Date does', () => {
    for (const [y, m, d] of [
      [1970, 1, 1],
      [2000, 2, 29],
      [2014, 4, 1],
      [2016, 12, 31],
      [1969, 12, 31],
    ] as const) {
      assert.equal(daysFromCivil(y, m, d), Date.UTC(y, m - 1, d) / 86_400_000)
    }
  })
})
