import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs'

/**
 * The last `lines` lines of a file, read from its end (a broker log may be
 * megabytes long); '' when the file does not exist. With `from`, only what was
 * written after that byte offset (this run's lines, not the last run's),
 * unless the file has since shrunk (rolled over).
 */
export function tailFile(path: string, lines: number, from = 0, maxBytes = 64 * 1024): string {
  let fd: number
  try {
    fd = openSync(path, 'r')
  } catch {
    return ''
  }
  try {
    const size = fstatSync(fd).size
    const start = from <= size ? from : 0
    const length = Math.min(size - start, maxBytes)
    const buf = Buffer.alloc(length)
    readSync(fd, buf, 0, length, size - length)
    const text = buf.toString('utf8').split(/\r?\n/)
    if (length < size) text.shift() // the first line was cut by the window
    return text
      .filter((l) => l.trim() !== '')
      .slice(-lines)
      .join('\n')
  } finally {
    closeSync(fd)
  }
}

/** The size of a file, 0 when it does not exist: the `from` of a later `tailFile`. */
export function fileSize(path: string): number {
  try {
    return statSync(path).size
  } catch {
    return 0
  }
}

/**
 * Several files' tails under their names, for an error message; files that
 * are empty or missing are left out. Each line is cut short: Cassandra logs
 * its whole configuration, classpath and JVM arguments as single lines of
 * 5-15 kB each at start, which would drown the message. `writer` names who
 * wrote none: "(the broker wrote no log)".
 */
export function describeTails(files: Array<{ path: string; lines: number; from?: number }>, writer = 'server'): string {
  const parts = files.map(({ path, lines, from }) => ({ path, tail: tailFile(path, lines, from) })).filter((p) => p.tail !== '')
  if (parts.length === 0) return `(the ${writer} wrote no log)`
  const clipped = (tail: string): string =>
    tail
      .split('\n')
      .map((l) => clipLine(l, 400))
      .join('\n')
  return parts.map((p) => `--- last lines of ${p.path} ---\n${clipped(p.tail)}`).join('\n')
}

/** A line cut to `max` characters, saying how much was left out. */
export function clipLine(line: string, max: number): string {
  return line.length > max ? `${line.slice(0, max)}... (${line.length - max} more characters)` : line
}
