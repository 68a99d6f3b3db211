/**
 * Programs on loopback ports that are not the server a probe looks for
 * (kafka-wire.test.ts, cql-wire.test.ts): silent, hanging up, speaking HTTP,
 * or a fake server written by the test.
 */
import assert from 'node:assert/strict'
import { createServer, type Socket } from 'node:net'
import type { TestContext } from 'node:test'
import { freePorts } from '../ports.js'

/** A TCP server on a free loopback port that treats each connection with `handle`; closed after the test. */
export async function serve(t: TestContext, handle: (socket: Socket) => void): Promise<number> {
  const server = createServer(handle)
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve))
  // Not awaited: close() waits for open connections, and a silent peer's may stay open.
  t.after(() => void server.close())
  return (server.address() as { port: number }).port
}

/**
 * A probe tells a closed port (`refused`) from a program that says nothing or
 * hangs up (`no-answer`) and from one that speaks another protocol, HTTP
 * (`notIt`: "not-kafka", with a reason saying "does not speak Kafka").
 */
export async function assertTellsPeersApart(
  t: TestContext,
  probe: (host: string, port: number, timeoutMs: number) => Promise<{ state: string; reason?: string }>,
  notIt: { state: string; reason: RegExp },
): Promise<void> {
  const [closed] = (await freePorts(1)) as [number]
  assert.deepEqual(await probe('127.0.0.1', closed, 1_000), { state: 'refused' })

  const silent = await serve(t, () => undefined)
  assert.equal((await probe('127.0.0.1', silent, 300)).state, 'no-answer')

  const http = await serve(t, (socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'))
  const answer = await probe('127.0.0.1', http, 1_000)
  assert.equal(answer.state, notIt.state)
  assert.match(answer.reason ?? '', notIt.reason)

  const hangsUp = await serve(t, (socket) => socket.destroy())
  assert.equal((await probe('127.0.0.1', hangsUp, 1_000)).state, 'no-answer')
}
