import { linkSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs'
import { kooberError, type ErrorCode } from '../errors.js'
import { isAlive } from './process-alive.js'

/** A lock file nobody can read a pid from (written by an older version, or damaged) is stale after this long. */
const UNREADABLE_STALE_MS = 5_000

/**
 * An exclusive, process-level lock held as a file that names its owner's pid,
 * created with O_EXCL. A lock left by a process that no longer runs (killed,
 * crashed) is taken over, so a SIGKILLed owner never blocks its restart.
 */
export class LockFile {
  private released = false

  private constructor(readonly path: string) {}

  /** Takes the lock, or returns undefined while a live process holds it. */
  static tryAcquire(path: string): LockFile | undefined {
    for (let attempt = 0; attempt < 3; attempt++) {
      if (create(path)) return new LockFile(path)
      const holder = LockFile.holder(path)
      const stale = holder === undefined ? isAbandoned(path) : holder !== process.pid && !isAlive(holder)
      if (!stale) return undefined
      // Look again just before removing: another process may have replaced the stale lock with a fresh one.
      if (LockFile.holder(path) === holder) remove(path)
    }
    return undefined
  }

  /**
   * Takes the lock or throws `code` naming the process that holds it.
   * `what` completes the message: "<what> is locked by process N".
   */
  static acquire(path: string, what: string, code: ErrorCode): LockFile {
    const lock = LockFile.tryAcquire(path)
    if (lock) return lock
    const holder = LockFile.holder(path)
    if (holder === process.pid) throw kooberError(code, `${what} is already open in this process (lock file ${path})`)
    throw kooberError(
      code,
      `${what} is locked by process ${holder ?? '(starting)'} (lock file ${path}); stop it or use another data directory`,
    )
  }

  /** The pid in a lock file, if it names one. */
  static holder(path: string): number | undefined {
    try {
      const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10)
      return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined
    } catch {
      return undefined
    }
  }

  release(): void {
    if (this.released) return
    this.released = true
    if (LockFile.holder(this.path) === process.pid) remove(this.path)
  }
}

/**
 * Creates the lock file with the pid already in it: written to a file of our
 * own, then hard-linked into place (link fails if the lock exists). A process
 * killed halfway leaves no empty lock behind, only a stray temporary file.
 */
function create(path: string): boolean {
  const tmp = `${path}.${process.pid}.tmp`
  writeFileSync(tmp, `${process.pid}\n`)
  try {
    linkSync(tmp, path)
    return true
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw err
  } finally {
    rmSync(tmp, { force: true })
  }
}

function isAbandoned(path: string): boolean {
  try {
    return Date.now() - statSync(path).mtimeMs > UNREADABLE_STALE_MS
  } catch {
    return true
  }
}

function remove(path: string): void {
  try {
    unlinkSync(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
}
