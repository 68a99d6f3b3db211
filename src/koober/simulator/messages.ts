/*
 * What the server sends (docs/protocol.md, "Server to client"), as far as the
 * simulator reads it: the server's own types. The server is trusted here:
 * these are types, not schemas, and a message that does not fit is counted
 * and ignored.
 */
import type { Driver, Ride, Rider, ServerMessage } from '../protocol.js'

export type { Driver, Ride, Rider, ServerMessage }
export type Welcome = Extract<ServerMessage, { type: 'welcome' }>
