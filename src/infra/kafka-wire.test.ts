import assert from 'node:assert/strict'
import { createServer, type Server, type Socket } from 'node:net'
import { after, describe, it } from 'node:test'
import { probeKafka } from './kafka-wire.js'

const servers: Server[] = []
after(() => servers.forEach((s) => s.close()))

/** A TCP server on a free loopback port that treats each connection with `handle`. */
async function serve(handle: (socket: Socket) => void): Promise<number> {
  const server = createServer(handle)
  servers.push(server)
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve))
  return (server.address() as { port: number }).port
}

describe('probeKafka', () => {
  it('tells a closed port from a silent program and from a program that is not Kafka', async () => {
    const closed = await serve(() => undefined)
    servers.pop()!.close()
    await new Promise((r) => setTimeout(r, 50))
    assert.deepEqual(await probeKafka('127.0.0.1', closed, 1_000), { state: 'refused' })

    const silent = await serve(() => undefined)
    assert.equal((await probeKafka('127.0.0.1', silent, 300)).state, 'no-answer')

    const http = await serve((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'))
    const answer = await probeKafka('127.0.0.1', http, 1_000)
    assert.equal(answer.state, 'not-kafka')
    assert.match(answer.state === 'not-kafka' ? answer.reason : '', /does not speak Kafka/)

    const hangsUp = await serve((socket) => socket.destroy())
    assert.equal((await probeKafka('127.0.0.1', hangsUp, 1_000)).state, 'no-answer')
  })
})
