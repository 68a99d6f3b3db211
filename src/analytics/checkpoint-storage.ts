import { mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { kooberError } from '../errors.js'
import { writeFileAtomic } from '../log/atomic-file.js'
import type { Store, TableSchema } from '../store/index.js'
import type { Checkpoint } from './elements.js'

/** Where a job's latest checkpoint lives. `save` replaces it atomically: a crash leaves the old one or the new one, whole. */
export interface CheckpointStorage {
  load(job: string): Promise<Checkpoint | undefined>
  save(job: string, checkpoint: Checkpoint): Promise<void>
}

export const CHECKPOINTS_TABLE: TableSchema = {
  name: 'analytics_checkpoints',
  columns: { job: 'text', id: 'bigint', checkpoint: 'json', saved_at: 'timestamp' },
  partitionKey: ['job'],
}

/**
 * Checkpoints in a table of the store (SQLite or Cassandra): one row per
 * job, overwritten by each checkpoint in one upsert (atomic on both backends).
 */
export async function storeCheckpoints(store: Store): Promise<CheckpointStorage> {
  await store.createTable(CHECKPOINTS_TABLE)
  return {
    async load(job) {
      const row = await store.get(CHECKPOINTS_TABLE.name, { job })
      return row ? (row.checkpoint as Checkpoint) : undefined
    },
    async save(job, checkpoint) {
      await store.upsert(CHECKPOINTS_TABLE.name, [{ job, id: checkpoint.id, checkpoint, saved_at: Date.now() }])
    },
  }
}

/** Checkpoints as files `<dir>/<job>.checkpoint.json`, replaced atomically (write, sync, rename). */
export function fileCheckpoints(dir: string): CheckpointStorage {
  const path = (job: string): string => {
    if (!/^[\w.-]+$/.test(job)) throw kooberError('KOOBER_INVALID_ARGUMENT', `a job name is letters, digits, dots, dashes and underscores, got ${JSON.stringify(job)}`)
    return join(dir, `${job}.checkpoint.json`)
  }
  return {
    async load(job) {
      try {
        return JSON.parse(readFileSync(path(job), 'utf8')) as Checkpoint
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
        throw kooberError('KOOBER_ANALYTICS_CHECKPOINT', `cannot read the checkpoint of ${job} in ${dir}: ${(err as Error).message}`, err)
      }
    },
    async save(job, checkpoint) {
      mkdirSync(dir, { recursive: true })
      await writeFileAtomic(path(job), JSON.stringify(checkpoint))
    },
  }
}
