import { promisify } from 'node:util'
import { gunzip, gzipSync } from 'node:zlib'
import { kooberError } from '../errors.js'
import type { SavedDemandModel, VersionFacts } from './demand-model.js'
import type { ModelEvaluation } from './evaluate.js'
import type { Question } from './features.js'

/*
 * A saved version as bytes to store: gzipped JSON, and the summary a
 * listing shows without unpacking it. A version runs to megabytes of JSON
 * (a random forest's trees): packing it takes a few hundred milliseconds of
 * CPU, so the training thread packs (train-thread.ts), and unpacking
 * gunzips on libuv's pool rather than on the event loop.
 */

/** What a version tells without loading it: its period, places and every model's scores. */
export interface DemandModelSummary extends Pick<VersionFacts, 'trainedAt' | 'from' | 'until' | 'holdoutDays' | 'placesSpec'> {
  questions: Partial<Record<Question, { best: string; scores: Record<string, ModelEvaluation> }>>
}

export interface PackedDemandModel {
  /** The saved version as gzipped JSON. */
  bytes: Uint8Array
  summary: DemandModelSummary
}

/**
 * Packs a saved version; synchronous and CPU-bound, for a worker thread.
 *
 * @example
 * ```ts
 * const { bytes, summary } = packDemandModel(saveDemandModel(version))
 * const saved = await unpackDemandModel(bytes) // deep-equal to saveDemandModel(version)
 * ```
 */
export function packDemandModel(saved: SavedDemandModel): PackedDemandModel {
  return { bytes: gzipSync(JSON.stringify(saved)), summary: summarizeDemandModel(saved) }
}

const gunzipAsync = promisify(gunzip)

/** The saved version in packed bytes; bytes that are not one are KOOBER_FORECAST_SAVED_MODEL. */
export async function unpackDemandModel(bytes: Uint8Array): Promise<SavedDemandModel> {
  let text: string
  try {
    text = (await gunzipAsync(bytes)).toString('utf8')
  } catch (err) {
    throw kooberError('KOOBER_FORECAST_SAVED_MODEL', `a packed forecast version is not gzip: ${(err as Error).message}`, err)
  }
  try {
    return JSON.parse(text) as SavedDemandModel
  } catch (err) {
    throw kooberError('KOOBER_FORECAST_SAVED_MODEL', `a packed forecast version is not JSON: ${(err as Error).message}`, err)
  }
}

export function summarizeDemandModel(saved: SavedDemandModel): DemandModelSummary {
  const questions: DemandModelSummary['questions'] = {}
  for (const [question, models] of Object.entries(saved.questions) as Array<[Question, NonNullable<SavedDemandModel['questions'][Question]>]>) {
    questions[question] = { best: models.best, scores: Object.fromEntries(Object.entries(models.models).map(([name, m]) => [name, m.scores])) }
  }
  return { trainedAt: saved.trainedAt, from: saved.from, until: saved.until, holdoutDays: saved.holdoutDays, placesSpec: saved.placesSpec, questions }
}
