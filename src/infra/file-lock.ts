import { kooberError } from '../errors.js'
import { LockFile } from '../system/lock-file.js'
import { sleep } from './process.js'

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
  let lock: LockFile | undefined
  while (!(lock = LockFile.tryAcquire(path))) {
    const holder = LockFile.holder(path)
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
    lock.release()
  }
}
