import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { gunzipSync } from 'node:zlib'
import { runCli } from '../testing/run-cli.js'

const DATA = fileURLToPath(new URL('../../../../shared/data/nyc/', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'koober-forecast-'))
after(() => rmSync(dir, { recursive: true, force: true }))

const APRIL = join(dir, 'april.csv')
const APRIL_TRAIN = join(dir, 'april-01-16.csv')
const APRIL_TEST = join(dir, 'april-17-23.csv')
const WEATHER = join(dir, 'weather.csv')
const MODELS = ['persistence', 'historical_average', 'last_week', 'linear', 'ridge', 'random_forest', 'gbt']

before(() => {
  // Every 25th row of the shared April file (about 16,000 pickups over 23 days), and April's hourly weather.
  const lines = gunzipSync(readFileSync(join(DATA, 'uber-pickups-2014-04-01_23.csv.gz'))).toString('utf8').split('\n')
  const header = lines[0]!
  const rows = lines.slice(1).filter((line, i) => line.length > 0 && i % 25 === 0)
  const day = (row: string): number => Number(/^"4\/(\d+)\//.exec(row)![1])
  writeFileSync(APRIL, [header, ...rows].join('\n') + '\n')
  writeFileSync(APRIL_TRAIN, [header, ...rows.filter((r) => day(r) <= 16)].join('\n') + '\n')
  writeFileSync(APRIL_TEST, [header, ...rows.filter((r) => day(r) >= 17)].join('\n') + '\n')
  const weather = readFileSync(join(DATA, 'nyc-weather-hourly-utc.csv'), 'utf8').split('\n')
  writeFileSync(WEATHER, [weather[0], ...weather.filter((line) => line.startsWith('2014-04'))].join('\n') + '\n')
})


interface BenchLine {
  bench: string
  question: string
  test_slots: number
  models: Record<string, Record<string, number | null>>
  best: string
}

function lastLine(stdout: string): BenchLine {
  const lines = stdout.trimEnd().split('\n')
  return JSON.parse(lines[lines.length - 1]!) as BenchLine
}

describe('koober forecast evaluate', () => {
  it('splits one file by date, prints a table per model and, last, one JSON line', async () => {
    const result = await runCli(['forecast', 'evaluate', '--train', APRIL, '--test-from', '2014-04-17', '--weather', WEATHER, '--places', 'kmeans:10'])
    assert.equal(result.code, 0, result.stderr)
    const line = lastLine(result.stdout)
    assert.deepEqual(Object.keys(line), ['bench', 'question', 'test_slots', 'models', 'best'])
    assert.equal(line.bench, 'forecast')
    assert.equal(line.question, 'next')
    assert.equal(line.test_slots, 7 * 48)
    assert.deepEqual(Object.keys(line.models).sort(), [...MODELS].sort())
    for (const name of MODELS) {
      assert.deepEqual(Object.keys(line.models[name]!), ['rmse', 'mae', 'masked_rmse', 'masked_mape'])
      assert.ok(line.models[name]!.rmse! > 0)
    }
    assert.ok(MODELS.includes(line.best))
    for (const name of MODELS) assert.match(result.stdout, new RegExp(`^${name}\\s+\\d+\\.\\d{3}\\s+\\d+\\.\\d{3}`, 'm'))
    assert.match(result.stdout, /RMSE\s+MAE\s+masked RMSE\s+masked MAPE\s+train s/)
    assert.match(result.stderr, /training 2014-04-01 … 2014-04-16, testing 2014-04-17 … 2014-04-23/)
    assert.match(result.stderr, /training gbt/, 'progress on standard error')
  })

  it('takes separate training and test files, the calendar question and grid places', async () => {
    const result = await runCli(['forecast', 'evaluate', '--train', APRIL_TRAIN, '--test', APRIL_TEST, '--question', 'calendar', '--places', 'grid:3', '--weather', WEATHER])
    assert.equal(result.code, 0, result.stderr)
    const line = lastLine(result.stdout)
    assert.equal(line.question, 'calendar')
    assert.equal(line.test_slots, 7 * 48)
    assert.match(result.stdout, /grid:3 places/)
  })

  it('says clearly what is wrong: a missing file, bad flags, nothing to split, an empty period', async () => {
    const missing = await runCli(['forecast', 'evaluate', '--train', join(dir, 'nope.csv'), '--test-from', '2014-04-17'])
    assert.equal(missing.code, 1)
    assert.match(missing.stderr, /nope\.csv/)
    const places = await runCli(['forecast', 'evaluate', '--train', APRIL, '--test-from', '2014-04-17', '--places', 'hex:4'])
    assert.equal(places.code, 2)
    assert.match(places.stderr, /kmeans:K or grid:N/)
    const date = await runCli(['forecast', 'evaluate', '--train', APRIL, '--test-from', '17/04/2014'])
    assert.equal(date.code, 2)
    assert.match(date.stderr, /expected a date YYYY-MM-DD/)
    const question = await runCli(['forecast', 'evaluate', '--train', APRIL, '--test-from', '2014-04-17', '--question', 'tomorrow'])
    assert.equal(question.code, 2)
    const unsplit = await runCli(['forecast', 'evaluate', '--train', APRIL])
    assert.equal(unsplit.code, 2)
    assert.match(unsplit.stderr, /--test FILE\.\.\. or split the --train files/)
    const empty = await runCli(['forecast', 'evaluate', '--train', APRIL, '--test-from', '2014-05-01', '--test-until', '2014-05-07', '--question', 'calendar'])
    assert.equal(empty.code, 1)
    assert.match(empty.stderr, /no pickups in the test period/)
    assert.equal(empty.stdout, '', 'nothing printed as a result')
  })
})
