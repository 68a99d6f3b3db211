import { closeSync, constants, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs'
import { kooberError } from '../errors.js'
import { isAlive, sleep } from './process.js'

export interface FileLockOptions {
  /** What the lock guards, for messages: "the Kafka jars in infra/kafka/lib". */
  what: string
  /** Give up waiting after this long. */
  timeoutMs: number
  /** Called when the lock is busy, then every 15 s while we wait, with the holder's pid. */
  onWait?: (holder: number | undefined) => void
}

/**
 * Runs `body` holding an exclusive lock file, waiting while another process
 * holds it. Two test files starting Kafka at once must not both run Maven into
 * one lib folder, nor launch two brokers on one data directory. A lock whose
 * holder died is taken over.
 */
export async function withFileLock<T>(path: string, body: () => Promise<T>, options: FileLockOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs
  let nextNotice = 0
  while (!tryAcquire(path)) {
    const holder = readHolder(path)
    if (holder === undefined ? isAbandoned(path) : !isAlive(holder)) {
      // Look again just before removing: another waiter may have removed the stale lock and taken a fresh one.
      if (readHolder(path) === holder) removeLock(path)
      continue
    }
    if (Date.now() >= deadline) {
      throw kooberError('KOOBER_INFRA_SERVER_FAILED', `gave up waiting for ${options.what}: lock ${path} is held by process ${holder ?? '?'}`)
    }
    if (Date.now() >= nextNotice) {
      options.onWait?.(holder)
      nextNotice = Date.now() + 15_000
    }
    await sleep(250)
  }
  try {
    return await body()
  } finally {
    if (readHolder(path) === process.pid) removeLock(path)
  }
}

function tryAcquire(path: string): boolean {
  let fd: number
  try {
    fd = openSync(path, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o644)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw err
  }
  try {
    writeSync(fd, `${process.pid}\n`)
  } finally {
    closeSync(fd)
  }
  return true
}

function readHolder(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10)
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined
  } catch {
    return undefined
  }
}

/** An unreadable lock (its writer died between create and write) counts as abandoned after 5 s. */
function isAbandoned(path: string): boolean {
  try {
    return Date.now() - statSync(path).mtimeMs > 5_000
  } catch {
    return true
  }
}

function removeLock(path: string): void {
  try {
    unlinkSync(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
}
