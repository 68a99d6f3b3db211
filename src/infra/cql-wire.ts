import { probeFailure, ProtocolError, withConnection, type FrameConnection } from './wire-connection.js'
import { WireReader } from './wire-reader.js'

/**
 * Just enough of the CQL native protocol, version 4
 * (https://github.com/apache/cassandra/blob/trunk/doc/native_protocol_v4.spec),
 * to ask a Cassandra node "are you up?" without a driver: STARTUP, then a
 * QUERY of `SELECT release_version FROM system.local`. Cassandra opens its
 * native port as the last step of its start, but an answer to a query, not an
 * open port, is what proves it serves.
 *
 * v4 rather than v5: Cassandra 3.x to 5.x all speak it, and its frames are
 * plain (v5 wraps every frame after STARTUP in checksummed segments). Every
 * frame is a 9-byte header (version, flags, stream, opcode, body length),
 * then the body; a response has the request's stream id and version | 0x80.
 */

const VERSION = 0x04
const RESPONSE = 0x80
const HEADER_BYTES = 9
/** No answer to these requests comes near this; a bigger length means the peer does not speak CQL. */
const MAX_BODY = 1 << 20

const OP_ERROR = 0x00
const OP_STARTUP = 0x01
const OP_READY = 0x02
const OP_AUTHENTICATE = 0x03
const OP_QUERY = 0x07
const OP_RESULT = 0x08

const RESULT_ROWS = 0x0002
const CONSISTENCY_ONE = 0x0001

/** The frame flags a server may set on a response (we ask for no compression, so 0x01 never comes). */
const FLAG_TRACING = 0x02
const FLAG_CUSTOM_PAYLOAD = 0x04
const FLAG_WARNING = 0x08

export const READINESS_QUERY = 'SELECT release_version FROM system.local'

export type CassandraProbe =
  /** The node answered the readiness query. */
  | { state: 'ready'; releaseVersion: string; protocolVersion: number }
  /** Nothing listens on the port. */
  | { state: 'refused' }
  /** Something accepted the connection but gave no usable answer in time (a node still starting, one that wants a password, a silent program). */
  | { state: 'no-answer'; reason: string }
  /** Something answered, but not as a Cassandra node would. */
  | { state: 'not-cassandra'; reason: string }

/** A cell as decoded by `queryCql`: text types as strings, int as number, bigint/counter as bigint, boolean, uuid and inet as strings, anything else as raw bytes. */
export type CqlValue = string | number | bigint | boolean | Buffer | null

export interface CqlRows {
  columns: string[]
  rows: CqlValue[][]
}

/**
 * Connects, sends STARTUP and the readiness query over one fresh connection,
 * and never throws: every outcome is a `CassandraProbe`.
 */
export async function probeCassandra(host: string, port: number, timeoutMs = 3_000): Promise<CassandraProbe> {
  try {
    return await withConnection(host, port, timeoutMs, readFrame, async (connection): Promise<CassandraProbe> => {
      const session = new CqlSession(connection)
      await session.startup()
      const result = await session.query(READINESS_QUERY)
      const version = result.rows[0]?.[0]
      if (typeof version !== 'string') return { state: 'no-answer', reason: `system.local answered ${result.rows.length} rows without a release_version` }
      return { state: 'ready', releaseVersion: version, protocolVersion: VERSION }
    })
  } catch (err) {
    return probeFailure(err, 'not-cassandra')
  }
}

/**
 * Runs one CQL statement (no bound values, consistency ONE) on a fresh
 * connection and returns its rows; for tests and checks, not for traffic
 * (the store uses the official driver). Throws a `CqlError` when the node
 * answers with an error.
 */
export function queryCql(host: string, port: number, cql: string, timeoutMs = 10_000): Promise<CqlRows> {
  return withConnection(host, port, timeoutMs, readFrame, async (connection) => {
    const session = new CqlSession(connection)
    await session.startup()
    return await session.query(cql)
  })
}

/** The peer spoke, but not CQL v4. */
export { ProtocolError }

/** An ERROR frame from the node: its error code (e.g. 0x2200 invalid query, 0x1000 unavailable) and message. */
export class CqlError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(`${message} (CQL error 0x${code.toString(16).padStart(4, '0')})`)
  }
}

interface Frame {
  /** The protocol version, without the response bit. */
  version: number
  flags: number
  stream: number
  opcode: number
  body: Buffer
}

