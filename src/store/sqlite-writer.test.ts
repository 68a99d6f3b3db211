import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import Database from 'better-sqlite3'
import { isKooberError } from '../errors.js'
import { SqliteWriter } from './sqlite-writer.js'

const root = mkdtempSync(join(tmpdir(), 'koober-sqlite-writer-'))
after(() => rmSync(root, { recursive: true, force: true }))

function database(name: string): string {
  const path = join(root, `${name}.sqlite`)
  const db = new Database(path)
  db.pragma('journal_mode = WAL')
  db.exec('CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL)')
  db.close()
  return path
}

const rowsOf = (path: string): Array<{ k: number; v: string }> => {
  const db = new Database(path, { readonly: true })
  try {
    return db.prepare('SELECT k, v FROM t ORDER BY k').all() as Array<{ k: number; v: string }>
  } finally {
    db.close()
  }
}

describe('SqliteWriter', () => {
  it('runs flat batches row by row, in one transaction per write, in the order written', async () => {
    const path = database('order')
    const writer = new SqliteWriter(path)
    // Queued without waiting: the second overwrites the first, so order shows in the result.
    const first = writer.write([{ sql: 'INSERT OR REPLACE INTO t (k, v) VALUES (?, ?)', params: [1, 'a', 2, 'b', 3, 'c'], width: 2 }], 'first')
    const second = writer.write([{ sql: 'INSERT OR REPLACE INTO t (k, v) VALUES (?, ?)', params: [2, 'B'], width: 2 }], 'second')
    assert.deepEqual(await Promise.all([first, second]), [3, 1])
    assert.deepEqual(rowsOf(path), [
      { k: 1, v: 'a' },
      { k: 2, v: 'B' },
      { k: 3, v: 'c' },
    ])
    await writer.close()
  })

  it('rolls a failed write back whole and says why, with SQLite’s code as the cause; later writes go on', async () => {
    const path = database('failure')
    const writer = new SqliteWriter(path)
    const failing = writer.write([{ sql: 'INSERT INTO t (k, v) VALUES (?, ?)', params: [1, 'a', 2, null], width: 2 }], 'upsert into t')
    await assert.rejects(failing, (err: unknown) => {
      assert.ok(isKooberError(err, 'KOOBER_STORE_IO'))
      assert.match(err.message, /^upsert into t failed: NOT NULL constraint failed: t\.v/)
      assert.equal((err.cause as { code?: string }).code, 'SQLITE_CONSTRAINT_NOTNULL')
      return true
    })
    assert.deepEqual(rowsOf(path), [], 'the first row of the failed write was rolled back with it')
    assert.equal(await writer.write([{ sql: 'INSERT INTO t (k, v) VALUES (?, ?)', params: [1, 'a'] }], 'next'), 1)
    await writer.close()
  })

  it('finishes the writes in flight before close returns', async () => {
    const path = database('close')
    const writer = new SqliteWriter(path)
    const params: unknown[] = []
    for (let k = 0; k < 20_000; k++) params.push(k, `value ${k}`)
    const written = writer.write([{ sql: 'INSERT INTO t (k, v) VALUES (?, ?)', params, width: 2 }], 'big')
    await writer.close()
    assert.equal(await written, 20_000)
    assert.equal(rowsOf(path).length, 20_000)
  })

  it('does not hold the process open once its writes are done', () => {
    const path = database('exit')
    // A child that writes and never closes the writer must still exit by itself.
    const script = `
      import { SqliteWriter } from ${JSON.stringify(new URL('./sqlite-writer.ts', import.meta.url).href)}
      const writer = new SqliteWriter(${JSON.stringify(path)})
      await writer.write([{ sql: 'INSERT INTO t (k, v) VALUES (?, ?)', params: [7, 'seven'] }], 'one')
      console.log('written')
    `
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 })
    assert.equal(out.trim(), 'written')
    assert.deepEqual(rowsOf(path), [{ k: 7, v: 'seven' }])
  })
})
