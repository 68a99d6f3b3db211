import type { WebSocket } from 'ws'
import { PROTOCOL_ERRORS, type ProtocolErrorCode, type Role } from '../koober/protocol.js'
import type { WebMetrics } from './metrics.js'

export interface SessionLimits {
  /** Sustained messages per second a client may send... */
  messagesPerSecond: number
  /** ...with bursts up to this many. */
  burst: number
  /** Unsent bytes past which a client that stopped reading is dropped. */
  maxBufferedBytes: number
  /** Dropped messages in a row after which the socket is closed. */
  maxDroppedInARow: number
}

export const DEFAULT_LIMITS: SessionLimits = { messagesPerSecond: 20, burst: 40, maxBufferedBytes: 1024 * 1024, maxDroppedInARow: 100 }

/**
 * One client's socket: what it watches, its rate limit (a token bucket) and
 * sending with a bound on what it has not read yet. It knows the protocol's
 * envelope, not what the messages mean.
 */
export class Session {
  /** The grid cells of the client's view. */
  cells: ReadonlySet<string> = new Set()
  private tokens: number
  private refilledAt = Date.now()
  private droppedInARow = 0
  private closed = false

  constructor(
    readonly role: Role,
    readonly id: string,
    private readonly socket: WebSocket,
    private readonly limits: SessionLimits,
    private readonly metrics: WebMetrics,
  ) {
    this.tokens = limits.burst
  }

  get open(): boolean {
    return !this.closed && this.socket.readyState === this.socket.OPEN
  }

  /** Takes a token for one incoming message; false when the client is over its rate (and closes it after too many). */
  admit(): boolean {
    const now = Date.now()
    this.tokens = Math.min(this.limits.burst, this.tokens + ((now - this.refilledAt) / 1000) * this.limits.messagesPerSecond)
    this.refilledAt = now
    if (this.tokens >= 1) {
      this.tokens -= 1
      this.droppedInARow = 0
      return true
    }
    if (++this.droppedInARow >= this.limits.maxDroppedInARow) this.close(1008, 'too many messages', 'rate')
    return false
  }

  /** Sends an already serialized message; a client whose unread bytes pass the bound is cut off (no close frame: it would never read one). */
  sendText(text: string): void {
    if (!this.open) return
    if (this.socket.bufferedAmount > this.limits.maxBufferedBytes) {
      this.close(1006, 'not reading: send buffer full', 'slow')
      return
    }
    this.socket.send(text)
    this.metrics.messagesOut.inc({ role: this.role })
  }

  send(message: object): void {
    this.sendText(JSON.stringify(message))
  }

  error(code: ProtocolErrorCode, message: string = PROTOCOL_ERRORS[code], request?: string): void {
    this.metrics.rejects.inc({ role: this.role, code })
    this.send(request === undefined ? { type: 'error', code, message } : { type: 'error', code, message, request })
  }

  close(code: number, reason: string, metric: string): void {
    if (this.closed) return
    this.closed = true
    this.metrics.dropped.inc({ role: this.role, reason: metric })
    if (code === 1006) this.socket.terminate()
    else this.socket.close(code, reason)
  }
}
