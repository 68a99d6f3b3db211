/**
 * The test's side of a multi-process test: a worker script run as a child
 * process under tsx, what it printed (stdout as lines, stderr as text) and how
 * it ended. The worker's side is ./worker-process.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { MemberWatch } from './member-watch.js'

/** `--import tsx` is resolved from the working directory: the repository's, wherever the tests were started. */
const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url))

export interface ChildExit {
  code: number | null
  signal: NodeJS.Signals | null
}

export interface ChildWorkerOptions {
  /** Each complete line of its stdout, in order, with the time (epoch ms) its chunk arrived; a line cut by its end is dropped. */
  onLine?: (line: string, at: number) => void
  /** Notified after each chunk of stdout and when it exits, so that `waitFor` checks run again. */
  watch?: MemberWatch
  /**
   * `pipe` (the default) holds its stdin open, so a worker that follows it
   * (`runWorker` with `followParent`) exits when the test dies; `ignore` for
   * workers that do not.
   */
  stdin?: 'pipe' | 'ignore'
}

/**
 * One worker child process. Its stdout is read as lines, its stderr kept for
 * a failure's report; `exit` is set once it ended and its output is read.
 *
 * @example
 * const worker = new ChildWorker(SCRIPT, [dataDir], { onLine: (line) => steps.push(line) })
 * await worker.kill('SIGTERM')
 * assert.equal(worker.exit?.code, 0, worker.outputReport().join('\n'))
 */
export class ChildWorker {
  readonly lines: string[] = []
  /** When its last line arrived. */
  lastLineAt: number | undefined
  stderr = ''
  exit: ChildExit | undefined
  /** Resolves once it ended and its stdout and stderr are closed. */
  readonly exited: Promise<ChildExit>
  private readonly child: ChildProcess
  private partial = ''

  constructor(script: string, args: readonly string[], options: ChildWorkerOptions = {}) {
    const { onLine, watch, stdin = 'pipe' } = options
    this.child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: REPO_ROOT, stdio: [stdin, 'pipe', 'pipe'] })
    // Piped just above: never null.
    const stdout = this.child.stdout!
    const stderr = this.child.stderr!
    stdout.setEncoding('utf8')
    stdout.on('data', (chunk: string) => {
      const parts = (this.partial + chunk).split('\n')
      this.partial = parts.pop()!
      const at = Date.now()
      for (const line of parts) {
        this.lines.push(line)
        this.lastLineAt = at
        onLine?.(line, at)
      }
      watch?.notify()
    })
    stderr.setEncoding('utf8')
    stderr.on('data', (chunk: string) => (this.stderr += chunk))
    // A failed spawn is reported here, then closes like any ending (code -2 for ENOENT).
    this.child.on('error', (err) => (this.stderr += `spawn error: ${err.message}\n`))
    this.exited = new Promise((resolve) => {
      this.child.on('close', (code, signal) => {
        this.exit = { code, signal }
        watch?.notify()
        resolve(this.exit)
      })
    })
  }

  /** Sends `signal` unless it has ended already; resolves once it has. */
  kill(signal: NodeJS.Signals): Promise<ChildExit> {
    if (!this.exit) this.child.kill(signal)
    return this.exited
  }

  /** The end of what it printed, and all of its stderr, indented for a failure's report. */
  outputReport(lastLines = 8): string[] {
    return [
      '  last lines:',
      ...this.lines.slice(-lastLines).map((line) => `    ${line}`),
      '  stderr:',
      ...(this.stderr.trim() === '' ? ['    (empty)'] : this.stderr.trimEnd().split('\n').map((line) => `    ${line}`)),
    ]
  }
}

/**
 * A line of a worker that prints one JSON object a line (`printJson`), or
 * undefined when the line is not one. `T` should make every field optional:
 * the caller checks the fields it needs.
 *
 * @example
 * const message = parseJsonLine<{ type?: string; id?: number }>(line)
 * if (!message) problems.push(`not JSON: ${line}`)
 */
export function parseJsonLine<T extends object>(line: string): T | undefined {
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch {
    return undefined
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as T) : undefined
}

/** When a worker run (`runChildWorker`) is SIGKILLed. */
export interface KillPlan {
  /** The countdown starts at the first line this accepts. */
  after: (line: string) => boolean
  /** How long after that line; without a delay, at once, in the same turn that read the line. */
  delayMs?: number
}

export interface ChildWorkerRunOptions {
  kill?: KillPlan
  /** SIGKILLs a worker still running after this long (then `killedByPlan` is false). */
  watchdogMs?: number
}

export interface ChildWorkerRun {
  lines: string[]
  exit: ChildExit
  stderr: string
  /** Whether the plan sent a SIGKILL (the worker may have ended by itself just before it landed: see `exit`). */
  killedByPlan: boolean
}

/**
 * Runs a worker to its end, its stdin closed: its own exit, the plan's
 * SIGKILL or the watchdog's. Never rejects: the caller judges the ending.
 *
 * @example
 * const run = await runChildWorker(SCRIPT, [dataDir], { kill: { after: (line) => line === 'ready', delayMs: 50 }, watchdogMs: 30_000 })
 * assert.ok(run.killedByPlan && run.exit.signal === 'SIGKILL', run.stderr)
 */
export async function runChildWorker(script: string, args: readonly string[], options: ChildWorkerRunOptions = {}): Promise<ChildWorkerRun> {
  const { kill: plan, watchdogMs } = options
  let triggered = false
  let killedByPlan = false
  let countdown: NodeJS.Timeout | undefined
  const killByPlan = (): void => {
    killedByPlan = true
    void worker.kill('SIGKILL')
  }
  const worker = new ChildWorker(script, args, {
    stdin: 'ignore',
    onLine: (line) => {
      if (!plan || triggered || !plan.after(line)) return
      triggered = true
      if (plan.delayMs === undefined) killByPlan()
      else countdown = setTimeout(killByPlan, plan.delayMs)
    },
  })
  const watchdog = watchdogMs === undefined ? undefined : setTimeout(() => void worker.kill('SIGKILL'), watchdogMs)
  const exit = await worker.exited
  clearTimeout(watchdog)
  clearTimeout(countdown)
  return { lines: worker.lines, exit, stderr: worker.stderr, killedByPlan }
}
