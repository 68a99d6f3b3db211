import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { readLines } from '../text-file.js'

/*
 * Small fixtures cut at run time from the shared New York data (never copied
 * into the repository: see ../shared/data/nyc/SOURCES.md), and written in the
 * same formats into a test's temporary directory.
 */

/** The shared data, beside the project (`../shared/data/nyc/`), or KOOBER_NYC_DATA. */
export const NYC_DATA = process.env.KOOBER_NYC_DATA ?? fileURLToPath(new URL('../../../../../shared/data/nyc/', import.meta.url))

export const UBER_APRIL = join(NYC_DATA, 'uber-pickups-2014-04-01_23.csv.gz')
export const UBER_SEPTEMBER_SAMPLE = join(NYC_DATA, 'uber-pickups-2014-09-sample-10k.csv')
export const WEATHER_DAILY = join(NYC_DATA, 'central-park-weather-daily.csv')
export const WEATHER_HOURLY = join(NYC_DATA, 'nyc-weather-hourly-utc.csv')

/** A reason to skip a test when the shared data is not on this machine, or false. */
export const withoutNycData: string | false = existsSync(UBER_APRIL) ? false : `the shared New York data is not at ${NYC_DATA} (set KOOBER_NYC_DATA)`

/** The first `count` lines of a file (plain or gzip). */
export async function headLines(path: string, count: number): Promise<string[]> {
  const out: string[] = []
  for await (const { lines } of readLines(path)) {
    for (const line of lines) {
      if (out.length === count) return out
      out.push(line)
    }
  }
  return out
}

/** Writes lines as a file in `dir`, gzip-compressed if asked (whatever its name says), and returns its path. */
export function writeLines(dir: string, name: string, lines: readonly string[], options: { gzip?: boolean; crlf?: boolean } = {}): string {
  const path = join(dir, name)
  const text = lines.join(options.crlf ? '\r\n' : '\n') + (options.crlf ? '\r\n' : '\n')
  writeFileSync(path, options.gzip ? gzipSync(text) : text)
  return path
}
