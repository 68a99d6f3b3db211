import type { Store, TableSchema } from '../../store/index.js'
import { combine, count, max, min, sum } from '../aggregates.js'
import type { JobContext } from '../log-job.js'
import { windowAggregate, type WindowResult } from '../window-operator.js'
import { withWatermarks, type Barrier, type Tick } from '../watermarks.js'
import { tumbling } from '../windows.js'
import type { Source } from '../../streams/index.js'
import type { Element } from '../elements.js'

/*
 * The job of the exactly-once tests: per-key sequence numbers counted,
 * summed and bounded per key in 1 s event-time windows. A number missing or
 * counted twice shows in its window's figures.
 */

/** A record of the `seq` topic: the `seq`-th number of `key`, at event time `time`. */
export interface SeqEvent {
  key: string
  seq: number
  time: number
}

/** A decoded record with its source partition. */
export type SeqInput = SeqEvent & { p: string }

export interface SeqWindow {
  n: number
  total: number
  low: number
  high: number
}

export const RESULTS_TABLE: TableSchema = {
  name: 'seq_windows',
  columns: { id: 'text', key: 'text', start: 'bigint', n: 'int', total: 'bigint', low: 'bigint', high: 'bigint' },
  partitionKey: ['id'],
}

const stats = combine({ n: count<SeqInput>(), total: sum((e: SeqInput) => e.seq), low: min((e: SeqInput) => e.seq), high: max((e: SeqInput) => e.seq) })

/** A window's figures as the job emits them (a window always has a record, so low and high are numbers). */
export type SeqResult = WindowResult<string, { n: number; total: number; low: number | null; high: number | null }>

/** The dataflow: watermarks per source partition (no out-of-orderness: each key's times rise), then the windows. */
export function seqJob(input: Source<SeqInput | Tick | Barrier>, { restored, partitions }: JobContext, bounded: boolean): Source<Element<SeqResult>> {
  return input
    .via(withWatermarks<SeqInput>({ name: 'watermarks', restored: restored.watermarks, time: (e) => e.time, partition: (e) => e.p, expectPartitions: partitions, maxOutOfOrdernessMs: 0, atEnd: bounded ? 'flush' : 'hold' }))
    .via(windowAggregate({ name: 'windows', restored: restored.windows, key: (e: SeqInput) => e.key, window: tumbling(1000), aggregate: stats }))
}

export async function writeSeqResults(store: Store, results: SeqResult[]): Promise<void> {
  await store.upsert(RESULTS_TABLE.name, results.map((r) => ({ id: r.id, key: r.key, start: r.window.start, ...r.value })))
}

/** The results of a run without failures, computed directly. */
export function expectedWindows(events: SeqEvent[]): Map<string, SeqWindow> {
  const want = new Map<string, SeqWindow>()
  for (const e of events) {
    const start = e.time - (e.time % 1000)
    const id = `${e.key}@${start}-${start + 1000}`
    const w = want.get(id) ?? { n: 0, total: 0, low: Infinity, high: -Infinity }
    w.n++
    w.total += e.seq
    w.low = Math.min(w.low, e.seq)
    w.high = Math.max(w.high, e.seq)
    want.set(id, w)
  }
  return want
}

export async function readWindows(store: Store): Promise<Map<string, SeqWindow>> {
  const got = new Map<string, SeqWindow>()
  for (let page: string | undefined, first = true; first || page; first = false) {
    const result = await store.scan(RESULTS_TABLE.name, { limit: 1000, ...(page ? { page } : {}) })
    for (const row of result.rows) got.set(row.id as string, { n: row.n as number, total: row.total as number, low: row.low as number, high: row.high as number })
    page = result.nextPage
  }
  return got
}
