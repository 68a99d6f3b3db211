/**
 * The one registry of Koober's coded errors.
 *
 * Every error a user can meet carries a stable `code` (what a program matches
 * on), a message written for a person, and, when it wraps a lower failure, that
 * failure as `cause`. Layers create errors only through the constructors below,
 * so a code means the same thing wherever it is thrown.
 *
 * @example
 * ```ts
 * try { await log.append('nope', [{ value: 'x' }]) }
 * catch (err) { if (isKooberError(err, 'KOOBER_LOG_UNKNOWN_TOPIC')) ... }
 * ```
 */
export class KooberError extends Error {
  readonly code: ErrorCode

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.name = 'KooberError'
  }
}

const codes = {
  KOOBER_INVALID_ARGUMENT: 'Invalid argument',
  KOOBER_LOG_CLOSED: 'The log is closed',
  KOOBER_LOG_LOCKED: 'The data directory is locked by another process',
  KOOBER_LOG_READ_ONLY: 'The log was opened read-only',
  KOOBER_LOG_UNKNOWN_TOPIC: 'Unknown topic',
  KOOBER_LOG_TOPIC_EXISTS: 'Topic already exists',
  KOOBER_LOG_INVALID_TOPIC: 'Invalid topic',
  KOOBER_LOG_PARTITION_OUT_OF_RANGE: 'Partition out of range',
  KOOBER_LOG_OFFSET_OUT_OF_RANGE: 'Offset out of range',
  KOOBER_LOG_RECORD_TOO_LARGE: 'Record too large',
  KOOBER_LOG_INVALID_RECORD: 'Invalid record',
  KOOBER_LOG_CORRUPT: 'Corrupt log data',
  KOOBER_LOG_IO: 'Log I/O failure',
  KOOBER_LOG_NO_GROUP: 'Consumer has no group',
  KOOBER_LOG_GROUP_BUSY: 'Consumer group is in use by another process',
  KOOBER_LOG_NOT_ASSIGNED: 'Partition not assigned to this consumer',
  KOOBER_LOG_KAFKA: 'Apache Kafka failure',
  KOOBER_INFRA_TOOLS_MISSING: 'Java or Maven is missing or too old',
  KOOBER_INFRA_SERVER_FAILED: 'A local server failed to start or stop',
  KOOBER_STORE_INVALID_SCHEMA: 'Invalid table declaration',
  KOOBER_STORE_SCHEMA_MISMATCH: 'A table exists with another shape',
  KOOBER_STORE_UNKNOWN_TABLE: 'Unknown table',
  KOOBER_STORE_INVALID_ROW: 'Invalid row',
  KOOBER_STORE_IO: 'Store failure',
  KOOBER_STORE_CLOSED: 'The store is closed',
  KOOBER_STREAM_EMPTY: 'The stream had no element',
  KOOBER_STREAM_TIMEOUT: 'A stream waited too long',
  KOOBER_STREAM_OVERFLOW: 'A stream buffer overflowed',
  KOOBER_STREAM_ABORTED: 'The stream was aborted',
  KOOBER_STREAM_REUSED: 'A one-shot stream part was run twice',
  KOOBER_ANALYTICS_CHECKPOINT: 'A checkpoint could not be read or does not fit the job',
  KOOBER_CLI_USAGE: 'Wrong usage',
  KOOBER_CLI_INPUT: 'Invalid input',
  KOOBER_FORECAST_NO_DATA: 'Not enough data for a forecast',
  KOOBER_FORECAST_INVALID_DATA: 'Invalid features or targets for a forecasting model',
  KOOBER_FORECAST_COLUMNS: 'The features lack the columns a forecasting model needs',
  KOOBER_FORECAST_SAVED_MODEL: 'A saved forecasting model is corrupt or of another algorithm',
  KOOBER_FORECAST_UNKNOWN_ALGORITHM: 'Unknown forecasting algorithm',
  KOOBER_IMPORT_FORMAT: 'A file is in no format this importer reads',
  KOOBER_IMPORT_IO: 'An input file cannot be read',
} as const

export type ErrorCode = keyof typeof codes

/** A short, stable title for a code (for docs and `--help`). */
export function describeCode(code: ErrorCode): string {
  return codes[code]
}

export function isKooberError(err: unknown, code?: ErrorCode): err is KooberError {
  return err instanceof KooberError && (code === undefined || err.code === code)
}

export function kooberError(code: ErrorCode, message: string, cause?: unknown): KooberError {
  return new KooberError(code, message, cause === undefined ? undefined : { cause })
}
