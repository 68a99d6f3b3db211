/**
 * Both sides of the multi-process tests' harness, with a real child process
 * under tsx: ChildWorker and runChildWorker (the test's side) running
 * scripted-worker.ts, which runs through runWorker and prints with
 * printLines (the worker's side).
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { ChildWorker, parseJsonLine, runChildWorker } from './child-worker.js'
import { MemberWatch } from './member-watch.js'

const SCRIPT = fileURLToPath(new URL('./scripted-worker.ts', import.meta.url))
/** Long enough for any step below; a worker a failed test leaves behind stops by itself. */
const LIFETIME_MS = '20000'
const TIMEOUT_MS = 15_000

describe('ChildWorker: a worker child process and what it printed', () => {
  it('reads stdout as whole lines, in order, and keeps stderr and the ending', { timeout: TIMEOUT_MS }, async () => {
    const seen: Array<{ line: string; at: number }> = []
    const steps = ['print:one|two', 'partial:thr', 'sleep:50', 'print:ee', 'stderr:a warning', 'partial:cut off', 'exit:7']
    const worker = new ChildWorker(SCRIPT, [LIFETIME_MS, 'follow', ...steps], { onLine: (line, at) => seen.push({ line, at }) })
    const exit = await worker.exited
    assert.deepEqual(exit, { code: 7, signal: null })
    assert.deepEqual(worker.exit, exit)
    // A line written in two parts is one line; one cut off by the end is dropped.
    assert.deepEqual(worker.lines, ['one', 'two', 'three'])
    assert.deepEqual(
      seen.map((s) => s.line),
      worker.lines,
    )
    assert.equal(worker.lastLineAt, seen.at(-1)!.at)
    assert.equal(worker.stderr, 'a warning\n')
    assert.deepEqual(worker.outputReport(2), ['  last lines:', '    two', '    three', '  stderr:', '    a warning'])
  })

  it('notifies its watch on every chunk and at its end; kill waits for the end', { timeout: TIMEOUT_MS }, async () => {
    const watch = new MemberWatch()
    const worker = new ChildWorker(SCRIPT, [LIFETIME_MS, 'follow', 'print:ready', 'wait'], { watch })
    const member = { name: 'scripted', get exit() { return worker.exit } }
    await watch.waitFor('ready', [member], () => worker.lines.includes('ready'), TIMEOUT_MS)
    assert.equal(worker.exit, undefined)

    const ended = watch.waitFor('its end', [], () => worker.exit !== undefined, TIMEOUT_MS)
    const exit = await worker.kill('SIGTERM')
    await ended
    assert.deepEqual(exit, { code: 0, signal: null }, worker.outputReport().join('\n'))
    assert.deepEqual(worker.lines, ['ready', 'terminated'])
    assert.deepEqual(worker.outputReport(), ['  last lines:', '    ready', '    terminated', '  stderr:', '    (empty)'])
    // Once it has ended, a kill sends nothing and answers the same ending.
    assert.deepEqual(await worker.kill('SIGKILL'), exit)
  })

  it('a worker that follows its parent exits (4) when its stdin ends', { timeout: TIMEOUT_MS }, async () => {
    const worker = new ChildWorker(SCRIPT, [LIFETIME_MS, 'follow', 'wait'], { stdin: 'ignore' })
    assert.deepEqual(await worker.exited, { code: 4, signal: null })
  })

  it("a worker's failure is on its stderr with its cause, and it exits 2", { timeout: TIMEOUT_MS }, async () => {
    const worker = new ChildWorker(SCRIPT, [LIFETIME_MS, 'follow', 'print:started', 'throw:no such topic'])
    assert.deepEqual(await worker.exited, { code: 2, signal: null })
    assert.deepEqual(worker.lines, ['started'])
    assert.match(worker.stderr, /^scripted-worker failed: Error: no such topic\n/)
    assert.match(worker.stderr, /\[cause\]: Error: the cause/)
  })
})

describe('runChildWorker: a worker run to its end', () => {
  it('SIGKILLs it as planned: after the first line the plan accepts, with a delay', { timeout: TIMEOUT_MS }, async () => {
    const run = await runChildWorker(SCRIPT, [LIFETIME_MS, 'alone', 'print:opening', 'sleep:20', 'print:ready|ready', 'wait'], {
      kill: { after: (line) => line === 'ready', delayMs: 30 },
      watchdogMs: TIMEOUT_MS,
    })
    assert.deepEqual(run, { lines: ['opening', 'ready', 'ready'], exit: { code: null, signal: 'SIGKILL' }, stderr: '', killedByPlan: true })
  })

  it('a worker that outlives its watchdog is SIGKILLed, not by the plan; one that outlives its lifetime exits 3', { timeout: TIMEOUT_MS }, async () => {
    const [watched, outlived] = await Promise.all([
      runChildWorker(SCRIPT, [LIFETIME_MS, 'alone', 'print:ready', 'wait'], { kill: { after: (line) => line === 'never' }, watchdogMs: 1_500 }),
      runChildWorker(SCRIPT, ['300', 'alone', 'print:ready', 'wait']),
    ])
    assert.deepEqual([watched.exit, watched.killedByPlan], [{ code: null, signal: 'SIGKILL' }, false])
    assert.deepEqual([outlived.exit, outlived.killedByPlan, outlived.lines], [{ code: 3, signal: null }, false, ['ready']])
  })

  it('a worker that ends by itself is not killed', { timeout: TIMEOUT_MS }, async () => {
    const run = await runChildWorker(SCRIPT, [LIFETIME_MS, 'alone', 'print:done'], { kill: { after: (line) => line === 'done', delayMs: 5_000 }, watchdogMs: TIMEOUT_MS })
    assert.deepEqual(run, { lines: ['done'], exit: { code: 0, signal: null }, stderr: '', killedByPlan: false })
  })
})

describe('parseJsonLine', () => {
  it('reads a JSON object; anything else is no message', () => {
    assert.deepEqual(parseJsonLine<{ type?: string }>('{"type":"done","n":1}'), { type: 'done', n: 1 })
    for (const line of ['', 'ready', '{"type":', 'null', '3', '"text"', '[1,2]']) assert.equal(parseJsonLine(line), undefined, line)
  })
})
