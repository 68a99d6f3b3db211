import { kooberError } from '../../errors.js'
import type { Pickup } from '../types.js'
import { splitCsvLine } from './csv-fields.js'
import { parseNewYorkTimestamp } from './local-timestamp.js'
import { inNewYorkCity } from './nyc-bounds.js'
import { detectPickupFormat, type PickupColumns } from './pickup-formats.js'
import { readHeader, readLines } from './text-file.js'

/** Why a row of a pickup file was left out. */
export type PickupRejectReason = 'short-row' | 'bad-time' | 'bad-coordinates' | 'outside-city'

export const PICKUP_REJECT_REASONS: readonly PickupRejectReason[] = ['short-row', 'bad-time', 'bad-coordinates', 'outside-city']

export type RejectCounts = Record<PickupRejectReason, number>

export function noRejects(): RejectCounts {
  return { 'short-row': 0, 'bad-time': 0, 'bad-coordinates': 0, 'outside-city': 0 }
}

/** The pickups of a run of lines of one file. */
export interface PickupChunk {
  path: string
  pickups: Pickup[]
  /** The file line (1-based) of each pickup: with the file, an identity that stays the same when the file is read again. */
  lines: number[]
  /** Data rows in this chunk, kept or rejected (blank lines are not rows). */
  rows: number
  /** This chunk's rejected rows by reason. */
  rejected: RejectCounts
  /** Bytes of the file on disk read so far, of `totalBytes`. */
  bytesRead: number
  totalBytes: number
}

/**
 * The format of a pickup file, from its header; a file without a header or
 * with one of no known format is KOOBER_IMPORT_FORMAT, a missing or unreadable
 * one KOOBER_IMPORT_IO. Reads only the start of the file.
 */
export async function pickupFileFormat(path: string): Promise<PickupColumns> {
  const found = await readHeader(path)
  if (!found) throw kooberError('KOOBER_IMPORT_FORMAT', `${path} is empty: a pickup file starts with a header line`)
  return detectPickupFormat(found.header, path)
}

/**
 * The pickups of one file (plain or gzip, any format of PICKUP_FORMATS), a
 * chunk at a time, in file order. Times are read as New York local time.
 * Rows that cannot be read, or lie outside NYC_BOUNDS, are counted by reason
 * in each chunk's `rejected`, never thrown; only a file that cannot be read
 * or has an unknown header is an error.
 *
 * @example
 * ```ts
 * for await (const chunk of readPickupFile('uber-raw-data-apr14.csv.gz')) store(chunk.pickups)
 * ```
 */
export async function* readPickupFile(path: string): AsyncGenerator<PickupChunk> {
  let columns: PickupColumns | undefined
  const fields: string[] = []
  for await (const { lines, firstLine, bytesRead, totalBytes } of readLines(path)) {
    const pickups: Pickup[] = []
    const numbers: number[] = []
    const rejected = noRejects()
    let rows = 0
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!
      if (line.length === 0 || (line.charCodeAt(0) <= 32 && line.trim().length === 0)) continue
      if (!columns) {
        columns = detectPickupFormat(line, path)
        continue
      }
      rows++
      if (splitCsvLine(line, fields, columns.width) < columns.width) {
        rejected['short-row']++
        continue
      }
      const time = parseNewYorkTimestamp(fields[columns.time]!)
      if (Number.isNaN(time)) {
        rejected['bad-time']++
        continue
      }
      const lat = parseCoordinate(fields[columns.lat]!)
      const lng = parseCoordinate(fields[columns.lng]!)
      if (!(lat >= -90 && lat <= 90 && lng >= -180 && lng <= 180)) {
        rejected['bad-coordinates']++
        continue
      }
      if (!inNewYorkCity(lat, lng)) {
        rejected['outside-city']++
        continue
      }
      pickups.push({ time, lat, lng })
      numbers.push(firstLine + i)
    }
    if (rows > 0 || pickups.length > 0) yield { path, pickups, lines: numbers, rows, rejected, bytesRead, totalBytes }
  }
  if (!columns) throw kooberError('KOOBER_IMPORT_FORMAT', `${path} is empty: a pickup file starts with a header line`)
}

/** A decimal degree, or NaN; Number() alone would read an empty or blank field as 0. */
function parseCoordinate(text: string): number {
  const value = Number(text)
  if (value === 0 && !/\d/.test(text)) return Number.NaN
  return value
}
