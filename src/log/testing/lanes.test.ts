import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { inLanes } from './lanes.js'

describe('inLanes: crash runs shared between lanes that run at once', () => {
  it('shares the runs, the first lanes taking one more where they do not divide, and runs the lanes at once', async () => {
    const shares: Array<[string, number]> = []
    let running = 0
    let mostAtOnce = 0
    await inLanes(['a', 'b', 'c'], 8, async (lane, runs) => {
      shares.push([lane, runs])
      running++
      mostAtOnce = Math.max(mostAtOnce, running)
      await sleep(5)
      running--
    })
    assert.deepEqual(shares, [['a', 3], ['b', 3], ['c', 2]])
    assert.equal(mostAtOnce, 3)
  })

  it('once a lane fails, tells the others to stop after their current run, and throws its failure once they have', async () => {
    let bRuns = 0
    let bStopped = false
    let releaseA!: () => void
    const bRanTwice = new Promise<void>((resolve) => (releaseA = resolve))
    const failure = inLanes(['a', 'b'], 20, async (lane, runs, failed) => {
      if (lane === 'a') {
        await bRanTwice
        throw new Error('lane a: run 1 lost a record')
      }
      for (let run = 1; run <= runs && !failed(); run++) {
        if (++bRuns === 2) releaseA()
        await new Promise(setImmediate)
      }
      bStopped = true
    })
    await assert.rejects(failure, /lane a: run 1 lost a record/)
    assert.deepEqual([bRuns, bStopped], [2, true])
  })
})
