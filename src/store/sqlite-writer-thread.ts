/**
 * The thread behind `SqliteWriter`: it owns the store's one write connection
 * and runs each request as one transaction. See sqlite-writer.ts for the
 * protocol.
 */
import { parentPort, workerData } from 'node:worker_threads'
import Database from 'better-sqlite3'
import type { WriteReply, WriteRequest } from './sqlite-writer.js'

const port = parentPort!
const db = new Database((workerData as { path: string }).path)
db.pragma('journal_mode = WAL')
// Per connection, not stored in the file: a commit writes the WAL without an fsync; a checkpoint syncs.
db.pragma('synchronous = NORMAL')

const statements = new Map<string, Database.Statement>()
const prepared = (sql: string): Database.Statement => {
  let statement = statements.get(sql)
  if (!statement) statements.set(sql, (statement = db.prepare(sql)))
  return statement
}

const runAll = db.transaction((request: WriteRequest): number => {
  let changes = 0
  for (const { sql, params = [], width } of request.statements) {
    const statement = prepared(sql)
    if (width === undefined) {
      changes += statement.run(params).changes
      continue
    }
    const row = new Array<unknown>(width)
    for (let at = 0; at < params.length; at += width) {
      for (let c = 0; c < width; c++) row[c] = params[at + c]
      changes += statement.run(row).changes
    }
  }
  return changes
})

port.on('message', (request: WriteRequest | 'close') => {
  if (request === 'close') {
    db.close()
    port.close()
    return
  }
  let reply: WriteReply
  try {
    reply = { id: request.id, changes: runAll(request) }
  } catch (err) {
    const { message, code } = err as { message?: string; code?: string }
    reply = { id: request.id, error: { message: message ?? String(err), ...(code ? { code } : {}) } }
  }
  port.postMessage(reply)
})
