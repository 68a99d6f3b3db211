import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { orFailureOf } from './background-failure.js'

const never = <T>(): Promise<T> => new Promise<T>(() => undefined)

describe('orFailureOf: a background task that fails the test at once', () => {
  it('settles as the raced promise does while the background task runs, or after it succeeded', async () => {
    const orFails = orFailureOf(never())
    assert.equal(await orFails(Promise.resolve(7)), 7)
    await assert.rejects(orFails(Promise.reject(new Error('the wait failed'))), /the wait failed/)
    assert.equal(await orFailureOf(Promise.resolve())(sleep(5, 'later')), 'later')
  })

  it('rejects with the background task’s error without waiting for the raced promise', async () => {
    const appends = sleep(5).then(() => Promise.reject(new Error('append refused')))
    await assert.rejects(orFailureOf(appends)(never()), /append refused/)
    // Whatever it rejected with becomes an Error.
    await assert.rejects(orFailureOf(Promise.reject('not an error'))(never()), (err: Error) => err instanceof Error && err.message === 'not an error')
  })
})
