import assert from 'node:assert/strict'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { Sink } from '../sink.js'
import { Source } from '../source.js'
import { fileLines, fileLinesSink } from './file-lines.js'

const dir = mkdtempSync(join(tmpdir(), 'koober-file-lines-'))
after(() => rmSync(dir, { recursive: true, force: true }))

/** Open file descriptors of this process (Linux), to see that a stream closed its file. */
const openFiles = (): number => readdirSync('/proc/self/fd').length

describe('file lines', () => {
  it('reads lines across chunk boundaries, multi-byte characters and CRLF, and the last line without a newline', async () => {
    const path = join(dir, 'in.txt')
    const lines = Array.from({ length: 5000 }, (_, i) => `line ${i} ünïcødé ${'x'.repeat(i % 37)}`)
    writeFileSync(path, `${lines.slice(0, 10).join('\r\n')}\r\n${lines.slice(10).join('\n')}`)
    const read = await fileLines(path, { highWaterMark: 1000 }).runWith(Sink.collect()).result
    assert.deepEqual(read, lines)
  })

  it('writes lines and reads them back, replacing or appending', async () => {
    const path = join(dir, 'out.txt')
    assert.equal(await Source.range(1, 3).map(String).runWith(fileLinesSink(path)).result, 3)
    assert.equal(await Source.from(['four']).runWith(fileLinesSink(path, { append: true })).result, 1)
    assert.equal(readFileSync(path, 'utf8'), '1\n2\n3\nfour\n')
    assert.deepEqual(await fileLines(path).runWith(Sink.collect()).result, ['1', '2', '3', 'four'])
    await Source.from(['only']).runWith(fileLinesSink(path)).result
    assert.equal(readFileSync(path, 'utf8'), 'only\n')
  })

  it('closes the file when cancelled early, and reads no more than demand needs', async () => {
    const path = join(dir, 'big.txt')
    writeFileSync(path, Array.from({ length: 200_000 }, (_, i) => `row ${i}`).join('\n'))
    const before = openFiles()
    const first = await fileLines(path, { highWaterMark: 4096 }).take(3).runWith(Sink.collect()).result
    assert.deepEqual(first, ['row 0', 'row 1', 'row 2'])
    await new Promise((r) => setTimeout(r, 50))
    assert.equal(openFiles(), before, 'the file is closed after take(3)')
  })

  it('fails with the file error for a missing file, and a sink into a missing directory cancels its source', async () => {
    await assert.rejects(fileLines(join(dir, 'missing.txt')).runWith(Sink.collect()).result, { code: 'ENOENT' })
    let cancelled = false
    const source = Source.fromStage<string>(() => ({
      pull: () => ['a'],
      cancel: async () => {
        cancelled = true
      },
    }))
    await assert.rejects(source.runWith(fileLinesSink(join(dir, 'no', 'such', 'dir.txt'))).result, { code: 'ENOENT' })
    assert.ok(cancelled, 'the source was cancelled')
  })
})
