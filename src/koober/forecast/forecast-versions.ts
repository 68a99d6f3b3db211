import { gunzipSync, gzipSync } from 'node:zlib'
import { kooberError } from '../../errors.js'
import type { SavedDemandModel } from '../../forecast/demand-model.js'
import type { ModelEvaluation } from '../../forecast/evaluate.js'
import type { Question } from '../../forecast/features.js'
import type { Store, TableSchema } from '../../store/index.js'

/*
 * Trained forecast versions in the store, on either backend. A version is
 * written as gzipped JSON in chunks of at most 512 KiB (a random forest's
 * trees run to megabytes, more than a Cassandra cell should hold), then its
 * row in `forecast_versions`, last: a version is listed only once all of
 * it is there, so the serving side never loads half of one.
 */

const CHUNK_BYTES = 512 * 1024
const MODEL = 'demand'

export const FORECAST_VERSIONS_TABLE: TableSchema = {
  name: 'forecast_versions',
  columns: { model: 'text', version: 'bigint', trained_at: 'timestamp', chunks: 'int', summary: 'json' },
  partitionKey: ['model'],
  clusteringKey: ['version'],
  clusteringOrder: 'desc',
}

export const FORECAST_CHUNKS_TABLE: TableSchema = {
  name: 'forecast_chunks',
  columns: { version: 'bigint', chunk: 'int', data: 'blob' },
  partitionKey: ['version'],
  clusteringKey: ['chunk'],
}

/** What a version's row tells without loading it: its period, places and every model's scores. */
export interface VersionSummary {
  version: number
  trainedAt: number
  from: number
  until: number
  holdoutDays: number
  placesSpec: string
  questions: Partial<Record<Question, { best: string; scores: Record<string, ModelEvaluation> }>>
}

export async function createForecastTables(store: Store): Promise<void> {
  await store.createTable(FORECAST_VERSIONS_TABLE)
  await store.createTable(FORECAST_CHUNKS_TABLE)
}

/** Saves a version; its number is its training time (epoch ms), so versions sort by age. */
export async function saveVersion(store: Store, saved: SavedDemandModel): Promise<VersionSummary> {
  const version = saved.trainedAt
  const packed = gzipSync(JSON.stringify(saved))
  const chunks: Array<{ version: number; chunk: number; data: Buffer }> = []
  for (let at = 0, chunk = 0; at < packed.length; at += CHUNK_BYTES, chunk++) chunks.push({ version, chunk, data: packed.subarray(at, at + CHUNK_BYTES) })
  for (const row of chunks) await store.upsert(FORECAST_CHUNKS_TABLE.name, [row])
  const summary = summarize(saved)
  await store.upsert(FORECAST_VERSIONS_TABLE.name, [{ model: MODEL, version, trained_at: saved.trainedAt, chunks: chunks.length, summary }])
  return summary
}

/** The newest versions, newest first (default the last 10). */
export async function listVersions(store: Store, limit = 10): Promise<VersionSummary[]> {
  const page = await store.query(FORECAST_VERSIONS_TABLE.name, { partition: { model: MODEL }, limit })
  return page.rows.map((row) => row.summary as VersionSummary)
}

/** A version whole, or undefined when there is none of that number. */
export async function loadVersion(store: Store, version: number): Promise<SavedDemandModel | undefined> {
  const row = await store.get(FORECAST_VERSIONS_TABLE.name, { model: MODEL, version })
  if (!row) return undefined
  const parts: Buffer[] = []
  for (let page: string | undefined, first = true; first || page; first = false) {
    const result = await store.query(FORECAST_CHUNKS_TABLE.name, { partition: { version }, limit: 64, ...(page ? { page } : {}) })
    for (const chunk of result.rows) parts.push(chunk.data as Buffer)
    page = result.nextPage
  }
  if (parts.length !== row.chunks) throw kooberError('KOOBER_FORECAST_SAVED_MODEL', `forecast version ${version} has ${parts.length} of its ${String(row.chunks)} chunks in the store`)
  try {
    return JSON.parse(gunzipSync(Buffer.concat(parts)).toString('utf8')) as SavedDemandModel
  } catch (err) {
    throw kooberError('KOOBER_FORECAST_SAVED_MODEL', `forecast version ${version} in the store cannot be read: ${(err as Error).message}`, err)
  }
}

function summarize(saved: SavedDemandModel): VersionSummary {
  const questions: VersionSummary['questions'] = {}
  for (const [question, models] of Object.entries(saved.questions) as Array<[Question, NonNullable<SavedDemandModel['questions'][Question]>]>) {
    questions[question] = { best: models.best, scores: Object.fromEntries(Object.entries(models.models).map(([name, m]) => [name, m.scores])) }
  }
  return { version: saved.trainedAt, trainedAt: saved.trainedAt, from: saved.from, until: saved.until, holdoutDays: saved.holdoutDays, placesSpec: saved.placesSpec, questions }
}
