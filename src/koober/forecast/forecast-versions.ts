import { kooberError } from '../../errors.js'
import type { SavedDemandModel } from '../../forecast/demand-model.js'
import { unpackDemandModel, type DemandModelSummary, type PackedDemandModel } from '../../forecast/packed-model.js'
import type { Store, TableSchema } from '../../store/index.js'

/*
 * Trained forecast versions in the store, on either backend. A version is
 * written as gzipped JSON (packed by the training thread: packed-model.ts)
 * in chunks of at most 512 KiB (a random forest's trees run to megabytes,
 * more than a Cassandra cell should hold), then its row in
 * `forecast_versions`, last: a version is listed only once all of it is
 * there, so the serving side never loads half of one.
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

/** What a version's row tells without loading it: its number, period, places and every model's scores. */
export interface VersionSummary extends DemandModelSummary {
  version: number
}

export async function createForecastTables(store: Store): Promise<void> {
  await store.createTable(FORECAST_VERSIONS_TABLE)
  await store.createTable(FORECAST_CHUNKS_TABLE)
}

/**
 * Saves a packed version (trainInWorker's, or packDemandModel's); its number
 * is its training time (epoch ms), so versions sort by age.
 *
 * @example
 * ```ts
 * const summary = await saveVersion(store, await trainInWorker(options))
 * ```
 */
export async function saveVersion(store: Store, packed: PackedDemandModel): Promise<VersionSummary> {
  const version = packed.summary.trainedAt
  const { bytes } = packed
  const chunks: Array<{ version: number; chunk: number; data: Buffer }> = []
  for (let at = 0, chunk = 0; at < bytes.length; at += CHUNK_BYTES, chunk++) {
    chunks.push({ version, chunk, data: Buffer.from(bytes.buffer, bytes.byteOffset + at, Math.min(CHUNK_BYTES, bytes.length - at)) })
  }
  for (const row of chunks) await store.upsert(FORECAST_CHUNKS_TABLE.name, [row])
  const summary: VersionSummary = { version, ...packed.summary }
  await store.upsert(FORECAST_VERSIONS_TABLE.name, [{ model: MODEL, version, trained_at: version, chunks: chunks.length, summary }])
  return summary
}

/** Versions the forecast role keeps: a day of them at its 6-hour schedule, the one served and those it can be compared with. */
export const KEPT_VERSIONS = 4

/**
 * Deletes every version but the newest `keep` (each one about 4 MB with 200
 * places): its chunks, then its row, so a crash between leaves a listed
 * version that the next prune deletes, never chunks that no row names. The
 * serving side loads only the newest, which is never deleted; one that
 * loaded an older version keeps it in memory. Returns the deleted versions.
 *
 * @example
 * ```ts
 * await saveVersion(store, packed)
 * await pruneVersions(store) // e.g. [1397620800000]: the fifth newest
 * ```
 */
export async function pruneVersions(store: Store, keep = KEPT_VERSIONS): Promise<number[]> {
  if (!Number.isInteger(keep) || keep < 1) throw kooberError('KOOBER_INVALID_ARGUMENT', `keep at least the newest forecast version, got keep = ${keep}`)
  const old: number[] = []
  let seen = 0
  for (let page: string | undefined, first = true; first || page; first = false) {
    const result = await store.query(FORECAST_VERSIONS_TABLE.name, { partition: { model: MODEL }, limit: 100, ...(page ? { page } : {}) })
    for (const row of result.rows) if (seen++ >= keep) old.push(row.version as number)
    page = result.nextPage
  }
  for (const version of old) {
    await store.delete(FORECAST_CHUNKS_TABLE.name, { version })
    await store.delete(FORECAST_VERSIONS_TABLE.name, { model: MODEL, version })
  }
  return old
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
    return await unpackDemandModel(Buffer.concat(parts))
  } catch (err) {
    throw kooberError('KOOBER_FORECAST_SAVED_MODEL', `forecast version ${version} in the store cannot be read: ${(err as Error).message}`, err)
  }
}
