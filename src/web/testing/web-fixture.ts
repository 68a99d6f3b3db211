import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import WebSocket from 'ws'
import { KOOBER_TOPICS } from '../../koober/topics.js'
import { openEmbeddedLog, type EmbeddedLog } from '../../log/index.js'
import { startWebServer, type WebServer, type WebServerOptions } from '../server.js'

export interface TestServer {
  server: WebServer
  /** The server's address (as `server.url`). */
  url: string
  log: EmbeddedLog
  close(): Promise<void>
}

/** A web server on a fresh embedded log in a temp dir, with fast cars (400 m/s, a step every 100 ms): rides end in seconds. */
export async function startTestServer(options: Partial<WebServerOptions> = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'koober-web-'))
  const log = await openEmbeddedLog({ dataDir })
  for (const [topic, config] of Object.entries(KOOBER_TOPICS)) await log.ensureTopic(topic, { partitions: config.partitions })
  const server = await startWebServer({ log, port: 0, speedMetersPerSecond: 400, tickMs: 100, ...options })
  return {
    server,
    url: server.url,
    log,
    async close() {
      await server.close()
      await log.close()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

export type Message = { type: string } & Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

/** A plain WebSocket client that keeps every message and waits for the ones a test expects. */
export class TestClient {
  readonly messages: Message[] = []
  private waiters: Array<{ test: (m: Message) => boolean; resolve: (m: Message) => void }> = []
  closed: Promise<{ code: number; reason: string }>

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const message = JSON.parse(data.toString()) as Message
      this.messages.push(message)
      for (const waiter of [...this.waiters]) {
        if (waiter.test(message)) {
          this.waiters.splice(this.waiters.indexOf(waiter), 1)
          waiter.resolve(message)
        }
      }
    })
    this.closed = new Promise((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })))
  }

  static async connect(url: string, role: 'rider' | 'driver', headers: Record<string, string> = {}): Promise<TestClient> {
    const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/ws/${role}`, { headers })
    const client = new TestClient(socket)
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve())
      socket.once('error', reject)
      socket.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)))
    })
    return client
  }

  get id(): string {
    return this.messages.find((m) => m.type === 'welcome')?.id as string
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message))
  }

  /** The first message, already received or to come, that passes `test`. */
  next(test: (m: Message) => boolean, timeoutMs = 10_000, what = 'a message'): Promise<Message> {
    const seen = this.messages.find(test)
    if (seen) return Promise.resolve(seen)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; got: ${this.messages.map((m) => m.type + (m.code ? `:${m.code}` : '')).join(', ')}`)), timeoutMs)
      this.waiters.push({ test, resolve: (m) => (clearTimeout(timer), resolve(m)) })
    })
  }

  /** Waits for the next message of `type` received from now on. */
  nextNew(test: (m: Message) => boolean, timeoutMs = 10_000, what = 'a message'): Promise<Message> {
    const already = this.messages.length
    return this.next((m) => this.messages.indexOf(m) >= already && test(m), timeoutMs, what)
  }

  close(): void {
    this.socket.close()
  }
}
