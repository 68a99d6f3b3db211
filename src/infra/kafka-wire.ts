import { probeFailure, ProtocolError, withConnection, type FrameConnection } from './wire-connection.js'
import { WireReader } from './wire-reader.js'

/**
 * Just enough of the Kafka wire protocol (https://kafka.apache.org/protocol)
 * to ask a broker "are you up?" without a Kafka client library: ApiVersions v0,
 * then Metadata, whose answer lists the brokers that are registered and
 * unfenced. A KRaft broker binds its port before it serves requests, so an
 * open port alone proves nothing; a Metadata answer naming a broker does.
 *
 * Every message is framed as an int32 size, then the bytes. Requests carry
 * header v1 (api key, api version, correlation id, client id); the responses
 * of the versions used here carry header v0 (the correlation id).
 */

const API_METADATA = 3
const API_VERSIONS = 18
/** The Metadata versions encoded below: v4 (the oldest Kafka 4 still serves) to v8 (the last one before the flexible encoding). */
const METADATA_MIN = 4
const METADATA_MAX = 8
/** No answer to these requests comes near this; a bigger size means the peer does not speak Kafka (an HTTP reply reads as ~1.2 GB). */
const MAX_FRAME = 1 << 20
const CLIENT_ID = 'koober-probe'

export interface KafkaBrokerInfo {
  nodeId: number
  host: string
  port: number
}

export type KafkaProbe =
  | { state: 'ready'; brokers: KafkaBrokerInfo[]; clusterId: string | null; controllerId: number; metadataVersion: number }
  /** Nothing listens on the port. */
  | { state: 'refused' }
  /** Something accepted the connection but gave no full answer in time (a broker still starting, or a silent program). */
  | { state: 'no-answer'; reason: string }
  /** Something answered, but not as a Kafka broker would. */
  | { state: 'not-kafka'; reason: string }

/**
 * Asks the broker at host:port for ApiVersions and Metadata over one fresh
 * connection. Never throws: every outcome is a `KafkaProbe`. `ready` needs at
 * least one broker in the Metadata answer.
 */
export async function probeKafka(host: string, port: number, timeoutMs = 3_000): Promise<KafkaProbe> {
  try {
    return await withConnection(host, port, timeoutMs, readFrame, async (connection): Promise<KafkaProbe> => {
      const versions = decodeApiVersions(await exchange(connection, API_VERSIONS, 0, 1, Buffer.alloc(0)))
      if (versions.errorCode !== 0) return { state: 'no-answer', reason: `ApiVersions answered error code ${versions.errorCode}` }
      const range = versions.apis.get(API_METADATA)
      if (range === undefined) return { state: 'not-kafka', reason: 'the ApiVersions answer lists no Metadata API' }
      const version = Math.max(METADATA_MIN, range.min)
      if (version > Math.min(METADATA_MAX, range.max)) {
        return { state: 'not-kafka', reason: `the broker serves Metadata v${range.min}-v${range.max}; this probe speaks v${METADATA_MIN}-v${METADATA_MAX}` }
      }
      const metadata = decodeMetadata(await exchange(connection, API_METADATA, version, 2, encodeMetadataBody(version)))
      if (metadata.brokers.length === 0) return { state: 'no-answer', reason: 'Metadata lists no broker yet (not registered or still fenced)' }
      return { state: 'ready', ...metadata, metadataVersion: version }
    })
  } catch (err) {
    return probeFailure(err, 'not-kafka')
  }
}

/** A whole frame: its int32 size, then that many bytes (the response header and body). */
function readFrame(buffered: Buffer): { frame: Buffer; size: number } | undefined {
  if (buffered.length < 4) return undefined
  const size = buffered.readInt32BE(0)
  if (size < 0 || size > MAX_FRAME) throw new ProtocolError(`an answer of ${size} bytes (the peer does not speak Kafka)`)
  if (buffered.length < 4 + size) return undefined
  return { frame: buffered.subarray(4, 4 + size), size: 4 + size }
}

/** Sends one request and resolves with its response body (after the correlation id, which must be the request's). */
async function exchange(connection: FrameConnection<Buffer>, apiKey: number, apiVersion: number, correlationId: number, body: Buffer): Promise<Buffer> {
  const response = await connection.request(encodeRequest(apiKey, apiVersion, correlationId, body))
  if (response.length < 4) throw new ProtocolError('an answer shorter than its header')
  const got = response.readInt32BE(0)
  if (got !== correlationId) throw new ProtocolError(`answer to request ${got}, expected ${correlationId}`)
  return response.subarray(4)
}

function encodeRequest(apiKey: number, apiVersion: number, correlationId: number, body: Buffer): Buffer {
  const clientId = Buffer.from(CLIENT_ID, 'utf8')
  const header = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length)
  header.writeInt16BE(apiKey, 0)
  header.writeInt16BE(apiVersion, 2)
  header.writeInt32BE(correlationId, 4)
  header.writeInt16BE(clientId.length, 8)
  clientId.copy(header, 10)
  const size = Buffer.alloc(4)
  size.writeInt32BE(header.length + body.length, 0)
  return Buffer.concat([size, header, body])
}

/**
 * Metadata v4-v8 request: an empty topic list (v1+: "no topics", we only want
 * the brokers), allow_auto_topic_creation = false, and from v8 the two
 * include_*_authorized_operations flags, false.
 */
function encodeMetadataBody(version: number): Buffer {
  const body = Buffer.alloc(4 + 1 + (version >= 8 ? 2 : 0))
  body.writeInt32BE(0, 0)
  return body
}

interface ApiVersions {
  errorCode: number
  apis: Map<number, { min: number; max: number }>
}

/** ApiVersions v0 response: error_code int16, then [api_key int16, min_version int16, max_version int16]. */
function decodeApiVersions(body: Buffer): ApiVersions {
  const r = new Reader(body)
  const errorCode = r.int16()
  const count = r.int32()
  if (count < 0 || count > 1000) throw new ProtocolError(`ApiVersions answer with ${count} APIs`)
  const apis = new Map<number, { min: number; max: number }>()
  for (let i = 0; i < count; i++) {
    const key = r.int16()
    apis.set(key, { min: r.int16(), max: r.int16() })
  }
  return { errorCode, apis }
}

/**
 * Metadata v4-v8 response, up to what we need: throttle_time_ms, brokers
 * [node_id, host, port, rack], cluster_id, controller_id. The topic list that
 * follows is empty (we asked for none) and left unread.
 */
function decodeMetadata(body: Buffer): { brokers: KafkaBrokerInfo[]; clusterId: string | null; controllerId: number } {
  const r = new Reader(body)
  r.int32() // throttle_time_ms
  const count = r.int32()
  if (count < 0 || count > 10_000) throw new ProtocolError(`Metadata answer with ${count} brokers`)
  const brokers: KafkaBrokerInfo[] = []
  for (let i = 0; i < count; i++) {
    const nodeId = r.int32()
    const host = r.string() ?? ''
    const port = r.int32()
    r.string() // rack
    brokers.push({ nodeId, host, port })
  }
  const clusterId = r.string()
  const controllerId = r.int32()
  return { brokers, clusterId, controllerId }
}

/** Kafka's strings: a nullable string is an int16 length (-1 for null), then UTF-8 bytes. */
class Reader extends WireReader {
  string(): string | null {
    const length = this.int16()
    return length < 0 ? null : this.utf8(length)
  }
}
