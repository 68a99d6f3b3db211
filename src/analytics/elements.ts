/**
 * What flows between the analytics operators: records with their event
 * time, watermarks, and processing-time ticks. Operators pass on what they
 * do not handle, in order, so a watermark never overtakes the records
 * before it (Flink's stream elements, on the streams DSL).
 */
export type Element<T> =
  | { kind: 'record'; value: T; time: number }
  /** No record with a time at or before `time` is expected any more (except late ones). */
  | { kind: 'watermark'; time: number }
  /** Processing time moved on (for idleness and early firings). */
  | { kind: 'tick'; now: number }
  /** A record too late for every window it belongs to: the side output, never silently dropped. */
  | { kind: 'late'; value: unknown; time: number }
  /**
   * A checkpoint barrier (Chandy-Lamport, as Flink's): every stateful operator
   * saves its state into it as it passes, after every element before it and
   * before any after it; the sink saves it whole once what came before is written.
   */
  | { kind: 'barrier'; checkpoint: Checkpoint }

/** The state of a job at one point of its input: operator states by name, and the source positions they reflect. */
export interface Checkpoint {
  id: number
  /** The next offset to read, per source partition. */
  offsets: Array<{ topic: string; partition: number; offset: number }>
  /** Each stateful operator's snapshot, by its name (JSON). */
  states: Record<string, unknown>
}

/** The watermark that ends a bounded input: every window fires. */
export const END_OF_TIME = Number.MAX_SAFE_INTEGER

export const record = <T>(value: T, time: number): Element<T> => ({ kind: 'record', value, time })
export const watermark = (time: number): Element<never> => ({ kind: 'watermark', time })

/**
 * A copy of an operator's state as it is now, for a barrier: the checkpoint
 * is written later, after the operator may have gone on changing the
 * objects it keeps (an accumulator updated in place).
 */
export const snapshotOf = (state: unknown): unknown => JSON.parse(JSON.stringify(state)) as unknown
