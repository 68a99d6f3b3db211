import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openEmbeddedLog, type EmbeddedLog } from '../../../log/index.js'
import { startWebServer } from '../../../web/server.js'
import { KOOBER_TOPICS } from '../../topics.js'

export interface TestServer {
  url: string
  log: EmbeddedLog
  close(): Promise<void>
}

/**
 * A real web server on a free port over an embedded log in a fresh temporary
 * directory, with fast cars (400 m/s, a step every 100 ms) so rides end in
 * seconds. For tests only.
 */
export async function startTestServer(): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'koober-simulator-'))
  const log = await openEmbeddedLog({ dataDir })
  for (const topic of ['driver', 'rider', 'rides', 'dead-letters']) await log.ensureTopic(topic, { partitions: KOOBER_TOPICS[topic]!.partitions })
  const server = await startWebServer({ log, port: 0, speedMetersPerSecond: 400, tickMs: 100 })
  return {
    url: server.url,
    log,
    async close() {
      await server.close()
      await log.close()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}
