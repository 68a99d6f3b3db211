/**
 * The Kafka backend's produce and consume throughput, beside the embedded
 * log's measured in the same run with the same shape. Produce: 100-byte
 * records in appends of `--batch` records through `log.append`, `--inflight`
 * appends awaiting at any time (a producer pipelines), into a fresh topic of
 * `--partitions` partitions (round-robin, no keys). Consume: one consumer
 * without a group polls that topic from the beginning until it has every
 * record. Both sides check counts, offsets, bytes and payloads, so a lost or
 * duplicated record fails the run instead of flattering it.
 *
 *   npm run bench:kafka [-- --quick] [--records N] [--batch N] [--inflight N]
 *                       [--partitions N] [--rounds N] [--brokers HOST:PORT] [--data-dir DIR]
 *
 * The broker is the one at --brokers (default $KOOBER_KAFKA, else
 * 127.0.0.1:9092). When none answers there, it starts one with startKafka
 * into --data-dir (default $KOOBER_DATA_DIR, else ./data, as the CLI) on that
 * port, and leaves it running for the next run (`npm run kafka:stop` stops
 * it). The benchmark's topics are deleted as it goes.
 *
 * A shared machine drifts, so the backends run in alternating rounds of
 * `records / rounds` records and the rates are medians over the rounds. On a
 * small machine the broker and this process share the cores: each phase also
 * reports the CPU this process, the broker (when its pid can be found from
 * its listening socket) and the whole machine spent, per second and per record.
 *
 * Prints progress on stderr, then as its last stdout line one JSON object.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { Admin } from '@platformatic/kafka'
import { DEFAULT_DATA_DIR } from '../src/cli/options.js'
import { KAFKA_HOST, kafkaStatus, probeKafka, startKafka } from '../src/infra/index.js'
import { openEmbeddedLog, openKafkaLog, type EventLog, type ProducerRecord } from '../src/log/index.js'

const RECORD_BYTES = 100

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    records: { type: 'string' },
    batch: { type: 'string', default: '10000' },
    inflight: { type: 'string', default: '4' },
    partitions: { type: 'string', default: '4' },
    rounds: { type: 'string' },
    brokers: { type: 'string', default: process.env.KOOBER_KAFKA || `${KAFKA_HOST}:9092` },
    'data-dir': { type: 'string', default: process.env.KOOBER_DATA_DIR || DEFAULT_DATA_DIR },
  },
})
const totalRecords = Number(args.records ?? (args.quick ? 1_500_000 : 10_000_000))
const batchSize = Number(args.batch)
const inflight = Number(args.inflight)
const partitions = Number(args.partitions)
const rounds = Number(args.rounds ?? (args.quick ? 3 : 5))
for (const [name, value] of [['records', totalRecords], ['batch', batchSize], ['inflight', inflight], ['partitions', partitions], ['rounds', rounds]] as const) {
  if (!Number.isSafeInteger(value) || value <= 0) {
    console.error(`--${name} takes a positive integer, got ${value}`)
    process.exit(2)
  }
}
const brokerMatch = /^([^:\s]+):(\d{1,5})$/.exec(args.brokers)
if (!brokerMatch) {
  console.error(`--brokers takes HOST:PORT, got ${JSON.stringify(args.brokers)}`)
  process.exit(2)
}
const brokerHost = brokerMatch[1]!
const brokerPort = Number(brokerMatch[2])
const perRound = Math.ceil(totalRecords / rounds)
const roundRecords = Array.from({ length: rounds }, (_, r) => Math.max(0, Math.min(perRound, totalRecords - r * perRound))).filter((n) => n > 0)

/** A benchmark check failed (lost, duplicated or damaged records, a broker that cannot be had): said without a stack. */
class CheckFailed extends Error {}

const log = (line: string): void => void process.stderr.write(`${line}\n`)
const seconds = (ns: bigint): number => Number(ns) / 1e9
const round = (x: number, digits: number): number => Number(x.toFixed(digits))
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

