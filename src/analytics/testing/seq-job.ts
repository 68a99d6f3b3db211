import type { TableSchema } from '../../store/index.js'

/** A record of the `seq` topic: the `seq`-th number of `key`, at event time `time`. */
export interface SeqEvent {
  key: string
  seq: number
  time: number
}

export const RESULTS_TABLE: TableSchema = {
  name: 'seq_windows',
  columns: { id: 'text', key: 'text', start: 'bigint', n: 'int', total: 'bigint', low: 'bigint', high: 'bigint' },
  partitionKey: ['id'],
}
