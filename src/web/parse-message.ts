import secureJson from 'secure-json-parse'
import { driverMessageSchema, riderMessageSchema, type DriverMessage, type ProtocolErrorCode, type RiderMessage, type Role } from '../koober/protocol.js'

export type Parsed<M> = { ok: true; message: M } | { ok: false; code: ProtocolErrorCode; message: string; request?: string }

const TYPES: Record<Role, ReadonlySet<string>> = {
  rider: new Set(riderMessageSchema.options.map((o) => o.shape.type.value)),
  driver: new Set(driverMessageSchema.options.map((o) => o.shape.type.value)),
}

/**
 * Parses and checks one message of a socket (docs/protocol.md). The JSON
 * parser refuses `__proto__` and `constructor.prototype` keys outright, so no
 * message can reach an object's prototype; the schemas are strict, so no
 * other unknown key gets through either.
 */
export function parseMessage(role: 'rider', text: string): Parsed<RiderMessage>
export function parseMessage(role: 'driver', text: string): Parsed<DriverMessage>
export function parseMessage(role: Role, text: string): Parsed<RiderMessage | DriverMessage>
export function parseMessage(role: Role, text: string): Parsed<RiderMessage | DriverMessage> {
  let json: unknown
  try {
    json = secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' })
  } catch (err) {
    return { ok: false, code: 'invalid-json', message: `not JSON: ${(err as Error).message}` }
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return { ok: false, code: 'invalid-json', message: 'a message is a JSON object' }
  const type = (json as { type?: unknown }).type
  if (typeof type !== 'string' || !TYPES[role].has(type)) {
    return { ok: false, code: 'unknown-type', message: `a ${role} sends one of: ${[...TYPES[role]].join(', ')}; got type ${JSON.stringify(type) ?? 'none'}` }
  }
  const parsed = (role === 'rider' ? riderMessageSchema : driverMessageSchema).safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    return { ok: false, code: 'invalid-message', message: `${type}: ${issue.path.join('.') || '(message)'}: ${issue.message}`, request: type }
  }
  return { ok: true, message: parsed.data }
}
