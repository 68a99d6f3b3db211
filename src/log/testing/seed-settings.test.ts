import assert from 'node:assert/strict'
import { afterEach, describe, it } from 'node:test'
import { nonNegativeIntegerSetting, seedSetting, withSeed } from './seed-settings.js'

const NAME = 'KOOBER_SEED_SETTINGS_TEST'
afterEach(() => delete process.env[NAME])

describe('seed settings: runs and replay seeds from the environment', () => {
  it('reads a non-negative whole number, or falls back when the variable is unset or empty', () => {
    assert.equal(nonNegativeIntegerSetting(NAME, 40), 40)
    process.env[NAME] = ''
    assert.equal(nonNegativeIntegerSetting(NAME, 40), 40)
    process.env[NAME] = '0'
    assert.equal(nonNegativeIntegerSetting(NAME, 40), 0)
    process.env[NAME] = '200'
    assert.equal(nonNegativeIntegerSetting(NAME, 40), 200)
  })

  it('throws, naming the variable, for anything else', () => {
    for (const text of ['-1', '1.5', 'many', '1e30']) {
      process.env[NAME] = text
      assert.throws(() => nonNegativeIntegerSetting(NAME, 40), new RegExp(`^Error: ${NAME} must be a non-negative integer, got "${text.replace('.', '\\.')}"$`))
    }
  })

  it('takes the seed from the variable to replay a run, else draws a fresh one', () => {
    process.env[NAME] = '12345'
    assert.equal(seedSetting(NAME), 12345)
    process.env[NAME] = 'x'
    assert.throws(() => seedSetting(NAME), /must be a non-negative integer/)
    delete process.env[NAME]
    const seeds = Array.from({ length: 5 }, () => seedSetting(NAME))
    for (const seed of seeds) assert.ok(Number.isSafeInteger(seed) && seed >= 0 && seed < 2 ** 31, String(seed))
    assert.ok(new Set(seeds).size > 1, `always ${seeds[0]}`)
  })

  it('on failure says how to replay the run, and rethrows; on success says nothing', async () => {
    const said: string[] = []
    const t = { diagnostic: (message: string) => void said.push(message) }
    await withSeed(t, NAME, 7, async () => undefined)
    assert.deepEqual(said, [])
    const failure = new Error('lost a record')
    await assert.rejects(
      withSeed(t, NAME, 7, async () => Promise.reject(failure)),
      (err) => err === failure,
    )
    assert.deepEqual(said, [`failed with seed 7: rerun with ${NAME}=7`])
  })
})
