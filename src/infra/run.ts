import { spawn } from 'node:child_process'

export interface RunResult {
  /** The exit code, or null when a signal (or our timeout) ended the command. */
  code: number | null
  stdout: string
  stderr: string
}

export interface RunOptions {
  cwd?: string
  env?: NodeJS.ProcessEnv
  /** Kill the command (SIGKILL) after this long; the result then has `timedOut`. */
  timeoutMs?: number
  /** Each complete line of standard output and standard error, as it arrives. */
  onLine?: (line: string) => void
}

/**
 * Runs a command to its end and collects its output. Resolves whatever the
 * exit code; rejects only when the command cannot be started (ENOENT: not on
 * PATH), so callers can tell "missing" from "failed".
 */
export function runCommand(command: string, args: string[], options: RunOptions = {}): Promise<RunResult & { timedOut: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    let timedOut = false
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true
            child.kill('SIGKILL')
          }, options.timeoutMs)
    const lines = lineSplitter(options.onLine)
    child.stdout.setEncoding('utf8')
    child.stderr.setEncoding('utf8')
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk
      lines.out(chunk)
    })
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk
      lines.err(chunk)
    })
    child.on('error', (err) => {
      clearTimeout(timer)
      reject(err)
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      lines.flush()
      resolve({ code, stdout, stderr, timedOut })
    })
  })
}

/** Cuts two streams into lines separately, so a line of one never swallows the other's half line. */
function lineSplitter(onLine: ((line: string) => void) | undefined): { out: (s: string) => void; err: (s: string) => void; flush: () => void } {
  const partial = { out: '', err: '' }
  const feed = (which: 'out' | 'err', chunk: string): void => {
    if (onLine === undefined) return
    const parts = (partial[which] + chunk).split(/\r?\n/)
    partial[which] = parts.pop()!
    for (const line of parts) onLine(line)
  }
  return {
    out: (s) => feed('out', s),
    err: (s) => feed('err', s),
    flush: () => {
      for (const which of ['out', 'err'] as const) if (partial[which] !== '') onLine?.(partial[which])
    },
  }
}

/** Removes terminal colour codes (Maven prints them even to a pipe in some setups). */
export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, '')
}

/** The last `count` non-empty lines of a text, for error messages. */
export function lastLines(text: string, count: number): string {
  return text
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '')
    .slice(-count)
    .join('\n')
}
