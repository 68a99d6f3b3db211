import { readFileSync } from 'node:fs'

/**
 * This process's soft limit on open files (`ulimit -n`), read from
 * /proc/self/limits; undefined where that file does not exist (not Linux) or
 * says "unlimited". Every socket is a file: thousands of simulated people
 * need a limit above the common default of 1024.
 *
 * @example
 * ```ts
 * const limit = openFileLimit()
 * if (limit !== undefined && limit < sockets + 100) console.error(`raise it: ulimit -n ${sockets + 100}`)
 * ```
 */
export function openFileLimit(): number | undefined {
  let text: string
  try {
    text = readFileSync('/proc/self/limits', 'utf8')
  } catch {
    return undefined
  }
  const match = /^Max open files\s+(\d+|unlimited)/m.exec(text)
  return match?.[1] === undefined || match[1] === 'unlimited' ? undefined : Number(match[1])
}
