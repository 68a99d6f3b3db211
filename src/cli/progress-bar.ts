/** Where a long job is: the share done, rows so far and their rate, and what it is working on. */
export interface ProgressState {
  /** 0 to 1. */
  fraction: number
  rows: number
  rowsPerSecond: number
  /** Said after the numbers, e.g. `12.3 of 40.0 MB` or the file being read. */
  detail?: string
}

const WIDTH = 24
/** Redraws at most this often: a terminal repainted for every chunk costs more than it shows. */
const REDRAW_MS = 150

/**
 * A one-line progress bar on a terminal (standard error by default):
 * `[#########···············]  38%  152,000 rows  201,000 rows/s  ~2 s left  apr14.csv.gz`.
 * On anything but a terminal (a file, a pipe, a test) it draws nothing, so
 * logs hold only the final line `done` writes.
 *
 * @example
 * ```ts
 * const bar = new ProgressBar()
 * bar.update({ fraction: 0.5, rows: 1000, rowsPerSecond: 2000 })
 * bar.done('imported 2,000 rows')
 * ```
 */
export class ProgressBar {
  private readonly started = performance.now()
  private lastDrawn = -Infinity
  private drawn = false

  constructor(private readonly out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number } = process.stderr) {}

  update(state: ProgressState): void {
    if (!this.out.isTTY) return
    const now = performance.now()
    if (now - this.lastDrawn < REDRAW_MS) return
    this.lastDrawn = now
    this.drawn = true
    this.out.write(`\r${fitToWidth(progressLine(state, (now - this.started) / 1000), this.out.columns)}\x1b[K`)
  }

  /** Clears the bar and writes the final line. */
  done(line: string): void {
    if (this.drawn) this.out.write('\r\x1b[K')
    this.out.write(`${line}\n`)
  }
}

/** The text of the bar (exported for tests). */
export function progressLine(state: ProgressState, elapsedSeconds: number): string {
  const fraction = Math.min(1, Math.max(0, state.fraction))
  const filled = Math.round(fraction * WIDTH)
  const left = fraction > 0 ? (elapsedSeconds * (1 - fraction)) / fraction : Number.NaN
  const parts = [
    `[${'#'.repeat(filled)}${'·'.repeat(WIDTH - filled)}]`,
    `${String(Math.floor(fraction * 100)).padStart(3)}%`,
    `${state.rows.toLocaleString('en-US')} rows`,
    `${state.rowsPerSecond.toLocaleString('en-US')} rows/s`,
    Number.isFinite(left) ? `~${formatSeconds(left)} left` : '',
    state.detail ?? '',
  ]
  return parts.filter((p) => p.length > 0).join('  ')
}

function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)} s`
  const minutes = Math.floor(seconds / 60)
  return minutes < 60 ? `${minutes} min ${Math.ceil(seconds % 60)} s` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`
}

function fitToWidth(line: string, columns: number | undefined): string {
  return columns && line.length >= columns ? line.slice(0, columns - 1) : line
}
