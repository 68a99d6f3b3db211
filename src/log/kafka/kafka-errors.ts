import { isKooberError, kooberError, type ErrorCode, type KooberError } from '../../errors.js'

/** The shape of @platformatic/kafka's errors that matters here: they can search their causes. */
interface ClientError {
  message: string
  findBy?: (property: string, value: unknown) => unknown
}

/** Whether a client error is (or wraps) the Kafka protocol error `apiId`, e.g. 'TOPIC_ALREADY_EXISTS'. */
export function hasKafkaError(err: unknown, apiId: string): boolean {
  const found = (err as ClientError | undefined)?.findBy?.('apiId', apiId)
  return found !== null && found !== undefined
}

/** Metadata for a missing topic: the protocol error, or the client's own "Unknown topic X." it turns that into. */
export function isUnknownTopic(err: unknown): boolean {
  return hasKafkaError(err, 'UNKNOWN_TOPIC_OR_PARTITION') || /^Unknown topic /.test(String((err as Error | undefined)?.message))
}

function isNetworkError(err: unknown): boolean {
  const client = err as ClientError | undefined
  const found = client?.findBy?.('code', 'PLT_KFK_NETWORK') ?? client?.findBy?.('code', 'PLT_KFK_TIMEOUT')
  return (found !== null && found !== undefined) || /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH/.test(String(client?.message))
}

const PROTOCOL_CODES: Array<[apiId: string, code: ErrorCode]> = [
  ['UNKNOWN_TOPIC_OR_PARTITION', 'KOOBER_LOG_UNKNOWN_TOPIC'],
  ['UNKNOWN_TOPIC_ID', 'KOOBER_LOG_UNKNOWN_TOPIC'],
  ['TOPIC_ALREADY_EXISTS', 'KOOBER_LOG_TOPIC_EXISTS'],
  ['INVALID_TOPIC_EXCEPTION', 'KOOBER_LOG_INVALID_TOPIC'],
  ['INVALID_CONFIG', 'KOOBER_INVALID_ARGUMENT'],
  ['INVALID_PARTITIONS', 'KOOBER_INVALID_ARGUMENT'],
  ['INVALID_REPLICATION_FACTOR', 'KOOBER_INVALID_ARGUMENT'],
  ['POLICY_VIOLATION', 'KOOBER_INVALID_ARGUMENT'],
  ['MESSAGE_TOO_LARGE', 'KOOBER_LOG_RECORD_TOO_LARGE'],
  ['RECORD_LIST_TOO_LARGE', 'KOOBER_LOG_RECORD_TOO_LARGE'],
  ['OFFSET_OUT_OF_RANGE', 'KOOBER_LOG_OFFSET_OUT_OF_RANGE'],
]

/**
 * Turns a client error into a Koober error with a code and the client error as
 * its cause: a broker that cannot be reached says where it was looked for.
 */
export function translateKafkaError(err: unknown, what: string, brokers: readonly string[]): KooberError {
  if (isKooberError(err)) return err
  const message = (err as Error)?.message ?? String(err)
  if (isUnknownTopic(err)) return kooberError('KOOBER_LOG_UNKNOWN_TOPIC', `${what}: ${message}`, err)
  for (const [apiId, code] of PROTOCOL_CODES) {
    if (hasKafkaError(err, apiId)) return kooberError(code, `${what}: ${apiId}: ${message}`, err)
  }
  if (isNetworkError(err)) {
    return kooberError(
      'KOOBER_LOG_KAFKA',
      `${what}: cannot reach Apache Kafka at ${brokers.join(',')} (${message}); is it running? (npx koober infra kafka start)`,
      err,
    )
  }
  return kooberError('KOOBER_LOG_KAFKA', `${what}: ${message}`, err)
}
