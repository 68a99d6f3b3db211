/**
 * Nexmark on the analytics engine: the standard person/auction/bid stream
 * (1 : 3 : 46, bids 92%) as JSON on the embedded log, then q0 (pass-through),
 * q1 (dollars to euros), q2 (bids on every 123rd auction), q5 (hot items:
 * bids per auction in 10 s windows every 2 s, the top auction of each) and
 * q7 (the highest bid of each 10 s window), each read from the log, decoded
 * and run through the streams DSL and the analytics operators; beside each,
 * the same computation as a hand-written loop, in the same run.
 *
 *   npm run bench:analytics [-- --quick] [--events N] [--rate EVENTS_PER_S] [--partitions N] [--poll RECORDS] [--rounds N] [--dir DIR]
 *
 * - Generating and appending the events is not timed.
 * - q0–q2 are plain map and filter on the streams DSL, with no event time
 *   (nothing they answer depends on it); q5 and q7 go through
 *   withWatermarks and windowAggregate (nexmark/queries.ts).
 * - Both sides read the topic from the log and decode every record
 *   (UTF-8, JSON.parse) inside the clock: the loop runs "over the same
 *   decoded records" by decoding them the same way, with the same consumer
 *   polls, so the ratio between the two is the cost of the engine alone.
 * - Per core: the engine runs on the one JavaScript thread, so a figure is
 *   all the events of the topic (persons and auctions too, as Nexmark counts
 *   them) over the wall-clock seconds of the run. Node's other threads
 *   (file reads, GC helpers) also use some CPU: the events per CPU-second
 *   of the whole process (`process.cpuUsage`) are on stderr beside it.
 * - Event time advances 10,000 events a second by default (the Nexmark
 *   generator's default rate, which gives windows of realistic size: 100,000
 *   events in 10 s); the published Flink run used 10,000,000 a second, so
 *   that its 100 million events span 10 s of event time (`--rate` sets it).
 * - The watermark trails each partition by 4 s, as nexmark/nexmark's table
 *   declares, and waits for every partition from the start: the log hands
 *   out one partition's records a poll at a time, so partitions are seconds
 *   of event time apart, each in order.
 *
 * Results: the engine's q5 and q7 answers must equal the loop's, window by
 * window, with nothing late (q0–q2: the same count and price sum), or the
 * bench fails. Figures are medians over rounds; the engine and the loop take
 * turns going first. Progress and the goals are on stderr; the last line of
 * stdout is one JSON object.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { openEmbeddedLog } from '../src/log/index.js'
import { loadNexmark } from './nexmark/load.js'
import { loopQueries } from './nexmark/loops.js'
import { QUERIES, engineQueries, type Outcome, type QueryContext, type QueryName } from './nexmark/queries.js'

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    events: { type: 'string' },
    rate: { type: 'string', default: '10000' },
    partitions: { type: 'string', default: '4' },
    poll: { type: 'string', default: '10000' },
    rounds: { type: 'string' },
    dir: { type: 'string' },
    seed: { type: 'string', default: '42' },
  },
})
const EVENTS = Number(args.events ?? (args.quick ? 1_000_000 : 10_000_000))
const RATE = Number(args.rate)
const PARTITIONS = Number(args.partitions)
const ROUNDS = Number(args.rounds ?? 3)
const SEED = Number(args.seed)
/** Records per poll, so per chunk: the consumer's default. */
const MAX_POLL_RECORDS = Number(args.poll)
for (const [name, value] of Object.entries({ events: EVENTS, rate: RATE, partitions: PARTITIONS, poll: MAX_POLL_RECORDS, rounds: ROUNDS })) {
  if (!Number.isSafeInteger(value) || value <= 0) {
    console.error(`--${name} takes a positive integer`)
    process.exit(2)
  }
}
/** nexmark/nexmark's `WATERMARK FOR dateTime AS dateTime - INTERVAL '4' SECOND`. */
const WATERMARK_DELAY_MS = 4000

/** Published Flink 1.13 throughput per core (nexmark/nexmark's README), and the goals: 3× that, and for q5 and q7 0.3× the loop. */
const FLINK: Record<QueryName, number> = { q0: 155_020, q1: 157_940, q2: 175_210, q5: 22_140, q7: 12_330 }
const GOAL: Record<QueryName, number> = { q0: 500_000, q1: 500_000, q2: 500_000, q5: 70_000, q7: 70_000 }
const LOOP_RATIO_GOAL: Partial<Record<QueryName, number>> = { q5: 0.3, q7: 0.3 }

