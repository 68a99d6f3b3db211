/** How far an import of files has come, across all of its files. */
export interface ImportProgress {
  /** The file being read, and its place among the files (0-based). */
  path: string
  file: number
  files: number
  /** Bytes on disk read so far over all files (compressed bytes for gzip), of `totalBytes`. */
  bytesRead: number
  totalBytes: number
  /** Data rows read so far, kept or rejected. */
  rows: number
  rejected: number
  elapsedMs: number
  rowsPerSecond: number
}

/**
 * Adds up the progress of files read one after another: each reports how far
 * into itself it is, the meter turns that into totals and a rate.
 *
 * @example
 * ```ts
 * const meter = new ImportMeter(['a.csv', 'b.csv'], [1000, 2000])
 * meter.update(0, 500, 10, 1) // { bytesRead: 500, totalBytes: 3000, rows: 10, rejected: 1, ... }
 * ```
 */
export class ImportMeter {
  private readonly started = performance.now()
  private readonly totalBytes: number
  private readonly sizeBefore: number[]
  private rows = 0
  private rejected = 0

  constructor(
    private readonly paths: readonly string[],
    sizes: readonly number[],
  ) {
    this.sizeBefore = sizes.map((_, i) => sizes.slice(0, i).reduce((a, b) => a + b, 0))
    this.totalBytes = sizes.reduce((a, b) => a + b, 0)
  }

  /** Counts a chunk of file `file`, read up to `bytesRead` bytes into that file. */
  update(file: number, bytesRead: number, rows: number, rejected: number): ImportProgress {
    this.rows += rows
    this.rejected += rejected
    const elapsedMs = performance.now() - this.started
    return {
      path: this.paths[file]!,
      file,
      files: this.paths.length,
      bytesRead: this.sizeBefore[file]! + bytesRead,
      totalBytes: this.totalBytes,
      rows: this.rows,
      rejected: this.rejected,
      elapsedMs,
      rowsPerSecond: elapsedMs > 0 ? Math.round((this.rows * 1000) / elapsedMs) : 0,
    }
  }
}
