import { open, rename, rm } from 'node:fs/promises'
import { openSync, writeSync, fsyncSync, closeSync, renameSync } from 'node:fs'
import { dirname } from 'node:path'

/**
 * Replaces `path` with `data` so that a crash leaves either the old file or the
 * new one, never a mix: write a temporary file, sync it, rename it over the
 * target, sync the directory so the rename itself is durable.
 */
export async function writeFileAtomic(path: string, data: Buffer | string): Promise<void> {
  const tmp = `${path}.tmp`
  const handle = await open(tmp, 'w')
  try {
    await handle.writeFile(data)
    await handle.sync()
  } finally {
    await handle.close()
  }
  try {
    await rename(tmp, path)
  } catch (err) {
    await rm(tmp, { force: true })
    throw err
  }
  await syncDirectory(dirname(path))
}

/** The synchronous twin of `writeFileAtomic`, for shutdown paths that cannot await. */
export function writeFileAtomicSync(path: string, data: Buffer | string): void {
  const tmp = `${path}.tmp`
  const fd = openSync(tmp, 'w')
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  renameSync(tmp, path)
  syncDirectorySync(dirname(path))
}

/** Makes the entries of a directory (files created, renamed, removed) durable. */
export async function syncDirectory(path: string): Promise<void> {
  const handle = await open(path, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

export function syncDirectorySync(path: string): void {
  const fd = openSync(path, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}
