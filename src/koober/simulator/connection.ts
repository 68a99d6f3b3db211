import WebSocket from 'ws'
import type { DriverMessage, RiderMessage, Role } from '../protocol.js'
import type { ServerMessage, Welcome } from './messages.js'

/** A socket that never got as far as the server's `welcome`: the server is down, refused the upgrade, or is not Koober. */
export class ConnectError extends Error {
  constructor(
    readonly url: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
    this.name = 'ConnectError'
  }
}

/**
 * The WebSocket address of a role on the server at `url`: http(s) becomes
 * ws(s), any path is replaced by `/ws/<role>`.
 *
 * @example
 * ```ts
 * socketUrl('http://127.0.0.1:8080', 'driver') // 'ws://127.0.0.1:8080/ws/driver'
 * ```
 */
export function socketUrl(url: string, role: Role): string {
  const parsed = new URL(url)
  if (parsed.protocol === 'http:') parsed.protocol = 'ws:'
  else if (parsed.protocol === 'https:') parsed.protocol = 'wss:'
  else if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') throw new TypeError(`not an http(s) or ws(s) URL: ${url}`)
  parsed.pathname = `/ws/${role}`
  parsed.search = ''
  parsed.hash = ''
  return parsed.toString()
}

export interface ConnectOptions {
  /**
   * At the welcome, before any later message: messages can arrive in the
   * same network read as the welcome, before the returned promise settles.
   */
  onOpen?: (connection: Connection) => void
  /** Every message after `welcome`, in order. */
  onMessage: (message: ServerMessage) => void
  /** Once, when the socket has closed (whoever closed it). */
  onClose?: (code: number, reason: string) => void
  /** A frame that is not a JSON object with a `type`. */
  onBadMessage?: (text: string) => void
  /** How long to wait for the upgrade and the `welcome` (default 10 s). */
  timeoutMs?: number
}

/** One open socket of one rider or driver, past its `welcome`. */
export interface Connection {
  readonly welcome: Welcome
  /** The id the server gave: who this socket is until it closes. */
  readonly id: string
  readonly isOpen: boolean
  /** Sends one message; false when the socket is no longer open (the message is dropped). */
  send(message: RiderMessage | DriverMessage): boolean
  /**
   * Closes with 1000 (normal); the server then cancels what the rider or
   * driver left open. Resolves once closed, cutting the socket after
   * `timeoutMs` when the server does not answer the close.
   */
  close(timeoutMs?: number): Promise<void>
}

/**
 * Opens a rider or driver socket the way a browser does (minus the Origin
 * header, which the server does not ask of non-browsers), and resolves once
 * the server's `welcome` arrives.
 *
 * @example
 * ```ts
 * const driver = await connect('http://127.0.0.1:8080', 'driver', { onMessage: (m) => console.log(m.type) })
 * driver.send({ type: 'position', position: { lat: 40.75, lon: -73.98 } })
 * ```
 */
export function connect(url: string, role: Role, options: ConnectOptions): Promise<Connection> {
  const address = socketUrl(url, role)
  const timeoutMs = options.timeoutMs ?? 10_000
  return new Promise((resolve, reject) => {
    // No compression: the messages are small, and inflating thousands of sockets costs more CPU than it saves.
    const socket = new WebSocket(address, { perMessageDeflate: false, handshakeTimeout: timeoutMs })
    let connection: Connection | undefined
    let failure: Error | undefined
    let closed = false
    const whenClosed = new Promise<void>((done) => socket.once('close', () => done()))
    const fail = (message: string, cause?: unknown): void => {
      if (connection || failure) return
      failure = new ConnectError(url, message, { cause })
      clearTimeout(timer)
      socket.terminate()
      reject(failure)
    }
    const timer = setTimeout(() => fail(`no welcome from ${address} within ${timeoutMs} ms`), timeoutMs)
    socket.on('error', (err: NodeJS.ErrnoException) => fail(`cannot connect to ${address}: ${err.code ?? err.message}`, err))
    socket.on('close', (code, reason) => {
      closed = true
      clearTimeout(timer)
      if (!connection) fail(`${address} closed the socket before its welcome (${code}${reason.length ? ` ${reason.toString()}` : ''})`)
      else options.onClose?.(code, reason.toString())
    })
    socket.on('message', (data, isBinary) => {
      const text = isBinary ? '' : data.toString()
      let message: ServerMessage | undefined
      try {
        const parsed: unknown = JSON.parse(text)
        if (parsed !== null && typeof parsed === 'object' && typeof (parsed as { type?: unknown }).type === 'string') message = parsed as ServerMessage
      } catch {
        // Not JSON: reported below like any other malformed frame.
      }
      if (!message) {
        if (connection) options.onBadMessage?.(text)
        else fail(`${address} sent ${JSON.stringify(text.slice(0, 80))} instead of a welcome`)
        return
      }
      if (connection) return options.onMessage(message)
      if (message.type !== 'welcome') return fail(`${address} sent a ${message.type} message before its welcome`)
      clearTimeout(timer)
      const welcome = message
      connection = {
        welcome,
        id: welcome.id,
        get isOpen() {
          return socket.readyState === WebSocket.OPEN
        },
        send(out) {
          if (socket.readyState !== WebSocket.OPEN) return false
          socket.send(JSON.stringify(out))
          return true
        },
        async close(closeTimeoutMs = 2000) {
          if (closed) return
          if (socket.readyState === WebSocket.OPEN) socket.close(1000)
          const cut = setTimeout(() => socket.terminate(), closeTimeoutMs)
          await whenClosed
          clearTimeout(cut)
        },
      }
      options.onOpen?.(connection)
      resolve(connection)
    })
  })
}