/** A whole response frame: the 9-byte header, then its body. */
function readFrame(buffered: Buffer): { frame: Frame | undefined; size: number } | undefined {
  if (buffered.length < HEADER_BYTES) return undefined
  const version = buffered.readUInt8(0)
  // A protocol error about the version itself comes back in the server's own (older or newer) version.
  if ((version & RESPONSE) === 0 || (version & 0x7f) < 1 || (version & 0x7f) > 6) {
    throw new ProtocolError(`an answer starting with byte 0x${version.toString(16)} (the peer does not speak CQL)`)
  }
  const length = buffered.readInt32BE(5)
  if (length < 0 || length > MAX_BODY) throw new ProtocolError(`an answer of ${length} bytes (the peer does not speak CQL)`)
  const size = HEADER_BYTES + length
  if (buffered.length < size) return undefined
  const stream = buffered.readInt16BE(2)
  if (stream === -1) return { frame: undefined, size } // an EVENT we did not register for; never expected, harmless
  const frame = { version: version & 0x7f, flags: buffered.readUInt8(1), stream, opcode: buffered.readUInt8(4), body: buffered.subarray(HEADER_BYTES, size) }
  return { frame, size }
}

/** CQL over one connection: one request in flight at a time (stream ids count up from 1). */
class CqlSession {
  private nextStream = 1

  constructor(private readonly connection: FrameConnection<Frame>) {}

  /** STARTUP with CQL 3 and no compression; a node that wants credentials answers AUTHENTICATE, which we report, not answer. */
  async startup(): Promise<void> {
    const response = await this.request(OP_STARTUP, encodeStringMap({ CQL_VERSION: '3.0.0' }))
    if (response.opcode === OP_READY) return
    if (response.opcode === OP_AUTHENTICATE) {
      throw new Error(`the node asks for credentials (${new Reader(response.body).string()}); this probe has none`)
    }
    throw new ProtocolError(`STARTUP answered with opcode 0x${response.opcode.toString(16)}`)
  }

  async query(cql: string): Promise<CqlRows> {
    const text = Buffer.from(cql, 'utf8')
    const body = Buffer.alloc(4 + text.length + 2 + 1)
    body.writeInt32BE(text.length, 0)
    text.copy(body, 4)
    body.writeUInt16BE(CONSISTENCY_ONE, 4 + text.length)
    body.writeUInt8(0, 4 + text.length + 2) // no values, no paging state, default page size
    const response = await this.request(OP_QUERY, body)
    if (response.opcode !== OP_RESULT) throw new ProtocolError(`QUERY answered with opcode 0x${response.opcode.toString(16)}`)
    return decodeResult(response.body)
  }

  /** Sends one request; resolves with the response's opcode and body (past the extras its flags announce), throws the node's ERROR as a CqlError. */
  private async request(opcode: number, body: Buffer): Promise<{ opcode: number; body: Buffer }> {
    const stream = this.nextStream++
    const header = Buffer.alloc(HEADER_BYTES)
    header.writeUInt8(VERSION, 0)
    header.writeUInt8(0, 1)
    header.writeInt16BE(stream, 2)
    header.writeUInt8(opcode, 4)
    header.writeInt32BE(body.length, 5)
    const frame = await this.connection.request(Buffer.concat([header, body]))
    if (frame.version !== VERSION) {
      let message = `opcode 0x${frame.opcode.toString(16)}`
      try {
        if (frame.opcode === OP_ERROR) message = new Reader(frame.body, 4).string()
      } catch {
        // keep the opcode
      }
      throw new ProtocolError(`the node answered in protocol v${frame.version}, not v${VERSION}: ${message}`)
    }
    if (frame.stream !== stream) throw new ProtocolError(`an answer on stream ${frame.stream}, expected ${stream}`)
    const response = { opcode: frame.opcode, body: skipResponseExtras(frame.body, frame.flags) }
    if (response.opcode !== OP_ERROR) return response
    const r = new Reader(response.body)
    const code = r.int32()
    throw new CqlError(code, r.string())
  }
}

/** A response body starts with the tracing id, warnings and custom payload its flags announce; we need none of them. */
function skipResponseExtras(body: Buffer, flags: number): Buffer {
  const r = new Reader(body)
  if (flags & FLAG_TRACING) r.skip(16)
  if (flags & FLAG_WARNING) {
    const count = r.uint16()
    for (let i = 0; i < count; i++) r.string()
  }
  if (flags & FLAG_CUSTOM_PAYLOAD) {
    const count = r.uint16()
    for (let i = 0; i < count; i++) {
      r.string()
      r.bytes()
    }
  }
  return body.subarray(r.offset)
}

