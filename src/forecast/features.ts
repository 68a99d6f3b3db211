import { kooberError } from '../errors.js'
import type { LocalSlot } from './calendar.js'
import type { FeatureMatrix } from './types.js'

/**
 * What the feature builders hand the models: one row per (place, slot), in
 * slot-major order (every place of a slot, then the next slot), with the
 * demand that actually happened as the target.
 *
 * The two questions have a builder each: `nextFeatures` (next-features.ts)
 * and `calendarFeatures` (calendar-features.ts); this file holds what they share.
 */
export type Question = 'next' | 'calendar'

export const QUESTIONS: readonly Question[] = ['next', 'calendar']

export interface FeatureRows {
  features: FeatureMatrix
  /** The demand that happened in each row's place and slot; NaN where the data does not reach (a forecast of the future). */
  targets: Float64Array
  places: Int32Array
  /** Absolute slot numbers (slot s starts at s × SLOT_MS). */
  slots: Int32Array
}

export const SLOTS_PER_DAY = 48
export const SLOTS_PER_WEEK = 7 * SLOTS_PER_DAY

/** The columns every question shares: where in the week, day and year a slot lies (local time). */
export const CALENDAR_COLUMNS = ['day_of_week', 'is_weekend', 'slot_of_day', 'slot_of_day_sin', 'slot_of_day_cos', 'day_of_month', 'month'] as const

/** A slot's calendar as feature values, in CALENDAR_COLUMNS order. */
export function calendarValues(local: LocalSlot): number[] {
  const angle = (2 * Math.PI * local.slotOfDay) / SLOTS_PER_DAY
  return [local.dayOfWeek, isWeekend(local) ? 1 : 0, local.slotOfDay, Math.sin(angle), Math.cos(angle), local.dayOfMonth, local.month]
}

export const isWeekend = (local: LocalSlot): boolean => local.dayOfWeek === 0 || local.dayOfWeek === 6

/** A row-major matrix filled one row at a time. */
export class MatrixWriter {
  readonly data: Float64Array
  private at = 0

  constructor(
    readonly columns: readonly string[],
    readonly rows: number,
  ) {
    this.data = new Float64Array(rows * columns.length)
  }

  push(...values: number[]): void {
    for (const value of values) this.data[this.at++] = value
  }

  finish(): FeatureMatrix {
    if (this.at !== this.data.length) {
      throw kooberError('KOOBER_INVALID_ARGUMENT', `feature matrix filled with ${this.at} of ${this.data.length} values (${this.columns.length} columns × ${this.rows} rows)`)
    }
    return { rows: this.rows, columns: this.columns, data: this.data }
  }
}

/** The value of a named column in a row (for tests, baselines and charts). */
export function column(features: FeatureMatrix, name: string): Float64Array {
  const c = features.columns.indexOf(name)
  if (c < 0) throw kooberError('KOOBER_INVALID_ARGUMENT', `no feature column ${JSON.stringify(name)}; the columns are ${features.columns.join(', ')}`)
  const out = new Float64Array(features.rows)
  for (let r = 0; r < features.rows; r++) out[r] = features.data[r * features.columns.length + c]!
  return out
}
