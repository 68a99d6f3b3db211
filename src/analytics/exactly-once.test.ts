import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, describe, it } from 'node:test'
import { openEmbeddedLog } from '../log/index.js'
import { runChildWorker } from '../log/testing/child-worker.js'
import { seededRandom } from '../log/testing/seeded-random.js'
import { openSqliteStore } from '../store/index.js'
import { expectedWindows, readWindows, type SeqEvent } from './testing/seq-job.js'

/*
 * Exactly once, as Flink's end-to-end tests check it: a source of per-key
 * sequence numbers, the job in a child process SIGKILLed at random moments
 * many times (with more records appended between runs), then a last run to
 * the end; the table of window results must be exactly what one run without
 * failures gives: no sequence number missing, none counted twice.
 */

const WORKER = fileURLToPath(new URL('./testing/exactly-once-worker.ts', import.meta.url))
const KILLS = Number(process.env.KOOBER_ANALYTICS_KILLS ?? (process.env.CI ? 40 : 12))
const KEYS = 10
const root = mkdtempSync(join(tmpdir(), 'koober-exactly-once-'))
after(() => rmSync(root, { recursive: true, force: true }))

async function runWorker(dataDir: string, scope: 'job' | 'partition', mode: 'loop' | 'once', killAfterMs?: number): Promise<{ code: number | null; lines: string[]; stderr: string }> {
  const kill = killAfterMs === undefined ? undefined : { after: (line: string) => line === 'ready', delayMs: killAfterMs }
  const { exit, lines, stderr } = await runChildWorker(WORKER, [dataDir, mode, scope], { kill })
  return { code: exit.code, lines, stderr }
}

describe('analytics: exactly-once state across crashes', () => {
  for (const [scope, kills] of [['job', KILLS], ['partition', Math.ceil(KILLS / 2)]] as const) {
  it(`a checkpointed window job (state per ${scope}) SIGKILLed ${kills} times ends with exactly the results of a run without failures`, { timeout: 300_000 }, async () => {
    const seed = Number(process.env.KOOBER_ANALYTICS_SEED ?? Math.floor(Math.random() * 2 ** 31))
    const random = seededRandom(seed)
    const dataDir = join(root, scope)
    const sequence = new Array<number>(KEYS).fill(0)
    const all: SeqEvent[] = []
    let clock = 1_700_000_000_000
    const append = async (n: number): Promise<void> => {
      const log = await openEmbeddedLog({ dataDir: join(dataDir, 'log') })
      try {
        await log.ensureTopic('seq', { partitions: 4 })
        const events: SeqEvent[] = []
        for (let i = 0; i < n; i++) {
          const k = Math.floor(random() * KEYS)
          clock += 1 + Math.floor(random() * 15)
          events.push({ key: `k${k}`, seq: ++sequence[k]!, time: clock })
        }
        await log.append('seq', events.map((e) => ({ key: e.key, value: JSON.stringify(e) })))
        all.push(...events)
      } finally {
        await log.close()
      }
    }
    try {
      let checkpointsSeen = 0
      for (let kill = 0; kill < kills; kill++) {
        await append(200 + Math.floor(random() * 400))
        const { lines, code, stderr } = await runWorker(dataDir, scope, 'loop', Math.floor(random() * 400))
        assert.ok(code === null || code === 0, `run ${kill} failed (${code}): ${stderr}`)
        checkpointsSeen += lines.filter((l) => l.startsWith('checkpoint ')).length
      }
      await append(150)
      const last = await runWorker(dataDir, scope, 'once')
      assert.equal(last.code, 0, last.stderr)
      assert.match(last.lines.at(-1) ?? '', /^done /)
      assert.ok(checkpointsSeen > 0, 'the killed runs got as far as checkpoints')

      const want = expectedWindows(all)
      const store = openSqliteStore({ dataDir: join(dataDir, 'store'), readOnly: true })
      const got = await readWindows(store)
      await store.close()
      assert.equal(got.size, want.size, `seed ${seed}: windows`)
      for (const [id, w] of want) assert.deepEqual(got.get(id), w, `seed ${seed}: window ${id}`)
      // Every sequence number of every key, once: the windows of a key tile 1..n without a gap.
      for (let k = 0; k < KEYS; k++) {
        const windows = [...got].filter(([id]) => id.startsWith(`k${k}@`)).map(([, w]) => w)
        assert.equal(windows.reduce((s, w) => s + w.n, 0), sequence[k], `seed ${seed}: k${k} counted ${sequence[k]} numbers`)
      }
    } catch (err) {
      throw new Error(`failed with seed ${seed} (rerun with KOOBER_ANALYTICS_SEED=${seed}): ${(err as Error).message}`, { cause: err })
    }
  })
  }
})
