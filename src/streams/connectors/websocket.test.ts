import assert from 'node:assert/strict'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { WebSocket, WebSocketServer } from 'ws'
import { Sink } from '../sink.js'
import { Source } from '../source.js'
import { webSocketStreams } from './websocket.js'

let server: WebSocketServer
let url: string
const serverSockets: WebSocket[] = []

before(async () => {
  server = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  server.on('connection', (socket) => serverSockets.push(socket))
  await once(server, 'listening')
  url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`
})

after(async () => {
  for (const socket of serverSockets) socket.terminate()
  await new Promise((resolve) => server.close(resolve))
})

async function connect(): Promise<{ client: WebSocket; peer: WebSocket }> {
  const accepted = once(server, 'connection') as Promise<[WebSocket]>
  const client = new WebSocket(url)
  await once(client, 'open')
  const [peer] = await accepted
  return { client, peer }
}

describe('WebSocket streams', () => {
  it('carries messages both ways, text as strings and binary as buffers, and completes when the socket closes', async () => {
    const { client, peer } = await connect()
    const received = webSocketStreams(peer).incoming.runWith(Sink.collect()).result
    const sent = await Source.from<string | Buffer>(['hello', Buffer.from([1, 2, 3]), 'bye']).runWith(webSocketStreams(client).outgoing).result
    assert.equal(sent, 3)
    client.close()
    const messages = await received
    assert.deepEqual(messages.slice(0, 1), ['hello'])
    assert.deepEqual([...(messages[1] as Buffer)], [1, 2, 3])
    assert.equal(messages[2], 'bye')
  })

  it('pauses a socket whose messages the stream does not take, so the sender feels it', async () => {
    const { client, peer } = await connect()
    // The receiving stream takes one message, then stops asking for a while.
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    let taken = 0
    const received = webSocketStreams(peer, { incomingBuffer: 4 })
      .incoming.runWith(
        Sink.forEachAsync(async () => {
          taken++
          if (taken === 1) await gate
        }),
      ).result
    const payload = Buffer.alloc(64 * 1024, 7)
    for (let i = 0; i < 200; i++) client.send(payload)
    // 200 × 64 KiB = 12.5 MiB. The stream's buffer fills (4 messages), the receiving socket is paused, TCP's
    // windows fill, and the rest stays queued at the sender: the sender feels the slow stream.
    const deadline = Date.now() + 10_000
    while (!peer.isPaused && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    assert.ok(peer.isPaused, 'the receiving socket is paused')
    await new Promise((r) => setTimeout(r, 500))
    assert.ok(client.bufferedAmount >= 4 * 1024 * 1024, `the sender still holds ${client.bufferedAmount} bytes`)
    assert.ok(taken <= 1)
    release()
    while (taken < 200 && Date.now() < deadline + 10_000) await new Promise((r) => setTimeout(r, 20))
    assert.equal(taken, 200, 'everything arrives once the stream takes again')
    client.close()
    await received
  })

  it('waits for the socket to write when its outgoing buffer is past the high-water mark', async () => {
    const { client, peer } = await connect()
    peer.pause() // the other side reads nothing
    const payload = Buffer.alloc(64 * 1024, 1)
    let pulled = 0
    const source = Source.fromStage<Buffer>(() => ({
      pull: () => {
        pulled++
        return [payload]
      },
      cancel: async () => undefined,
    }))
    const { result, killSwitch } = source.runWith(webSocketStreams(client, { outgoingHighWaterMark: 256 * 1024 }).outgoing)
    await new Promise((r) => setTimeout(r, 1000))
    // Without backpressure the source would have been pulled tens of thousands of times by now.
    assert.ok(pulled < 1000, `the source was pulled ${pulled} times against a reader that reads nothing`)
    killSwitch.shutdown()
    peer.resume()
    const sent = await result
    assert.ok(sent > 0 && sent <= pulled)
    client.close()
  })

  it('closes the socket when the incoming stream is cancelled', async () => {
    const { client, peer } = await connect()
    const first = webSocketStreams(peer).incoming.take(1).runWith(Sink.collect()).result
    client.send('one')
    const closed = Promise.all([once(client, 'close'), once(peer, 'close')])
    assert.deepEqual(await first, ['one'])
    await closed // both ends saw the close handshake the cancelled stream started
  })
})
