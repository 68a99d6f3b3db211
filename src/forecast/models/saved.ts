import { kooberError } from '../../errors.js'
import type { SavedModel } from '../types.js'

/**
 * Reading a saved model back: everything in it came from JSON that may be
 * corrupt, truncated or from another algorithm, so each field is checked
 * before a model is rebuilt from it, and any fault is one coded error
 * (KOOBER_FORECAST_SAVED_MODEL) rather than a crash at prediction time.
 */

export function savedModelError(algorithm: string, problem: string): Error {
  return kooberError('KOOBER_FORECAST_SAVED_MODEL', `cannot load a saved ${algorithm} model: ${problem}`)
}

/** Checks the envelope (algorithm, columns, parameters) and returns the state as a plain object. */
export function readSavedModel(saved: unknown, algorithm: string): { columns: string[]; state: Record<string, unknown> } {
  if (!isRecord(saved)) throw savedModelError(algorithm, 'it is not an object')
  const model = saved as Partial<SavedModel>
  if (model.algorithm !== algorithm) throw savedModelError(algorithm, `it is a model of algorithm ${JSON.stringify(model.algorithm)}`)
  const columns = model.columns
  if (!Array.isArray(columns) || columns.some((name) => typeof name !== 'string')) throw savedModelError(algorithm, 'its columns are not a list of names')
  if (new Set(columns).size !== columns.length) throw savedModelError(algorithm, 'its columns repeat a name')
  if (!isRecord(model.parameters)) throw savedModelError(algorithm, 'its parameters are not an object')
  if (!isRecord(model.state)) throw savedModelError(algorithm, 'its state is not an object')
  return { columns: [...columns], state: model.state }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A finite number field. */
export function readNumber(state: Record<string, unknown>, field: string, algorithm: string): number {
  const value = state[field]
  if (typeof value !== 'number' || !Number.isFinite(value)) throw savedModelError(algorithm, `${field} is not a finite number`)
  return value
}

/** An array of finite numbers, of the given length when one is given. */
export function readNumbers(state: Record<string, unknown>, field: string, algorithm: string, length?: number): Float64Array {
  const value = state[field]
  if (!Array.isArray(value)) throw savedModelError(algorithm, `${field} is not a list of numbers`)
  if (length !== undefined && value.length !== length) throw savedModelError(algorithm, `${field} has ${value.length} values for ${length} columns`)
  const out = new Float64Array(value.length)
  for (let i = 0; i < value.length; i++) {
    const x: unknown = value[i]
    if (typeof x !== 'number' || !Number.isFinite(x)) throw savedModelError(algorithm, `${field}[${i}] is not a finite number`)
    out[i] = x
  }
  return out
}

/** A typed array as a plain JSON list (JSON.stringify writes typed arrays as objects). */
export function plainNumbers(values: ArrayLike<number>): number[] {
  return Array.from(values)
}
