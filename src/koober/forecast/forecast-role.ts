import { isKooberError } from '../../errors.js'
import type { PlacesSpec } from '../../forecast/places.js'
import { SLOT_MS } from '../../forecast/types.js'
import type { Store } from '../../store/index.js'
import { createForecastTables, KEPT_VERSIONS, listVersions, pruneVersions, type VersionSummary } from './forecast-versions.js'
import { trainFromStore } from './train-job.js'

export interface ForecastRoleOptions {
  store: Store
  /** How often to retrain (ms). */
  everyMs: number
  /** Days of pickups each training reads, up to now. */
  days: number
  places: PlacesSpec
  holdoutDays?: number
  /** Versions kept in the store after each training, the newest (default KEPT_VERSIONS); older ones are deleted. */
  keepVersions?: number
  signal?: AbortSignal
  onProgress?: (message: string) => void
  onVersion?: (summary: VersionSummary) => void
  /** A training that could not run (no pickups yet) or failed; the role tries again later. */
  onSkipped?: (reason: string) => void
  now?: () => number
}

const DAY_MS = 86_400_000
/** After a training that could not run, the next try comes this soon (or at the schedule, if sooner). */
const RETRY_MS = 60 * 60_000

/**
 * The forecast role (the original's PredictionIO training, on a schedule):
 * retrains from the pickups table whenever the newest version is older than
 * `everyMs` (at once when there is none), on a worker thread, saves each
 * version for the serving side, and deletes all but the newest
 * `keepVersions`. A training that fails (too few pickups yet)
 * is told to `onSkipped` and tried again later; the role runs until the
 * signal aborts.
 */
export async function runForecastRole(options: ForecastRoleOptions): Promise<void> {
  const now = options.now ?? Date.now
  await createForecastTables(options.store)
  while (!options.signal?.aborted) {
    const [newest] = await listVersions(options.store, 1)
    let waitMs = newest ? newest.trainedAt + options.everyMs - now() : 0
    if (waitMs <= 0) {
      const until = Math.floor(now() / SLOT_MS) * SLOT_MS
      try {
        const summary = await trainFromStore(options.store, {
          from: until - options.days * DAY_MS,
          until,
          places: options.places,
          ...(options.holdoutDays !== undefined ? { holdoutDays: options.holdoutDays } : {}),
          ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        })
        options.onVersion?.(summary)
        await pruneVersions(options.store, options.keepVersions ?? KEPT_VERSIONS)
        waitMs = options.everyMs
      } catch (error) {
        if (options.signal?.aborted) return
        options.onSkipped?.(isKooberError(error) ? error.message : String((error as Error)?.stack ?? error))
        waitMs = Math.min(options.everyMs, RETRY_MS)
      }
    }
    await sleep(waitMs, options.signal)
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve()
    const timer = setTimeout(done, ms)
    function done(): void {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done, { once: true })
  })
}
