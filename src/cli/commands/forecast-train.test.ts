import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { localMidnight } from '../../forecast/calendar.js'
import { CITY_TIME_ZONE } from '../../koober/geo.js'
import { runCli } from '../testing/run-cli.js'
import { trainingPeriod, type TrainFlags } from './forecast-train.js'

const dir = mkdtempSync(join(tmpdir(), 'koober-forecast-train-'))
after(() => rmSync(dir, { recursive: true, force: true }))

const day = (date: string): number => localMidnight(date, CITY_TIME_ZONE)
const flags = (overrides: Partial<TrainFlags>): TrainFlags => ({ dataDir: dir, days: 28, holdoutDays: 7, places: { kind: 'kmeans', k: 200 }, ...overrides })

describe('koober forecast train: the period', () => {
  it('runs from --from to the end of the --until day, clock changes included', () => {
    assert.deepEqual(trainingPeriod(flags({ from: '2014-04-01', until: '2014-04-23' })), { from: day('2014-04-01'), until: day('2014-04-24') })
    // The clocks went back on 2014-11-02 (25 hours) and forward on 2014-03-09 (23 hours).
    assert.equal(trainingPeriod(flags({ from: '2014-10-10', until: '2014-11-02' })).until, day('2014-11-03'))
    assert.equal(trainingPeriod(flags({ from: '2014-02-20', until: '2014-03-09' })).until, day('2014-03-10'))
  })

  it('takes --days back from now, on a half hour', () => {
    const now = Date.parse('2014-04-24T13:47:00Z')
    assert.deepEqual(trainingPeriod(flags({ days: 20 }), now), { from: Date.parse('2014-04-04T13:30:00Z'), until: Date.parse('2014-04-24T13:30:00Z') })
  })

  it('refuses a period shorter than the held-out days and the 8 the calendar question trains on, or longer than 120 days', () => {
    assert.throws(() => trainingPeriod(flags({ days: 14 }), Date.now()), {
      code: 'KOOBER_CLI_USAGE',
      message: /^the training period holds 14 days: it needs at least 15, the 7 held out \(--holdout-days\) and 8 to train on \(the calendar question/,
    })
    assert.equal(trainingPeriod(flags({ days: 15 }), Date.now()).until - trainingPeriod(flags({ days: 15 }), Date.now()).from, 15 * 86_400_000)
    assert.throws(() => trainingPeriod(flags({ days: 10, holdoutDays: 3 }), Date.now()), /holds 10 days: it needs at least 11/)
    assert.throws(() => trainingPeriod(flags({ from: '2014-01-01', until: '2014-05-01' })), { code: 'KOOBER_CLI_USAGE', message: /holds 121\.0 days: at most 120/ })
    assert.throws(() => trainingPeriod(flags({ from: '2014-04-20', until: '2014-04-10' })), /--from 2014-04-20 comes after --until 2014-04-10/)
  })

  it('says so before opening the store, with the usage exit code', async () => {
    const dataDir = join(dir, 'data')
    const short = await runCli(['forecast', 'train', '--days', '14', '--data-dir', dataDir], { local: true })
    assert.equal(short.code, 2, short.stderr)
    assert.match(short.stderr, /the training period holds 14 days: it needs at least 15/)
    const long = await runCli(['forecast', 'train', '--days', '121', '--data-dir', dataDir], { local: true })
    assert.notEqual(long.code, 0)
    assert.match(long.stderr, /--days.*expected a number from 2 to 120, got 121/)
    const role = await runCli(['forecast', '--days', '9', '--holdout-days', '2', '--data-dir', dataDir], { local: true })
    assert.equal(role.code, 2, role.stderr)
    assert.match(role.stderr, /holds 9 days: it needs at least 10/)
    assert.equal(existsSync(dataDir), false, 'nothing written')
  })
})