/** The same 100-byte payloads on both sides, varied so nothing compresses; the first 4 bytes are the index in the append. */
function payload(i: number): Buffer {
  const b = Buffer.alloc(RECORD_BYTES, 0x61 + (i % 26))
  b.writeUInt32BE(i, 0)
  return b
}

// ---------------------------------------------------------------------------
// CPU accounting: this process, the broker (by pid), the whole machine.

const CLOCK_TICKS = 100 // USER_HZ on Linux

/** The pid of the process listening on `port` (Linux /proc; undefined elsewhere or when not visible). */
function listenerPid(port: number): number | undefined {
  try {
    const inodes = new Set<string>()
    for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
      let text: string
      try {
        text = readFileSync(file, 'utf8')
      } catch {
        continue
      }
      for (const line of text.split('\n').slice(1)) {
        const cols = line.trim().split(/\s+/)
        // local_address is HEX_IP:HEX_PORT, state 0A is LISTEN, column 9 is the inode.
        if (cols.length > 9 && cols[3] === '0A' && parseInt(cols[1]!.split(':')[1]!, 16) === port) inodes.add(cols[9]!)
      }
    }
    if (inodes.size === 0) return undefined
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue
      let fds: string[]
      try {
        fds = readdirSync(`/proc/${entry}/fd`)
      } catch {
        continue
      }
      for (const fd of fds) {
        try {
          const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${entry}/fd/${fd}`))
          if (m && inodes.has(m[1]!)) return Number(entry)
        } catch {
          // the fd closed meanwhile
        }
      }
    }
  } catch {
    // no /proc
  }
  return undefined
}

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
function processCpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS // utime, stime (fields 14 and 15)
  } catch {
    return undefined
  }
}

/** Busy and total CPU seconds of the whole machine, summed over cores, from /proc/stat. */
function machineCpuSeconds(): { busy: number; total: number } | undefined {
  try {
    const cols = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number)
    const total = cols.slice(0, 8).reduce((a, b) => a + b, 0)
    const idle = cols[3]! + cols[4]! // idle + iowait
    return { busy: (total - idle) / CLOCK_TICKS, total: total / CLOCK_TICKS }
  } catch {
    return undefined
  }
}


interface Sample {
  records: number
  wall: number
  /** CPU seconds, user + system. */
  client: number
  broker?: number
  machineBusy?: number
}

/** Runs `work`, which handles `records` records, and measures its time and the CPU it cost. */
async function measure(records: number, brokerPid: number | undefined, work: () => Promise<void>): Promise<Sample> {
  const cpu0 = process.cpuUsage()
  const broker0 = processCpuSeconds(brokerPid)
  const machine0 = machineCpuSeconds()
  const start = process.hrtime.bigint()
  await work()
  const wall = seconds(process.hrtime.bigint() - start)
  const cpu = process.cpuUsage(cpu0)
  const broker1 = processCpuSeconds(brokerPid)
  const machine1 = machineCpuSeconds()
  const sample: Sample = { records, wall, client: (cpu.user + cpu.system) / 1e6 }
  if (broker0 !== undefined && broker1 !== undefined) sample.broker = broker1 - broker0
  if (machine0 && machine1) sample.machineBusy = machine1.busy - machine0.busy
  return sample
}

interface Phase {
  /** The median over the rounds. */
  records_per_s: number
  /** Over all rounds: CPU seconds per wall second (1.0 is one core busy) and CPU microseconds per record. */
  client_cores: number
  client_cpu_us_per_record: number
  broker_cores?: number
  broker_cpu_us_per_record?: number
  machine_busy_cores?: number
}

function summarize(samples: Sample[]): Phase {
  const wall = samples.reduce((a, s) => a + s.wall, 0)
  const records = samples.reduce((a, s) => a + s.records, 0)
  const sum = (pick: (s: Sample) => number | undefined): number | undefined => {
    let total = 0
    for (const s of samples) {
      const v = pick(s)
      if (v === undefined) return undefined
      total += v
    }
    return total
  }
  const client = sum((s) => s.client)!
  const phase: Phase = {
    records_per_s: Math.round(median(samples.map((s) => s.records / s.wall))),
    client_cores: round(client / wall, 2),
    client_cpu_us_per_record: round((client * 1e6) / records, 2),
  }
  const broker = sum((s) => s.broker)
  if (broker !== undefined) {
    phase.broker_cores = round(broker / wall, 2)
    phase.broker_cpu_us_per_record = round((broker * 1e6) / records, 2)
  }
  const machine = sum((s) => s.machineBusy)
  if (machine !== undefined) phase.machine_busy_cores = round(machine / wall, 2)
  return phase
}

function describeSample(s: Sample): string {
  const parts = [`client ${round(s.client / s.wall, 2)} cores`]
  if (s.broker !== undefined) parts.push(`broker ${round(s.broker / s.wall, 2)}`)
  if (s.machineBusy !== undefined) parts.push(`machine ${round(s.machineBusy / s.wall, 2)} busy`)
  return `${Math.round(s.records / s.wall)}/s in ${round(s.wall, 2)} s (${parts.join(', ')})`
}

// ---------------------------------------------------------------------------
// The workload, the same on both backends.

interface Produced {
  records: number
  /** Records that landed on each partition, from the placements append returned. */
  perPartition: number[]
  /** The highest offset append returned on each partition. */
  maxOffset: number[]
  /** The sum over every record of the index in its first 4 bytes: the consumer must see the same. */
  indexSum: number
}

/** `records` records in appends of `batchSize`, `inflight` appends awaiting at any time. */
async function produce(eventLog: EventLog, topic: string, template: ProducerRecord[], records: number): Promise<Produced> {
  const batches = Math.ceil(records / batchSize)
  const perPartition = new Array<number>(partitions).fill(0)
  const maxOffset = new Array<number>(partitions).fill(-1)
  let indexSum = 0
  let nextBatch = 0
  const worker = async (): Promise<void> => {
    while (nextBatch < batches) {
      const b = nextBatch++
      const count = Math.min(batchSize, records - b * batchSize)
      const placed = await eventLog.append(topic, count === batchSize ? template : template.slice(0, count))
      if (placed.length !== count) throw new CheckFailed(`an append of ${count} records returned ${placed.length} placements`)
      for (const { partition, offset } of placed) {
        perPartition[partition]!++
        if (offset > maxOffset[partition]!) maxOffset[partition] = offset
      }
      indexSum += (count * (count - 1)) / 2
    }
  }
  await Promise.all(Array.from({ length: Math.min(inflight, batches) }, worker))
  return { records, perPartition, maxOffset, indexSum }
}

/**
 * After the timed part: what the log says it holds against what append
 * acknowledged. In a fresh topic offsets start at 0, so on each partition the
 * acknowledged records, the highest offset returned + 1 and the end offset
 * must all agree.
 */
async function checkStored(eventLog: EventLog, topic: string, produced: Produced): Promise<void> {
  const description = await eventLog.describeTopic(topic)
  const stored = description.partitions.reduce((a, p) => a + p.endOffset - p.startOffset, 0)
  const ends = description.partitions.map((p) => p.endOffset)
  const agree = produced.perPartition.every((n, p) => n === ends[p] && n === produced.maxOffset[p]! + 1)
  if (stored !== produced.records || !agree) {
    throw new CheckFailed(
      `${eventLog.backend}: ${produced.records} records were acknowledged (${inflight} appends in flight), but ${topic} holds ${stored}: ` +
        `per partition acknowledged ${produced.perPartition.join('/')}, highest offset returned + 1 ${produced.maxOffset.map((o) => o + 1).join('/')}, ` +
        `end offset ${ends.join('/')}`,
    )
  }
}

/** One consumer, no group, from the beginning until it has every record; checks offsets, bytes and payloads. */
async function consume(eventLog: EventLog, topic: string, produced: Produced): Promise<void> {
  const consumer = await eventLog.consumer({ topics: [topic], from: 'earliest' })
  try {
    const nextOffset = new Array<number>(partitions).fill(0)
    let read = 0
    let bytes = 0
    let indexSum = 0
    while (read < produced.records) {
      const records = await consumer.poll({ timeoutMs: 10_000 })
      if (records.length === 0) throw new CheckFailed(`${eventLog.backend}: consume stalled at ${read} of ${produced.records} records`)
      for (const record of records) {
        if (record.offset !== nextOffset[record.partition]) {
          throw new CheckFailed(`${topic}-${record.partition}: expected offset ${nextOffset[record.partition]}, got ${record.offset}`)
        }
        nextOffset[record.partition]!++
        bytes += record.value.length
        indexSum += record.value.readUInt32BE(0)
      }
      read += records.length
    }
    if (read !== produced.records) throw new CheckFailed(`${eventLog.backend}: consumed ${read} records, ${produced.records} were produced`)
    if (bytes !== produced.records * RECORD_BYTES) throw new CheckFailed(`${eventLog.backend}: consumed ${bytes} bytes, ${produced.records * RECORD_BYTES} were produced`)
    if (indexSum !== produced.indexSum) throw new CheckFailed(`${eventLog.backend}: the consumed payloads are not the produced ones`)
    for (let p = 0; p < partitions; p++) {
      if (nextOffset[p] !== produced.perPartition[p]) {
        throw new CheckFailed(`${topic}-${p}: consumed ${nextOffset[p]} records, ${produced.perPartition[p]} were produced`)
      }
    }
  } finally {
    await consumer.close()
  }
}

interface Backend {
  name: 'kafka' | 'embedded'
  log: EventLog
  brokerPid: number | undefined
  produce: Sample[]
  consume: Sample[]
  /** Removes a round's topic once it is measured (Kafka: through the admin API). */
  drop: (topic: string) => Promise<void>
}

const template: ProducerRecord[] = Array.from({ length: batchSize }, (_, i) => ({ value: payload(i) }))
const runId = `${Date.now()}-${randomBytes(3).toString('hex')}`

async function runRound(backend: Backend, r: number, records: number): Promise<void> {
  const topic = `koober-bench-${runId}-r${r}`
  await backend.log.createTopic(topic, { partitions, retentionMs: -1 })
  try {
    let produced: Produced | undefined
    const p = await measure(records, backend.brokerPid, async () => {
      produced = await produce(backend.log, topic, template, records)
    })
    await checkStored(backend.log, topic, produced!)
    const c = await measure(records, backend.brokerPid, () => consume(backend.log, topic, produced!))
    backend.produce.push(p)
    backend.consume.push(c)
    log(`  round ${r + 1}/${roundRecords.length} ${backend.name.padEnd(8)} produce ${describeSample(p)}; consume ${describeSample(c)}`)
  } finally {
    await backend.drop(topic)
  }
}

// ---------------------------------------------------------------------------

/** Makes sure a broker answers at --brokers, starting one into --data-dir when none does. */
async function ensureBroker(): Promise<{ started: boolean; seconds: number }> {
  const begin = Date.now()
  const probe = await probeKafka(brokerHost, brokerPort)
  if (probe.state === 'ready') return { started: false, seconds: 0 }
  if (brokerHost !== KAFKA_HOST && brokerHost !== 'localhost') {
    throw new CheckFailed(`no Kafka broker answers at ${args.brokers} (${probe.state}), and this benchmark can only start one on ${KAFKA_HOST}`)
  }
  log(`no Kafka broker answers at ${args.brokers} (${probe.state === 'refused' ? 'connection refused' : probe.reason}); starting one in ${args['data-dir']}`)
  const status = await startKafka({ dataDir: args['data-dir'], port: brokerPort, onProgress: (line) => log(`  kafka: ${line}`) })
  if (!status.answering) throw new CheckFailed(`the broker started in ${status.kafkaDir} does not answer at ${status.address}`)
  log(`the broker keeps running after the benchmark (stop it with: npm run kafka:stop -- --data-dir ${args['data-dir']})`)
  return { started: true, seconds: (Date.now() - begin) / 1000 }
}

async function main(): Promise<void> {
  const benchStart = process.hrtime.bigint()
  log(
    `bench kafka: ${totalRecords} records of ${RECORD_BYTES} bytes per backend in ${roundRecords.length} rounds, ${batchSize} per append, ` +
      `${inflight} appends in flight, ${partitions} partitions; broker ${args.brokers}`,
  )
  const broker = await ensureBroker()
  const status = await kafkaStatus({ dataDir: args['data-dir'], port: brokerPort }).catch(() => undefined)
  const brokerPid = (status?.address === args.brokers ? status.pid : undefined) ?? listenerPid(brokerPort)
  log(`broker at ${args.brokers} answers${brokerPid === undefined ? ' (its pid is unknown: no broker CPU figures)' : ` (pid ${brokerPid})`}`)
  const measuredStart = process.hrtime.bigint()

  const embeddedDir = mkdtempSync(join(tmpdir(), 'koober-bench-kafka-'))
  const admin = new Admin({ clientId: 'koober-bench-cleanup', bootstrapBrokers: [args.brokers], retries: 2 })
  const backends: Backend[] = []
  try {
    backends.push({
      name: 'kafka',
      log: await openKafkaLog({ brokers: [args.brokers], clientId: 'koober-bench' }),
      brokerPid,
      produce: [],
      consume: [],
      drop: (topic) =>
        admin.deleteTopics({ topics: [topic] }).catch((err: unknown) => log(`  could not delete topic ${topic}: ${(err as Error).message}`)),
    })
    backends.push({
      name: 'embedded',
      log: await openEmbeddedLog({ dataDir: embeddedDir }),
      brokerPid: undefined,
      produce: [],
      consume: [],
      drop: async () => undefined, // the whole directory goes at the end
    })
    for (const [r, records] of roundRecords.entries()) {
      const order = r % 2 === 0 ? backends : [...backends].reverse()
      for (const backend of order) await runRound(backend, r, records)
    }
  } finally {
    for (const backend of backends) await backend.log.close().catch(() => undefined)
    await admin.close().catch(() => undefined)
    rmSync(embeddedDir, { recursive: true, force: true })
  }

  const [kafka, embedded] = backends.map((b) => ({ produce: summarize(b.produce), consume: summarize(b.consume) })) as [
    { produce: Phase; consume: Phase },
    { produce: Phase; consume: Phase },
  ]
  const detail = ({ records_per_s: _, ...rest }: Phase) => rest
  console.log(
    JSON.stringify({
      bench: 'kafka',
      produce_records_per_s: kafka.produce.records_per_s,
      consume_records_per_s: kafka.consume.records_per_s,
      embedded_produce_records_per_s: embedded.produce.records_per_s,
      embedded_consume_records_per_s: embedded.consume.records_per_s,
      records: totalRecords,
      rounds: roundRecords.length,
      record_bytes: RECORD_BYTES,
      batch_records: batchSize,
      appends_in_flight: inflight,
      partitions,
      brokers: args.brokers,
      broker_started: broker.started,
      broker_start_s: round(broker.seconds, 1),
      measured_s: round(seconds(process.hrtime.bigint() - measuredStart), 1),
      total_s: round(seconds(process.hrtime.bigint() - benchStart), 1),
      kafka_produce: detail(kafka.produce),
      kafka_consume: detail(kafka.consume),
      embedded_produce: detail(embedded.produce),
      embedded_consume: detail(embedded.consume),
    }),
  )
}

try {
  await main()
} catch (err) {
  log(`bench kafka failed: ${err instanceof CheckFailed ? err.message : ((err as Error).stack ?? String(err))}`)
  // The last line stays one JSON object, so whatever reads it learns that the run failed and why.
  console.log(JSON.stringify({ bench: 'kafka', error: (err as Error).message ?? String(err) }))
  process.exitCode = 1
}
