import { InvalidArgumentError, Option } from 'commander'
import { openEmbeddedLog, type EmbeddedLog } from '../log/index.js'

export const DEFAULT_DATA_DIR = './data'

/** `--data-dir DIR`, from the flag, then KOOBER_DATA_DIR, then ./data. */
export function dataDirOption(): Option {
  return new Option('--data-dir <dir>', 'where the embedded log keeps its files').env('KOOBER_DATA_DIR').default(DEFAULT_DATA_DIR)
}

/** A commander parser for a whole number within bounds. */
export function integerArg(min: number, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    if (!/^-?\d+$/.test(value.trim())) throw new InvalidArgumentError(`expected a whole number, got ${JSON.stringify(value)}`)
    const n = Number(value)
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`expected a number from ${min}${max === Number.MAX_SAFE_INTEGER ? ' up' : ` to ${max}`}, got ${value}`)
    }
    return n
  }
}

export interface LogOptions {
  dataDir: string
}

/** Opens the log to write (takes the data directory's lock). */
export function openLogForWriting(options: LogOptions): Promise<EmbeddedLog> {
  return openEmbeddedLog({ dataDir: options.dataDir })
}

/**
 * Opens the log to read without the lock, so it works from another terminal
 * while `koober start` (or any writer) runs.
 */
export function openLogForReading(options: LogOptions): Promise<EmbeddedLog> {
  return openEmbeddedLog({ dataDir: options.dataDir, readOnly: true })
}
