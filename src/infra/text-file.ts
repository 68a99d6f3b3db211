import { readFileSync } from 'node:fs'

/**
 * A file's text, or undefined when it cannot be read: for the files an
 * earlier run may or may not have left (a pid file, a generated config, a
 * JDK's `release`), whose absence is an answer, not an error.
 */
export function readTextFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return undefined
  }
}
