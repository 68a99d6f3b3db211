import { byTestId, showError } from './dom.js'
import type { Role, ServerMessage } from './protocol.js'

/*
 * One WebSocket to the web role. No reconnect on purpose: the server knows a
 * socket as one rider or driver (a new socket is a new identity, and closing
 * cancels its ride), so silently reconnecting would hide a lost ride. The
 * page says the connection closed and offers a reload instead.
 */

export interface Connection<Out> {
  send(message: Out): void
}

const CLOSE_REASONS: Record<number, string> = {
  1000: 'closed',
  1001: 'the server is shutting down',
  1006: 'the connection was lost',
  1008: 'too many messages were sent',
  1009: 'a message was too large',
  1013: 'this page fell too far behind the updates',
}

function setState(state: 'connecting' | 'open' | 'closed', text: string): void {
  const badge = byTestId('connection')
  badge.dataset.state = state
  badge.textContent = text
}

export function connect<Out extends { type: string }>(role: Role, onMessage: (message: ServerMessage) => void): Connection<Out> {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws'
  const socket = new WebSocket(`${scheme}://${location.host}/ws/${role}`)
  setState('connecting', 'Connecting…')

  socket.addEventListener('open', () => setState('open', 'Connected'))
  socket.addEventListener('message', (event) => {
    let message: ServerMessage
    try {
      message = JSON.parse(String(event.data)) as ServerMessage
    } catch {
      showError('The server sent a message this page cannot read.')
      return
    }
    if (message.type === 'error') showError(`${message.message} (${message.code})`)
    onMessage(message)
  })
  socket.addEventListener('close', (event) => {
    const why = CLOSE_REASONS[event.code] ?? `code ${event.code}`
    setState('closed', 'Disconnected')
    showError(`Disconnected: ${why}. Reload the page to start again.`, true)
  })

  return {
    send(message) {
      // Before the socket opens there is nothing to say yet (the page waits for welcome); after it closes the bar already says so.
      if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message))
    },
  }
}