interface Timed {
  perCore: number
  perCpuSecond: number
  /** The share of the wall time the JavaScript thread was on a CPU (undefined off Linux). */
  busy: number | undefined
  outcome: Outcome
}

/**
 * CPU seconds of the calling thread, the JavaScript one (Linux; USER_HZ is
 * 100): it tells a run that waited or was descheduled on a busy machine
 * from one that was slow.
 */
function threadCpuSeconds(): number | undefined {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) / 100
  } catch {
    return undefined
  }
}

const gc = (globalThis as { gc?: () => void }).gc

async function timed(run: () => Promise<Outcome>): Promise<Timed> {
  // A collection owed by the previous run should not land in this one.
  gc?.()
  const cpu = process.cpuUsage()
  const thread = threadCpuSeconds()
  const start = process.hrtime.bigint()
  const outcome = await run()
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  const threadAfter = threadCpuSeconds()
  const used = process.cpuUsage(cpu)
  const busy = thread === undefined || threadAfter === undefined ? undefined : (threadAfter - thread) / seconds
  return { perCore: EVENTS / seconds, perCpuSecond: EVENTS / ((used.user + used.system) / 1e6), busy, outcome }
}

/** Fails the bench unless the engine's answer is the loop's. */
function check(query: QueryName, engine: Outcome, loop: Outcome, bids: number): void {
  const fail = (what: string): never => {
    throw new Error(`${query}: the engine and the loop disagree: ${what}`)
  }
  if (engine.late > 0 || loop.late > 0) fail(`records too late for every window (engine ${engine.late}, loop ${loop.late}): the watermark delay is too short`)
  if (engine.count !== loop.count) fail(`${engine.count} rows against ${loop.count}`)
  if (Math.abs(engine.checksum - loop.checksum) > 1e-9 * Math.abs(loop.checksum)) fail(`price sums ${engine.checksum} and ${loop.checksum}`)
  if ((query === 'q0' || query === 'q1') && engine.count !== bids) fail(`${engine.count} bids out of ${bids}`)
  if (engine.windows.size !== loop.windows.size) fail(`${engine.windows.size} windows against ${loop.windows.size}`)
  for (const [start, answer] of loop.windows) {
    const got = engine.windows.get(start)
    if (got !== answer) fail(`window at ${new Date(start).toISOString()}: engine ${got ?? 'nothing'}, loop ${answer}`)
  }
  if ((query === 'q5' || query === 'q7') && loop.windows.size === 0) fail('no window at all')
}

const describe = (t: Timed): string => `${fmt(t.perCore)}/s (${t.busy === undefined ? '' : `JS thread busy ${pct(t.busy)}, `}${fmt(t.perCpuSecond)} per process CPU-s)`
const pct = (share: number): string => `${Math.round(share * 100)}%`
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US')

