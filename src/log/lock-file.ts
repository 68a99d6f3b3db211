import { openSync, writeSync, closeSync, readFileSync, unlinkSync, constants } from 'node:fs'
import { kooberError } from '../errors.js'

/**
 * An exclusive, process-level lock held as a file that names its owner's pid.
 * A lock left by a process that no longer runs (killed, crashed) is taken over,
 * so a SIGKILLed writer never blocks its restart.
 */
export class LockFile {
  private released = false

  private constructor(readonly path: string) {}

  /**
   * Takes the lock or throws `code` naming the process that holds it.
   * `what` completes the message: "<what> is locked by process N".
   */
  static acquire(path: string, what: string, code: 'KOOBER_LOG_LOCKED' | 'KOOBER_LOG_GROUP_BUSY'): LockFile {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const fd = openSync(path, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o644)
        writeSync(fd, `${process.pid}\n`)
        closeSync(fd)
        return new LockFile(path)
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      }
      const owner = readOwner(path)
      if (owner !== undefined && owner !== process.pid && isAlive(owner)) {
        throw kooberError(code, `${what} is locked by process ${owner} (lock file ${path}); stop it or use another data directory`)
      }
      if (owner === process.pid) {
        throw kooberError(code, `${what} is already open in this process (lock file ${path})`)
      }
      // The owner is gone: remove its stale lock and try again.
      try {
        unlinkSync(path)
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
      }
    }
    throw kooberError(code, `${what} could not be locked (lock file ${path} keeps changing)`)
  }

  release(): void {
    if (this.released) return
    this.released = true
    if (readOwner(this.path) === process.pid) unlinkSync(this.path)
  }
}

function readOwner(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10)
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined
  } catch {
    return undefined
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}
