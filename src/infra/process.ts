import { spawn } from 'node:child_process'
import { closeSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { isAlive } from '../system/process-alive.js'
import { readTextFile } from './text-file.js'

/**
 * Pid files and the liveness of processes we did not necessarily start (a
 * broker launched by an earlier `koober` run outlives it), which is why this
 * works from pids and /proc rather than from ChildProcess objects.
 */

/** The pid in a pid file, or undefined when there is none or it is unreadable. */
export function readPidFile(path: string): number | undefined {
  const text = readTextFile(path)
  if (text === undefined) return undefined
  const pid = Number.parseInt(text.trim(), 10)
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined
}

/** Writes the pid file whole (temporary file, then rename), so a reader never sees half a number. */
export function writePidFile(path: string, pid: number): void {
  const tmp = `${path}.${process.pid}.tmp`
  writeFileSync(tmp, `${pid}\n`)
  renameSync(tmp, path)
}

export function removePidFile(path: string): void {
  rmSync(path, { force: true })
}

/**
 * The arguments a process was started with, from /proc; undefined when the
 * platform has no /proc (then callers trust the pid file alone).
 */
export function commandLineOf(pid: number): string[] | undefined {
  return readTextFile(`/proc/${pid}/cmdline`)
    ?.split('\0')
    .filter((a) => a !== '')
}

/** Polls until the process is gone; resolves false if it still runs after `timeoutMs`. */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (isAlive(pid)) {
    if (Date.now() >= deadline) return false
    await sleep(100)
  }
  return true
}

/**
 * Starts a process that outlives us: its own session (no SIGINT from our
 * terminal's Ctrl-C, no SIGHUP when it closes), standard output and error
 * appended to `logFile`, and not counted by our event loop.
 */
export async function spawnDetached(command: string, args: string[], options: { cwd: string; logFile: string; env?: NodeJS.ProcessEnv }): Promise<number> {
  const fd = openSync(options.logFile, 'a')
  try {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, detached: true, stdio: ['ignore', fd, fd] })
    // A failed spawn (ENOENT) reports asynchronously: wait for 'spawn' or 'error'.
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve)
      child.once('error', reject)
    })
    child.unref()
    return child.pid!
  } finally {
    closeSync(fd)
  }
}

/** Sends a signal; false when the process is already gone. */
export function signalProcess(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal)
    return true
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false
    throw err
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

export { isAlive }
