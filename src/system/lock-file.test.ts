import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { LockFile } from './lock-file.js'

const dir = mkdtempSync(join(tmpdir(), 'koober-lock-'))
after(() => rmSync(dir, { recursive: true, force: true }))

describe('lock file', () => {
  it('is exclusive within a process and released on release', () => {
    const path = join(dir, 'a.lock')
    const lock = LockFile.acquire(path, 'thing', 'KOOBER_LOG_LOCKED')
    assert.throws(() => LockFile.acquire(path, 'thing', 'KOOBER_LOG_LOCKED'), { code: 'KOOBER_LOG_LOCKED' })
    lock.release()
    assert.ok(!existsSync(path))
    LockFile.acquire(path, 'thing', 'KOOBER_LOG_LOCKED').release()
  })

  it('refuses a lock held by a live process, naming it', async () => {
    const path = join(dir, 'b.lock')
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'])
    try {
      writeFileSync(path, `${child.pid}\n`)
      assert.throws(() => LockFile.acquire(path, 'the data directory', 'KOOBER_LOG_LOCKED'), (err: Error) => {
        assert.match(err.message, new RegExp(`the data directory is locked by process ${child.pid}`))
        return true
      })
    } finally {
      child.kill('SIGKILL')
      await new Promise((r) => child.once('close', r))
    }
    // The holder is gone: its stale lock is taken over.
    LockFile.acquire(path, 'the data directory', 'KOOBER_LOG_LOCKED').release()
  })
})
