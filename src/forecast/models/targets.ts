/**
 * The mean of the targets, exact when they are all equal (a sum divided back
 * would be off by rounding), so a model of constant demand predicts exactly
 * that constant and its trees see residuals of exactly zero.
 */
export function meanOf(targets: Float64Array, from = 0, to = targets.length): number {
  let min = Infinity
  let max = -Infinity
  let sum = 0
  for (let i = from; i < to; i++) {
    const y = targets[i]!
    sum += y
    if (y < min) min = y
    if (y > max) max = y
  }
  return min === max ? min : sum / (to - from)
}
