import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after } from 'node:test'
import { openSqliteStore } from './sqlite-store.js'
import { storeContract } from './testing/store-contract.js'

const dataDir = mkdtempSync(join(tmpdir(), 'koober-sqlite-'))
after(() => rmSync(dataDir, { recursive: true, force: true }))

storeContract('sqlite', { open: async () => openSqliteStore({ dataDir }) })
