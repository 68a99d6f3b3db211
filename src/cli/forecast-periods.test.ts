import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { localMidnight } from '../forecast/calendar.js'
import { describe as describePeriod, resolvePeriods } from './forecast-periods.js'

const NEW_YORK = 'America/New_York'
const day = (date: string): number => localMidnight(date, NEW_YORK)
/** The shared April file: 2014-04-01 00:11 to 2014-04-23 23:59 New York time. */
const april = { first: day('2014-04-01') + 11 * 60_000, last: day('2014-04-24') - 60_000 }

describe('resolvePeriods', () => {
  it('splits one set of files at --test-from: training ends where the test starts, the test runs to the last day', () => {
    const periods = resolvePeriods({ testFrom: '2014-04-17' }, april, undefined, NEW_YORK)
    assert.deepEqual(periods, { train: { from: day('2014-04-01'), until: day('2014-04-17') }, test: { from: day('2014-04-17'), until: day('2014-04-24') } })
    assert.equal(describePeriod(periods.train, NEW_YORK), '2014-04-01 … 2014-04-16')
  })

  it('or after --train-until, a day included', () => {
    const periods = resolvePeriods({ trainUntil: '2014-04-09', testUntil: '2014-04-16' }, april, undefined, NEW_YORK)
    assert.deepEqual(periods, { train: { from: day('2014-04-01'), until: day('2014-04-10') }, test: { from: day('2014-04-10'), until: day('2014-04-17') } })
  })

  it('takes every bound given, and the rest from each set of files', () => {
    const september = { first: day('2014-09-01') + 3_600_000, last: day('2014-09-30') + 3_600_000 }
    assert.deepEqual(resolvePeriods({ trainFrom: '2014-04-03' }, april, september, NEW_YORK), {
      train: { from: day('2014-04-03'), until: day('2014-04-24') },
      test: { from: day('2014-09-01'), until: day('2014-10-01') },
    })
  })

  it('refuses one set of files with nothing to split it, and empty periods', () => {
    assert.throws(() => resolvePeriods({}, april, undefined, NEW_YORK), { code: 'KOOBER_CLI_USAGE', message: /--test FILE... or split the --train files/ })
    assert.throws(() => resolvePeriods({ trainFrom: '2014-04-20', testFrom: '2014-04-17' }, april, undefined, NEW_YORK), /the training period is empty/)
    assert.throws(() => resolvePeriods({ testFrom: '2014-04-17', testUntil: '2014-04-10' }, april, undefined, NEW_YORK), /the test period is empty/)
  })
})
