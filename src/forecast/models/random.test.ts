import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { sampleInOrder, seededRandom } from './random.js'

describe('seededRandom', () => {
  it('repeats its draws for a seed and differs between seeds', () => {
    const draws = (seed: number): number[] => {
      const random = seededRandom(seed)
      return Array.from({ length: 5 }, () => random.next())
    }
    assert.deepEqual(draws(7), draws(7))
    assert.notDeepEqual(draws(7), draws(8))
    assert.ok(draws(7).every((x) => x >= 0 && x < 1))
  })

  it('draws integers below n about uniformly', () => {
    const random = seededRandom(1)
    const counts = new Array<number>(10).fill(0)
    for (let i = 0; i < 100_000; i++) counts[random.below(10)]!++
    for (const count of counts) assert.ok(Math.abs(count - 10_000) < 500, `counts ${counts.join(', ')}`)
  })

  it('sampleInOrder: the asked number of distinct rows in increasing order, the rest listed apart', () => {
    const rest = new Uint32Array(700)
    const chosen = sampleInOrder(seededRandom(3), 1000, 300, rest)
    assert.equal(chosen.length, 300)
    for (let i = 1; i < chosen.length; i++) assert.ok(chosen[i]! > chosen[i - 1]!)
    assert.deepEqual([...chosen, ...rest].sort((a, b) => a - b), Array.from({ length: 1000 }, (_, i) => i))
    assert.deepEqual(sampleInOrder(seededRandom(3), 1000, 300), chosen)
    assert.deepEqual([...sampleInOrder(seededRandom(3), 5, 5)], [0, 1, 2, 3, 4])
  })
})
