/**
 * The worker's side of a multi-process test (the test's side is
 * ./child-worker.ts): how a worker script runs its work, reports it on stdout
 * and stops when the test is gone.
 *
 * Exit codes: 2 the work failed (on stderr, with its causes), 3 it outlived
 * `maxLifetimeMs`, 4 its stdin ended, 5 its stdout broke.
 */
import { inspect } from 'node:util'

export interface WorkerOptions {
  /** A worker the test forgot to kill exits by itself after this long. */
  maxLifetimeMs: number
  /**
   * Exits when its stdin ends or its stdout breaks: the test that holds them
   * died. For workers the test spawns with stdin `pipe` (ChildWorker's default).
   */
  followParent?: boolean
}

/**
 * Runs `main` as the worker's work; a failure is written to stderr, as
 * `<name> failed: ...`, and the worker exits 2.
 *
 * @example
 * runWorker('group-member', { maxLifetimeMs: 120_000, followParent: true }, async () => {
 *   printLine('ready')
 * })
 */
export function runWorker(name: string, options: WorkerOptions, main: () => Promise<void>): void {
  setTimeout(() => process.exit(3), options.maxLifetimeMs).unref()
  if (options.followParent) {
    process.stdin.on('end', () => process.exit(4))
    process.stdin.resume()
    process.stdout.on('error', () => process.exit(5))
  }
  main().catch((err: unknown) => {
    // With its causes: a client's error often says what the server answered only there.
    process.stderr.write(`${name} failed: ${inspect(err, { depth: 8 })}\n`)
    process.exit(2)
  })
}

/**
 * Prints lines on stdout in one write. Synchronous (stdout is a pipe, and
 * pipes are written synchronously on Linux): they are out before the next
 * step, so a kill after it cannot lose them.
 */
export function printLines(lines: readonly string[]): void {
  if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`)
}

/** Prints one line (see `printLines`). */
export function printLine(line: string): void {
  printLines([line])
}

/** Prints an object as one JSON line, which the test reads with `parseJsonLine`. */
export function printJson(message: object): void {
  printLine(JSON.stringify(message))
}
