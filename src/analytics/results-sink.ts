import { Sink } from '../streams/index.js'
import type { Checkpoint, Element } from './elements.js'
import type { LogJobOptions, LogJobTotals } from './log-job.js'

/**
 * A log job's sink: results written a chunk at a time, late records told to
 * `onLate`; at a barrier, everything before it is written first, then
 * `atBarrier` saves the checkpoint (and commits), so a saved checkpoint never
 * runs ahead of the results it implies.
 */
export function resultsSink<T, Out>(options: LogJobOptions<T, Out>, totals: LogJobTotals, atBarrier: (checkpoint: Checkpoint) => Promise<void>): Sink<Element<Out>, void> {
  return Sink.forEachChunk(async (chunk: readonly Element<Out>[]) => {
    let pending: Out[] = []
    const flush = async (): Promise<void> => {
      if (pending.length === 0) return
      const batch = pending
      pending = []
      await options.write(batch)
      totals.results += batch.length
    }
    for (const element of chunk) {
      if (element.kind === 'record') pending.push(element.value)
      else if (element.kind === 'late') {
        totals.late++
        options.onLate?.(element.value, element.time)
      } else if (element.kind === 'barrier') {
        await flush()
        await atBarrier(element.checkpoint)
      }
    }
    await flush()
  })
}