function encodeStringMap(map: Record<string, string>): Buffer {
  const parts: Buffer[] = []
  const count = Buffer.alloc(2)
  count.writeUInt16BE(Object.keys(map).length)
  parts.push(count)
  for (const [key, value] of Object.entries(map)) parts.push(encodeString(key), encodeString(value))
  return Buffer.concat(parts)
}

function encodeString(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8')
  const length = Buffer.alloc(2)
  length.writeUInt16BE(bytes.length)
  return Buffer.concat([length, bytes])
}

/** CQL type ids (section 4.2.5.2) that `decodeValue` turns into something other than bytes. */
const TYPE = { ascii: 0x01, bigint: 0x02, boolean: 0x04, counter: 0x05, int: 0x09, uuid: 0x0c, varchar: 0x0d, timeuuid: 0x0f, inet: 0x10 } as const

/**
 * RESULT body (section 4.2.5). Void, set keyspace and schema change results
 * come back as no rows; a Rows result as its column names and decoded cells.
 */
function decodeResult(body: Buffer): CqlRows {
  const r = new Reader(body)
  const kind = r.int32()
  if (kind !== RESULT_ROWS) return { columns: [], rows: [] }
  const flags = r.int32()
  const columnCount = r.int32()
  if (columnCount < 0 || columnCount > 10_000) throw new ProtocolError(`a result with ${columnCount} columns`)
  if (flags & 0x0002) r.bytes() // has_more_pages: the paging state
  const columns: string[] = []
  const types: number[] = []
  if ((flags & 0x0004) === 0) {
    const globalSpec = (flags & 0x0001) !== 0
    if (globalSpec) {
      r.string()
      r.string()
    }
    for (let i = 0; i < columnCount; i++) {
      if (!globalSpec) {
        r.string()
        r.string()
      }
      columns.push(r.string())
      types.push(readType(r))
    }
  }
  const rowCount = r.int32()
  if (rowCount < 0) throw new ProtocolError(`a result with ${rowCount} rows`)
  const rows: CqlValue[][] = []
  for (let i = 0; i < rowCount; i++) {
    const row: CqlValue[] = []
    for (let c = 0; c < columnCount; c++) row.push(decodeValue(types[c] ?? -1, r.bytes()))
    rows.push(row)
  }
  return { columns, rows }
}

/** An [option] type: its id, after skipping what collections, UDTs and tuples add. */
function readType(r: Reader): number {
  const id = r.uint16()
  switch (id) {
    case 0x0000:
      r.string() // custom: the Java class name
      break
    case 0x0020:
    case 0x0022:
      readType(r) // list, set: the element type
      break
    case 0x0021:
      readType(r) // map: key and value types
      readType(r)
      break
    case 0x0030: {
      r.string() // UDT: keyspace, name, then (field name, type) pairs
      r.string()
      const fields = r.uint16()
      for (let i = 0; i < fields; i++) {
        r.string()
        readType(r)
      }
      break
    }
    case 0x0031: {
      const elements = r.uint16()
      for (let i = 0; i < elements; i++) readType(r)
      break
    }
  }
  return id
}

function decodeValue(type: number, value: Buffer | null): CqlValue {
  if (value === null) return null
  switch (type) {
    case TYPE.ascii:
    case TYPE.varchar:
      return value.toString('utf8')
    case TYPE.int:
      return value.length === 4 ? value.readInt32BE(0) : value
    case TYPE.bigint:
    case TYPE.counter:
      return value.length === 8 ? value.readBigInt64BE(0) : value
    case TYPE.boolean:
      return value.length === 1 ? value[0] !== 0 : value
    case TYPE.uuid:
    case TYPE.timeuuid: {
      if (value.length !== 16) return value
      const hex = value.toString('hex')
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
    }
    case TYPE.inet:
      if (value.length === 4) return [...value].join('.')
      if (value.length === 16) return (value.toString('hex').match(/.{4}/g) ?? []).join(':')
      return value
    default:
      return value
  }
}

/** CQL's notations (section 3): [string] an unsigned 16-bit length, then UTF-8 bytes; [bytes] a signed 32-bit length (negative: null), then the bytes. */
class Reader extends WireReader {
  string(): string {
    return this.utf8(this.uint16())
  }

  bytes(): Buffer | null {
    const length = this.int32()
    return length < 0 ? null : this.take(length)
  }
}
