import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/*
 * The `koober` command as the CLI tests run it: a child process of
 * src/cli/main.ts under tsx, its output decoded as UTF-8 streams (a chunk may
 * end inside a multi-byte character).
 */

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url))

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

export interface CliOptions {
  /** Variables added to the environment. */
  env?: Record<string, string>
  /** Runs on SQLite and the embedded log, whatever KOOBER_KAFKA and KOOBER_CASSANDRA say. */
  local?: boolean
  /** Standard input (default: empty). */
  input?: string
}

export function spawnCli(args: string[], options: CliOptions = {}): ChildProcessWithoutNullStreams {
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env }
  if (options.local) {
    delete env.KOOBER_CASSANDRA
    delete env.KOOBER_KAFKA
  }
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { env })
  child.stdout.setEncoding('utf8')
  child.stderr.setEncoding('utf8')
  return child
}

/** Runs the command to its end. */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawnCli(args, options)
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: string) => (stdout += d))
    child.stderr.on('data', (d: string) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
    child.stdin.end(options.input ?? '')
  })
}
