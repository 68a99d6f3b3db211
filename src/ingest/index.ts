/** Micro-batches from the log into the store, offsets committed after the write (the Spark Streaming role). */
export { runMicroBatches, type BatchReport, type IngestTotals, type MicroBatchOptions, type TableRow } from './micro-batch.js'
