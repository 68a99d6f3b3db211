import { readFileSync } from 'node:fs'

/**
 * Whether a process runs. A zombie (exited, not yet reaped by its parent: our
 * own detached child, until Node reaps it) counts as gone, though signal 0
 * still reaches it.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
  return processState(pid) !== 'Z'
}

/** The one-letter state from /proc/PID/stat (R, S, D, Z...), or undefined without /proc. */
function processState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name, in parentheses, may itself hold spaces and parentheses: the state follows the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3)
  } catch {
    return undefined
  }
}
