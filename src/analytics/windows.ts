import { kooberError } from '../errors.js'

/** A time window [start, end): event times t with start <= t < end. */
export interface Window {
  start: number
  end: number
}

/** The last event time a window holds: it fires when the watermark reaches it. */
export const maxTimestamp = (window: Window): number => window.end - 1

/** Assigns each event time to the windows it belongs to. */
export interface WindowAssigner {
  readonly kind: 'tumbling' | 'sliding' | 'session'
  /** The windows of an event time (session: the time's own proto-window, merged later). */
  assign(time: number): Window[]
}

function positive(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value <= 0) throw kooberError('KOOBER_INVALID_ARGUMENT', `${name} must be a positive whole number of ms, got ${value}`)
}

/**
 * Fixed, non-overlapping windows of `sizeMs`, aligned to the epoch (plus `offsetMs`).
 *
 * @example
 * ```ts
 * tumbling(60_000).assign(90_000) // [{ start: 60_000, end: 120_000 }]
 * ```
 */
export function tumbling(sizeMs: number, offsetMs = 0): WindowAssigner {
  positive('a tumbling window size', sizeMs)
  return {
    kind: 'tumbling',
    assign(time) {
      const start = time - mod(time - offsetMs, sizeMs)
      return [{ start, end: start + sizeMs }]
    },
  }
}

/**
 * Windows of `sizeMs` starting every `slideMs`: each time belongs to
 * size / slide of them (a 5-minute window every minute: 5).
 *
 * @example
 * ```ts
 * sliding(10_000, 2_000).assign(11_000).length // 5
 * ```
 */
export function sliding(sizeMs: number, slideMs: number, offsetMs = 0): WindowAssigner {
  positive('a sliding window size', sizeMs)
  positive('a sliding window slide', slideMs)
  if (slideMs > sizeMs) throw kooberError('KOOBER_INVALID_ARGUMENT', `a slide (${slideMs} ms) longer than the window (${sizeMs} ms) would skip events`)
  return {
    kind: 'sliding',
    assign(time) {
      const windows: Window[] = []
      const last = time - mod(time - offsetMs, slideMs)
      for (let start = last; start > time - sizeMs; start -= slideMs) windows.push({ start, end: start + sizeMs })
      return windows
    },
  }
}

/**
 * Sessions: a key's events closer than `gapMs` to each other fall in one
 * window, which ends `gapMs` after its last event.
 */
export function session(gapMs: number): WindowAssigner {
  positive('a session gap', gapMs)
  return { kind: 'session', assign: (time) => [{ start: time, end: time + gapMs }] }
}

function mod(a: number, b: number): number {
  return ((a % b) + b) % b
}
