import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { InvalidArgumentError, Option } from 'commander'
import { kooberError } from '../errors.js'
import { openEmbeddedLog, openKafkaLog, type EventLog } from '../log/index.js'
import { openCassandraStore, openSqliteStore, type Store } from '../store/index.js'

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

/** `--kafka HOST:PORT[,HOST:PORT...]`, from the flag, then KOOBER_KAFKA: use Apache Kafka instead of the embedded log. */
export function kafkaOption(): Option {
  return new Option('--kafka <brokers>', 'use Apache Kafka at HOST:PORT (comma-separated brokers) instead of the embedded log').env('KOOBER_KAFKA')
}

export interface LogOptions {
  dataDir: string
  kafka?: string
}

function kafkaBrokers(value: string): string[] {
  const brokers = value.split(',').map((b) => b.trim()).filter((b) => b.length > 0)
  if (brokers.length === 0 || brokers.some((b) => !/^[^:\s]+:\d{1,5}$/.test(b))) {
    throw kooberError('KOOBER_CLI_USAGE', `--kafka takes HOST:PORT[,HOST:PORT...], got ${JSON.stringify(value)}`)
  }
  return brokers
}

/** Opens the log to write: Kafka with --kafka, else the embedded log, taking the data directory's lock. */
export function openLogForWriting(options: LogOptions): Promise<EventLog> {
  if (options.kafka !== undefined) return openKafkaLog({ brokers: kafkaBrokers(options.kafka) })
  return openEmbeddedLog({ dataDir: options.dataDir })
}

/**
 * Opens the log to read: Kafka with --kafka, else the embedded log without
 * its lock, so it works from another terminal while `koober start` runs.
 */
export function openLogForReading(options: LogOptions): Promise<EventLog> {
  if (options.kafka !== undefined) return openKafkaLog({ brokers: kafkaBrokers(options.kafka) })
  return openEmbeddedLog({ dataDir: options.dataDir, readOnly: true })
}

/** `--cassandra HOST:PORT[,...]`, from the flag, then KOOBER_CASSANDRA: use Apache Cassandra instead of SQLite. */
export function cassandraOption(): Option {
  return new Option('--cassandra <hosts>', 'use Apache Cassandra at HOST:PORT (comma-separated) instead of SQLite in the data directory').env('KOOBER_CASSANDRA')
}

export interface StoreOptions {
  dataDir: string
  cassandra?: string
  /** Cassandra's local data center (default datacenter1, the local node's). */
  dataCenter?: string
}

function contactPoints(value: string): string[] {
  const points = value.split(',').map((p) => p.trim()).filter((p) => p.length > 0)
  if (points.length === 0 || points.some((p) => !/^[^:\s]+:\d{1,5}$/.test(p))) {
    throw kooberError('KOOBER_CLI_USAGE', `--cassandra takes HOST:PORT[,HOST:PORT...], got ${JSON.stringify(value)}`)
  }
  return points
}

/** Opens the store: Cassandra with --cassandra, else SQLite in the data directory (read-only: it must exist). */
export async function openStore(options: StoreOptions, access: { readOnly: boolean }): Promise<Store> {
  if (options.cassandra !== undefined) {
    return openCassandraStore({ contactPoints: contactPoints(options.cassandra), ...(options.dataCenter ? { localDataCenter: options.dataCenter } : {}) })
  }
  const path = join(resolve(options.dataDir), 'store.sqlite')
  if (access.readOnly && !existsSync(path)) {
    throw kooberError('KOOBER_INVALID_ARGUMENT', `no store in ${resolve(options.dataDir)}: run \`koober ingest\` first (or pass --cassandra)`)
  }
  return openSqliteStore({ path, readOnly: access.readOnly })
}

/** Where a log lives, for messages. */
export function describeLog(log: EventLog, options: LogOptions): string {
  return log.backend === 'kafka' ? `Kafka at ${options.kafka}` : resolve(options.dataDir)
}
