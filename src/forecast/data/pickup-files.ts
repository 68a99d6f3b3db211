import { ImportMeter, type ImportProgress } from './import-progress.js'
import { PICKUP_REJECT_REASONS, pickupFileFormat, readPickupFile, type PickupChunk, type RejectCounts } from './pickup-csv.js'
import { fileSize } from './text-file.js'

export interface ReadPickupFilesOptions {
  /** Called after each chunk with the progress over all files. */
  onProgress?: (progress: ImportProgress) => void
}

/**
 * Checks that every file exists and has a known pickup header, without
 * reading past the headers; the first that fails throws (KOOBER_IMPORT_IO or
 * KOOBER_IMPORT_FORMAT). Returns the files' sizes on disk.
 */
export async function checkPickupFiles(paths: readonly string[]): Promise<number[]> {
  const sizes: number[] = []
  for (const path of paths) sizes.push(await fileSize(path))
  for (const path of paths) await pickupFileFormat(path)
  return sizes
}

/**
 * The pickups of several files, one file after another, a chunk at a time.
 * Every file is checked (it exists, its header is known) before the first
 * chunk is yielded, so a bad file among many fails before anything is used.
 *
 * @example
 * ```ts
 * for await (const chunk of readPickupFiles(['apr14.csv.gz', 'may14.csv.gz'], { onProgress: (p) => console.log(p.rowsPerSecond) })) save(chunk)
 * ```
 */
export async function* readPickupFiles(paths: readonly string[], options: ReadPickupFilesOptions = {}): AsyncGenerator<PickupChunk> {
  const sizes = await checkPickupFiles(paths)
  const meter = new ImportMeter(paths, sizes)
  for (let file = 0; file < paths.length; file++) {
    for await (const chunk of readPickupFile(paths[file]!)) {
      const progress = meter.update(file, chunk.bytesRead, chunk.rows, countOf(chunk.rejected))
      yield chunk
      options.onProgress?.(progress)
    }
  }
}

/** Adds `more` into `total`. */
export function addRejects(total: RejectCounts, more: RejectCounts): void {
  for (const reason of PICKUP_REJECT_REASONS) total[reason] += more[reason]
}

/** The reasons that rejected any row, with their counts (a reason that rejected none is left out). */
export function nonZeroRejects(counts: RejectCounts): Record<string, number> {
  const out: Record<string, number> = {}
  for (const reason of PICKUP_REJECT_REASONS) if (counts[reason] > 0) out[reason] = counts[reason]
  return out
}

function countOf(counts: RejectCounts): number {
  let n = 0
  for (const reason of PICKUP_REJECT_REASONS) n += counts[reason]
  return n
}