async function run(root: string) {
  const log = await openEmbeddedLog({ dataDir: join(root, 'log') })
  try {
    const topic = 'nexmark'
    const started = Date.now()
    let shown = 0
    const loaded = await loadNexmark(log, {
      topic,
      events: EVENTS,
      partitions: PARTITIONS,
      eventsPerSecond: RATE,
      baseTime: Date.UTC(2024, 0, 1),
      seed: SEED,
      progress: (written) => {
        if (written / EVENTS >= shown + 0.25 || written === EVENTS) {
          shown = Math.floor((written / EVENTS) * 4) / 4
          process.stderr.write(`  generated ${fmt(written)} of ${fmt(EVENTS)} events\n`)
        }
      },
    })
    process.stderr.write(
      `  ${fmt(loaded.bids)} bids (${((loaded.bids / EVENTS) * 100).toFixed(1)}%), ${(loaded.bytes / EVENTS).toFixed(0)} bytes of JSON an event, ` +
        `${(EVENTS / RATE).toLocaleString('en-US', { maximumFractionDigits: 1 })} s of event time, in ${((Date.now() - started) / 1000).toFixed(1)} s (not timed)\n`,
    )

    const ctx: QueryContext = { log, topic, events: EVENTS, partitions: PARTITIONS, maxPollRecords: MAX_POLL_RECORDS, watermarkDelayMs: WATERMARK_DELAY_MS }
    const engine = new Map<QueryName, Timed[]>(QUERIES.map((q) => [q, []]))
    const loop = new Map<QueryName, Timed[]>(QUERIES.map((q) => [q, []]))
    for (let round = 0; round < ROUNDS; round++) {
      for (const query of QUERIES) {
        let e: Timed
        let l: Timed
        if (round % 2 === 0) {
          e = await timed(() => engineQueries[query](ctx))
          l = await timed(() => loopQueries[query](ctx))
        } else {
          l = await timed(() => loopQueries[query](ctx))
          e = await timed(() => engineQueries[query](ctx))
        }
        check(query, e.outcome, l.outcome, loaded.bids)
        engine.get(query)!.push(e)
        loop.get(query)!.push(l)
        const size = e.outcome.windows.size
        const windows = size > 0 ? `, ${size} window${size === 1 ? '' : 's'} match` : `, ${fmt(e.outcome.count)} rows match`
        process.stderr.write(
          `  round ${round + 1}/${ROUNDS} ${query}: engine ${describe(e)}, loop ${describe(l)}, ratio ${(e.perCore / l.perCore).toFixed(2)}${windows}\n`,
        )
      }
    }
    const figures = (timings: Map<QueryName, Timed[]>, pick: (t: Timed) => number) =>
      Object.fromEntries(QUERIES.map((q) => [q, median(timings.get(q)!.map(pick))])) as Record<QueryName, number>
    return {
      /** The least share of its run the JavaScript thread spent on a CPU. */
      leastBusy: Math.min(...[...engine.values(), ...loop.values()].flat().map((t) => t.busy ?? 1)),
      engine: figures(engine, (t) => t.perCore),
      engineCpu: figures(engine, (t) => t.perCpuSecond),
      loop: figures(loop, (t) => t.perCore),
      /** Median of the per-round ratios, so drift between rounds cancels. */
      ratio: Object.fromEntries(QUERIES.map((q) => [q, median(engine.get(q)!.map((e, i) => e.perCore / loop.get(q)![i]!.perCore))])) as Record<QueryName, number>,
    }
  } finally {
    await log.close()
  }
}

const root = mkdtempSync(join(args.dir ?? tmpdir(), 'koober-bench-analytics-'))
try {
  process.stderr.write(
    `bench analytics: Nexmark, ${fmt(EVENTS)} events at ${fmt(RATE)} a second of event time, ${PARTITIONS} partitions, ${fmt(MAX_POLL_RECORDS)} records a poll, ` +
      `${ROUNDS} rounds, watermark delay ${WATERMARK_DELAY_MS} ms, in ${root}${gc ? '' : ' (no --expose-gc: runs may pay for each other\'s garbage)'}\n`,
  )
  const result = await run(root)
  process.stderr.write('per core (events of all kinds a second, on the one JavaScript thread), medians:\n')
  let missed = 0
  for (const q of QUERIES) {
    const goals = [`>= ${fmt(GOAL[q])}/s (3x Flink's ${fmt(FLINK[q])}): ${result.engine[q] >= GOAL[q] ? 'met' : 'MISSED'}`]
    if (result.engine[q] < GOAL[q]) missed++
    const ratioGoal = LOOP_RATIO_GOAL[q]
    if (ratioGoal !== undefined) {
      goals.push(`>= ${ratioGoal}x the loop: ${result.ratio[q] >= ratioGoal ? 'met' : 'MISSED'}`)
      if (result.ratio[q] < ratioGoal) missed++
    }
    process.stderr.write(
      `  ${q}: engine ${fmt(result.engine[q])}/s (${(result.engine[q] / FLINK[q]).toFixed(1)}x Flink; ${fmt(result.engineCpu[q])} per CPU-s), ` +
        `loop ${fmt(result.loop[q])}/s, engine/loop ${result.ratio[q].toFixed(2)}; goals ${goals.join(', ')}\n`,
    )
  }
  process.stderr.write(missed === 0 ? 'every goal met\n' : `${missed} goal(s) missed\n`)
  if (result.leastBusy < 0.8) {
    process.stderr.write(
      `the JavaScript thread was on a CPU only ${pct(result.leastBusy)} of one run's time: the machine was busy, so wall-clock figures are low; per process CPU-s they are not\n`,
    )
  }
  console.log(
    JSON.stringify({
      bench: 'analytics',
      q0_per_core: Math.round(result.engine.q0),
      q1_per_core: Math.round(result.engine.q1),
      q2_per_core: Math.round(result.engine.q2),
      q5_per_core: Math.round(result.engine.q5),
      q7_per_core: Math.round(result.engine.q7),
      q0_loop_per_core: Math.round(result.loop.q0),
      q5_loop_per_core: Math.round(result.loop.q5),
      q7_loop_per_core: Math.round(result.loop.q7),
    }),
  )
} finally {
  rmSync(root, { recursive: true, force: true })
}
