/**
 * Crash tests run their kills in a few lanes at once (independent data
 * directories), because each child process mostly waits on its start-up.
 */

/**
 * Runs `body` for every lane at once, sharing `total` runs between them (the
 * first lanes take one more where it does not divide). Once a lane fails,
 * `failed()` tells the others to stop after their current run, so no child
 * outlives the test; then the first failure is thrown.
 *
 * @example
 * await inLanes(lanes, KILLS, async (lane, runs, failed) => {
 *   for (let run = 1; run <= runs && !failed(); run++) await lane.crashOnce(run)
 * })
 */
export async function inLanes<L>(lanes: readonly L[], total: number, body: (lane: L, runs: number, failed: () => boolean) => Promise<void>): Promise<void> {
  let failed = false
  const outcomes = await Promise.allSettled(
    lanes.map(async (lane, index) => {
      const runs = Math.floor(total / lanes.length) + (index < total % lanes.length ? 1 : 0)
      try {
        await body(lane, runs, () => failed)
      } catch (err) {
        failed = true
        throw err
      }
    }),
  )
  for (const outcome of outcomes) if (outcome.status === 'rejected') throw outcome.reason
}
