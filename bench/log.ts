/**
 * The embedded log's append and consume throughput, beside a baseline measured
 * in the same run on the same disk: plain `fs.writeSync` of the same bytes in
 * the same batches with one `fdatasync` per batch, and a read of that file back.
 *
 *   npm run bench:log [-- --quick] [--records N] [--batch N] [--dir DIR]
 *
 * Prints progress, then as its last line one JSON object with the figures.
 */
import { closeSync, fdatasyncSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { openEmbeddedLog, type ProducerRecord } from '../src/log/index.js'

const RECORD_BYTES = 100

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    records: { type: 'string' },
    batch: { type: 'string', default: '10000' },
    dir: { type: 'string' },
  },
})
const totalRecords = Number(args.records ?? (args.quick ? 2_000_000 : 10_000_000))
const batchSize = Number(args.batch)
if (!Number.isSafeInteger(totalRecords) || totalRecords <= 0 || !Number.isSafeInteger(batchSize) || batchSize <= 0) {
  console.error('--records and --batch take positive integers')
  process.exit(2)
}
const batches = Math.ceil(totalRecords / batchSize)
const root = mkdtempSync(join(args.dir ?? tmpdir(), 'koober-bench-log-'))

function rate(records: number, startNs: bigint): number {
  return Math.round(records / (Number(process.hrtime.bigint() - startNs) / 1e9))
}

/** The same 100-byte payloads for both sides, varied so nothing compresses or dedupes. */
function payload(i: number): Buffer {
  const b = Buffer.alloc(RECORD_BYTES, 0x61 + (i % 26))
  b.writeUInt32BE(i, 0)
  return b
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

/**
 * The disk of a shared machine drifts by several times within seconds, so the
 * two sides run in alternating rounds of the same size, and the figures are
 * medians over the rounds; the ratio is the median of the per-round ratios.
 */
async function run() {
  const rounds = args.quick ? 5 : 10
  const perRound = Math.ceil(batches / rounds)
  const log = await openEmbeddedLog({ dataDir: join(root, 'log') })
  await log.createTopic('bench', { partitions: 1, segmentBytes: 256 * 1024 * 1024, retentionMs: -1 })
  const template: ProducerRecord[] = Array.from({ length: batchSize }, (_, i) => ({ value: payload(i) }))
  const baselineFd = openSync(join(root, 'baseline.bin'), 'w+')
  const baselineBatch = Buffer.concat(Array.from({ length: batchSize }, (_, i) => payload(i)))
  const logRates: number[] = []
  const baselineRates: number[] = []
  const ratios: number[] = []
  let appended = 0
  let batch = 0
  for (let round = 0; round < rounds && batch < batches; round++) {
    const last = Math.min(batches, batch + perRound)
    const counts: number[] = []
    for (let b = batch; b < last; b++) counts.push(Math.min(batchSize, totalRecords - b * batchSize))
    const records = counts.reduce((a, b) => a + b, 0)
    const timeBaseline = () => {
      const start = process.hrtime.bigint()
      for (const count of counts) {
        writeSync(baselineFd, baselineBatch, 0, count * RECORD_BYTES)
        fdatasyncSync(baselineFd)
      }
      return rate(records, start)
    }
    const timeLog = async () => {
      const start = process.hrtime.bigint()
      for (const count of counts) await log.append('bench', count === batchSize ? template : template.slice(0, count))
      return rate(records, start)
    }
    let baselineRate: number
    let logRate: number
    if (round % 2 === 0) {
      baselineRate = timeBaseline()
      logRate = await timeLog()
    } else {
      logRate = await timeLog()
      baselineRate = timeBaseline()
    }
    baselineRates.push(baselineRate)
    logRates.push(logRate)
    ratios.push(logRate / baselineRate)
    appended += records
    batch = last
    process.stderr.write(`  round ${round + 1}/${rounds}: append ${logRate}/s, baseline ${baselineRate}/s\n`)
  }

  const consumeRates: number[] = []
  const readRates: number[] = []
  const chunk = Buffer.allocUnsafe(1 << 20)
  for (let round = 0; round < 3; round++) {
    const consumer = await log.consumer({ topics: ['bench'] })
    let start = process.hrtime.bigint()
    let read = 0
    let bytes = 0
    while (read < appended) {
      const records = await consumer.poll({ timeoutMs: 1000 })
      if (records.length === 0) throw new Error(`consume stalled at ${read} of ${appended} records`)
      for (const record of records) bytes += record.value.length
      read += records.length
    }
    consumeRates.push(rate(read, start))
    await consumer.close()
    if (bytes !== appended * RECORD_BYTES) throw new Error('consumed bytes do not match what was appended')
    start = process.hrtime.bigint()
    let position = 0
    while (true) {
      const n = readSync(baselineFd, chunk, 0, chunk.length, position)
      if (n === 0) break
      position += n
    }
    readRates.push(rate(position / RECORD_BYTES, start))
    process.stderr.write(`  consume pass ${round + 1}/3: ${consumeRates[round]}/s, baseline read ${readRates[round]}/s\n`)
  }
  closeSync(baselineFd)
  await log.close()
  return {
    append: median(logRates),
    baselineAppend: median(baselineRates),
    ratio: median(ratios),
    consume: median(consumeRates),
    baselineRead: median(readRates),
  }
}

try {
  process.stderr.write(`bench log: ${totalRecords} records of ${RECORD_BYTES} bytes, ${batchSize} per append, one sync each, in ${root}\n`)
  const result = await run()
  console.log(
    JSON.stringify({
      bench: 'log',
      records: totalRecords,
      record_bytes: RECORD_BYTES,
      batch_records: batchSize,
      append_records_per_s: result.append,
      consume_records_per_s: result.consume,
      baseline: 'fs.writeSync + fdatasync per batch; fs.readSync in 1 MiB chunks',
      baseline_append_records_per_s: result.baselineAppend,
      baseline_read_records_per_s: result.baselineRead,
      append_ratio: Number(result.ratio.toFixed(3)),
    }),
  )
} finally {
  rmSync(root, { recursive: true, force: true })
}
