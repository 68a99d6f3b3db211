import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after } from 'node:test'
import { openEmbeddedLog } from './embedded-log.js'
import { eventLogContract } from './testing/event-log-contract.js'

const dataDir = mkdtempSync(join(tmpdir(), 'koober-contract-'))
after(() => rmSync(dataDir, { recursive: true, force: true }))

eventLogContract('embedded', { open: () => openEmbeddedLog({ dataDir }) })
