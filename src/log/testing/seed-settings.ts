/**
 * The settings of the randomized crash tests, from environment variables:
 * how many runs, and the seed that replays a failure's random choices.
 */
import { randomInt } from 'node:crypto'
import type { TestContext } from 'node:test'

/**
 * The variable `name` as a non-negative whole number, or `fallback` when it
 * is unset or empty; anything else throws, naming the variable.
 *
 * @example
 * const KILLS = nonNegativeIntegerSetting('KOOBER_CRASH_KILLS', process.env.CI ? 200 : 40)
 */
export function nonNegativeIntegerSetting(name: string, fallback: number): number {
  const text = process.env[name]
  if (text === undefined || text === '') return fallback
  const value = Number(text)
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got ${JSON.stringify(text)}`)
  return value
}

/**
 * The seed of a randomized test: the variable `name` when it is set (to
 * replay a failure), else a fresh one.
 *
 * @example
 * const SEED = seedSetting('KOOBER_CRASH_SEED')
 */
export function seedSetting(name: string): number {
  return process.env[name] !== undefined ? nonNegativeIntegerSetting(name, 0) : randomInt(2 ** 31)
}

/**
 * Runs `body`; on failure, says how to replay it (`<name>=<seed>`) before
 * rethrowing.
 *
 * @example
 * await withSeed(t, 'KOOBER_CRASH_SEED', SEED, () => crashAll(lanes))
 */
export async function withSeed(t: Pick<TestContext, 'diagnostic'>, name: string, seed: number, body: () => Promise<void>): Promise<void> {
  try {
    await body()
  } catch (err) {
    t.diagnostic(`failed with seed ${seed}: rerun with ${name}=${seed}`)
    throw err
  }
}
