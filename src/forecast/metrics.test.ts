import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { mae, rmse, scoreDemand } from './metrics.js'

const close = (actual: number, expected: number): void => assert.ok(Math.abs(actual - expected) < 1e-12, `${actual} ≠ ${expected}`)

describe('demand metrics', () => {
  it('RMSE and MAE over every pair', () => {
    // Errors 0, −2, 2, 1: squares 0 + 4 + 4 + 1 = 9 over 4; absolutes 5 over 4.
    close(rmse([12, 0, 22, 4], [12, 2, 20, 3]), 1.5)
    close(mae([12, 0, 22, 4], [12, 2, 20, 3]), 1.25)
  })

  it('masked RMSE and MAPE over the pairs with more than 10 pickups only', () => {
    // Actual 12 and 20 pass the mask (10 and 3 do not): errors 0 and 2, percentages 0 and 10.
    const scores = scoreDemand([12, 0, 22, 4, 15], [12, 2, 20, 3, 10])
    close(scores.rmse, Math.sqrt((0 + 4 + 4 + 1 + 25) / 5))
    close(scores.mae, (0 + 2 + 2 + 1 + 5) / 5)
    close(scores.masked_rmse, Math.sqrt(2))
    close(scores.masked_mape, 5)
    assert.equal(scores.masked_pairs, 2)
    assert.equal(scores.pairs, 5)
  })

  it('masked scores are NaN when no pair passes the mask', () => {
    const scores = scoreDemand([1, 2], [1, 10])
    assert.ok(Number.isNaN(scores.masked_rmse) && Number.isNaN(scores.masked_mape))
    assert.equal(scores.masked_pairs, 0)
  })

  it('refuses mismatched lengths, nothing to score, and values that are not numbers', () => {
    assert.throws(() => rmse([1], [1, 2]), /1 predictions for 2 actual values/)
    assert.throws(() => scoreDemand([], []), { code: 'KOOBER_INVALID_ARGUMENT' })
    assert.throws(() => mae([Number.NaN], [1]), /not a finite number/)
  })
})
