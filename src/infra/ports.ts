import { createServer, type Server } from 'node:net'
import { kooberError } from '../errors.js'

/** Ports nobody listens on right now: held open together so they differ, then released for the server. */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = []
  try {
    for (let i = 0; i < count; i++) {
      const server = createServer()
      servers.push(server)
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        server.listen({ host: '127.0.0.1', port: 0 }, resolve)
      })
    }
    return servers.map((s) => (s.address() as { port: number }).port)
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))))
  }
}

/**
 * Checks the ports of one server: each a whole number from 1 to 65535, and
 * all different (a server cannot bind one port for two listeners).
 * `server` and the names are for the message: "Kafka", "controller port".
 */
export function checkPorts(server: string, ports: ReadonlyArray<readonly [name: string, value: number]>): void {
  for (const [name, value] of ports) {
    if (!Number.isSafeInteger(value) || value < 1 || value > 65_535) {
      throw kooberError('KOOBER_INVALID_ARGUMENT', `${server} ${name} must be a whole number from 1 to 65535, got ${value}`)
    }
  }
  for (let i = 0; i < ports.length; i++) {
    for (let j = i + 1; j < ports.length; j++) {
      const [a, p] = ports[i]!
      const [b, q] = ports[j]!
      if (p === q) throw kooberError('KOOBER_INVALID_ARGUMENT', `${server}'s ${a} and ${b} must differ, both are ${p}`)
    }
  }
}

/**
 * Fails early, with a message naming the port, instead of a bind error deep
 * in the server's log. `what` starts the message: "Kafka's controller port".
 */
export async function assertPortFree(host: string, port: number, what: string): Promise<void> {
  const server = createServer()
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen({ host, port, exclusive: true }, resolve)
    })
  } catch (err) {
    throw kooberError('KOOBER_INFRA_SERVER_FAILED', `${what} ${host}:${port} is in use by another program; choose another`, err)
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
}
