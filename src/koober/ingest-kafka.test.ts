/**
 * Micro-batch ingestion on Apache Kafka runs in a consumer group, so several
 * ingest processes split the partitions. Two child processes
 * (`testing/ingest-kafka-worker.ts`) run Koober's ingestion job
 * (`runMicroBatches` with `ingestRows`) in one group over fresh driver and
 * rider topics of four partitions each, each into the SQLite store of its
 * own data directory.
 *
 * 1. Once both have joined, a few hundred valid events are appended. Checked:
 *    the group gave each process a share of the partitions (disjoint, together
 *    all of them, unchanged while both ran); each ingested records, only from
 *    its own share (its batches, and the rows in its store); and the two stores
 *    together hold exactly one `events` row per record, with its value (and
 *    one `routes` row each): nothing lost, nothing twice, nothing rejected.
 * 2. While more events are appended, one process is SIGKILLed; the survivor
 *    must take over its partitions once the broker notices (the session
 *    timeout) and resume each exactly at the offset the dead one committed.
 *    Checked: the dead one's store holds every record it committed (a commit
 *    only follows the write); every record is in a store, each store holds it
 *    once, and the only records in both stores are the dead one's written but
 *    uncommitted tail (separate stores: a replay cannot overwrite it); the
 *    group ends committed at the end offsets.
 *
 * Needs a broker: KOOBER_TEST_KAFKA (test/run-tests.ts starts one).
 */
import assert from 'node:assert/strict'
import { randomInt } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it, type TestContext } from 'node:test'
import { fileURLToPath } from 'node:url'
import { driverEventSchema, riderEventSchema, type DriverEvent, type RiderEvent } from './events.js'
import { openKafkaLog, type KafkaLog, type ProducerRecord, type TopicPartitionOffset } from '../log/index.js'
import { uniqueName } from '../log/testing/event-log-contract.js'
import { kafkaTestBrokers } from '../log/testing/kafka-test-brokers.js'
import { openSqliteStore, type Row, type Store } from '../store/index.js'
import { MemberWatch } from '../log/testing/member-watch.js'
import { orFailureOf } from '../log/testing/background-failure.js'
import { ChildWorker, parseJsonLine, type ChildExit } from '../log/testing/child-worker.js'

const WORKER = fileURLToPath(new URL('./testing/ingest-kafka-worker.ts', import.meta.url))

const PARTITIONS = 4
const ROLES = ['driver', 'rider'] as const
type Role = (typeof ROLES)[number]
/** The broker's smallest session timeout by default (group.min.session.timeout.ms): the takeover waits this long. */
const SESSION_TIMEOUT_MS = 6_000
/** Events appended per topic while both processes run. */
const FIRST_RECORDS_PER_TOPIC = 150
/** Then, records per partition in each append round, and the pause between rounds. */
const RECORDS_PER_PARTITION = 1
const ROUND_INTERVAL_MS = 25
/** The victim is killed after this many batches of the second stage, plus a random delay. */
const KILL_AFTER_BATCHES = 3
const KILL_JITTER_MS = 100
/** The longest any one stage may take: joining, ingesting, the takeover. */
const STAGE_TIMEOUT_MS = 25_000

const brokers = kafkaTestBrokers()

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** A valid driver or rider event (src/koober/events.ts), checked against its schema before it is appended. */
function eventOf(role: Role, sequence: number): DriverEvent | RiderEvent {
  const position = { lat: 40.5 + (sequence % 97) / 250, lon: -74.2 + (sequence % 89) / 180 }
  const time = 1_700_000_000_000 + sequence * 1000
  if (role === 'driver') {
    const event: DriverEvent = { driverId: `driver-${sequence % 40}`, position, status: (['available', 'enRoute', 'onTrip', 'offline'] as const)[sequence % 4]!, time }
    if (sequence % 3 === 0) event.riderId = `rider-${sequence % 100}`
    if (sequence % 10 === 0) event.route = [[40.7, -74.0], [40.71, -74.01], [40.72, -74.02]]
    return driverEventSchema.parse(event)
  }
  const event: RiderEvent = { riderId: `rider-${sequence % 100}`, position, status: (['idle', 'requesting', 'waiting', 'riding', 'arrived'] as const)[sequence % 5]!, time }
  if (sequence % 4 === 0) event.driverId = `driver-${sequence % 40}`
  return riderEventSchema.parse(event)
}

/** The test's topics and group, fresh for this run. */
interface Setup {
  log: KafkaLog
  topics: Record<Role, string>
  deadLetters: string
  group: string
  root: string
}

/** `<role>/<partition>`: how rows (which say driver or rider) and the processes' reports name a topic-partition. */
const ALL_PARTITIONS = ROLES.flatMap((role) => Array.from({ length: PARTITIONS }, (_, p) => `${role}/${p}`)).sort()

interface Batch {
  at: number
  records: number
  deadLetters: number
  partitions: string[]
}

/** One ingest child process and what it reported. */
class Member {
  private readonly worker: ChildWorker
  readonly dataDir: string
  readonly assignments: Array<{ at: number; partitions: string[] }> = []
  readonly batches: Batch[] = []
  /** Per `<role>/<partition>`, the offset of its last commit that resolved. */
  readonly committed = new Map<string, number>()
  done: { totals: { records: number; deadLetters: number } } | undefined
  readonly problems: string[] = []

  constructor(
    readonly name: string,
    private readonly setup: Setup,
  ) {
    this.dataDir = join(setup.root, name)
    const { topics, deadLetters, group } = setup
    const args = [brokers!.join(','), this.dataDir, group, topics.driver, topics.rider, deadLetters, name, String(SESSION_TIMEOUT_MS)]
    this.worker = new ChildWorker(WORKER, args, { onLine: (line, at) => this.onLine(line, at), watch })
  }

  get exit(): ChildExit | undefined {
    return this.worker.exit
  }

  /** The worker names real topics; the test speaks of roles. */
  private tp(text: string): string {
    const cut = text.lastIndexOf('/')
    const role = ROLES.find((r) => this.setup.topics[r] === text.slice(0, cut))
    if (!role) this.problems.push(`a partition of an unknown topic: ${text}`)
    return `${role ?? text.slice(0, cut)}/${text.slice(cut + 1)}`
  }

  private onLine(line: string, at: number): void {
    const message = parseJsonLine<{ type?: string; partitions?: string[]; offsets?: TopicPartitionOffset[]; records?: number; deadLetters?: number; totals?: { records: number; deadLetters: number } }>(line)
    if (!message) return void this.problems.push(`not JSON: ${line}`)
    if (message.type === 'assignment' && message.partitions) {
      this.assignments.push({ at, partitions: message.partitions.map((p) => this.tp(p)).sort() })
    } else if (message.type === 'committed' && message.offsets) {
      for (const { topic, partition, offset } of message.offsets) {
        const key = this.tp(`${topic}/${partition}`)
        if (offset < (this.committed.get(key) ?? 0)) this.problems.push(`${key}: committed ${offset} after ${this.committed.get(key)}`)
        this.committed.set(key, offset)
      }
    } else if (message.type === 'batch' && message.partitions && message.records !== undefined && message.deadLetters !== undefined) {
      this.batches.push({ at, records: message.records, deadLetters: message.deadLetters, partitions: message.partitions.map((p) => this.tp(p)) })
    } else if (message.type === 'done' && message.totals) {
      this.done = { totals: message.totals }
    } else {
      this.problems.push(`unexpected line: ${line}`)
    }
  }

  get assignment(): string[] | undefined {
    return this.assignments.at(-1)?.partitions
  }

  /** The topic-partitions its batches since `since` held records from. */
  ingestedFrom(since = 0): Set<string> {
    return new Set(this.batches.filter((b) => b.at >= since && b.records > 0).flatMap((b) => b.partitions))
  }

  async kill(signal: NodeJS.Signals): Promise<void> {
    await this.worker.kill(signal)
  }

  report(): string[] {
    return [
      `member ${this.name}: exit=${JSON.stringify(this.exit ?? null)} batches=${this.batches.length} assignment=${JSON.stringify(this.assignment ?? null)}`,
      `  assignments: ${this.assignments.map((a) => `[${a.partitions.join(',')}]`).join(' ')}`,
      `  committed: ${JSON.stringify(Object.fromEntries(this.committed))}`,
      `  problems: ${JSON.stringify(this.problems.slice(0, 10))}`,
      ...this.worker.outputReport(),
    ]
  }
}

const watch = new MemberWatch()
const waitFor = (what: string, alive: Member[], check: () => boolean, timeoutMs = STAGE_TIMEOUT_MS): Promise<void> => watch.waitFor(what, alive, check, timeoutMs)

/** Appends events to the test's topics and remembers where each landed: `<role>/<partition>/<offset>` -> value. */
class Appender {
  readonly appended = new Map<string, string>()
  private sequence = 0

  constructor(private readonly setup: Setup) {}

  async append(role: Role, count: number): Promise<void> {
    const records: ProducerRecord[] = []
    for (let i = 0; i < count; i++) {
      const event = eventOf(role, this.sequence++)
      // Keyed as in production, but spread evenly so every partition, hence both members, get records.
      records.push({ key: role === 'driver' ? (event as DriverEvent).driverId : (event as RiderEvent).riderId, partition: i % PARTITIONS, value: JSON.stringify(event) })
    }
    const placed = await this.setup.log.append(this.setup.topics[role], records)
    placed.forEach(({ partition, offset }, i) => {
      const where = `${role}/${partition}/${offset}`
      assert.ok(!this.appended.has(where), `${where} acknowledged twice`)
      this.appended.set(where, records[i]!.value as string)
    })
  }

  /** Per `<role>/<partition>`, the end offset. */
  async ends(): Promise<Map<string, number>> {
    const ends = new Map<string, number>()
    for (const role of ROLES) {
      for (const p of (await this.setup.log.describeTopic(this.setup.topics[role])).partitions) ends.set(`${role}/${p.partition}`, p.endOffset)
    }
    return ends
  }
}

/** Whether the members' commits, together, reach `ends` on every partition. */
function committedUpTo(members: Member[], ends: Map<string, number>): boolean {
  return [...ends].every(([tp, end]) => end === 0 || members.some((m) => m.committed.get(tp) === end))
}

/** The group's committed offsets, read with OffsetFetch (no membership needed), per `<role>/<partition>`: -1 where none. */
async function groupOffsets(setup: Setup): Promise<Map<string, number>> {
  const partitionIndexes = Array.from({ length: PARTITIONS }, (_, p) => p)
  const [listed] = await setup.log.admin.listConsumerGroupOffsets({
    groups: [{ groupId: setup.group, topics: ROLES.map((role) => ({ name: setup.topics[role], partitionIndexes })) }],
  })
  const out = new Map(ALL_PARTITIONS.map((tp) => [tp, -1]))
  for (const t of listed?.topics ?? []) {
    const role = ROLES.find((r) => setup.topics[r] === t.name)
    if (role) for (const p of t.partitions) out.set(`${role}/${p.partitionIndex}`, Number(p.committedOffset))
  }
  return out
}

/** A store's `events` rows, per `<role>/<partition>/<offset>` -> value; a second row for a record fails. */
async function eventsRows(member: Member): Promise<Map<string, string>> {
  const store: Store = openSqliteStore({ dataDir: member.dataDir, readOnly: true })
  try {
    const rows: Row[] = []
    let page: string | undefined
    do {
      const result = await store.scan('events', { limit: 1000, ...(page ? { page } : {}) })
      rows.push(...result.rows)
      page = result.nextPage
    } while (page)
    const out = new Map<string, string>()
    for (const row of rows) {
      const where = `${String(row.topic)}/${String(row.partition)}/${String(row.offset)}`
      assert.ok(!out.has(where), `member ${member.name}: two events rows for ${where}`)
      out.set(where, String(row.value))
    }
    // Every valid event also has its routes row (one per record: keyed by entity, time and the record's place).
    assert.equal(await store.count('routes'), out.size, `member ${member.name}: routes rows`)
    return out
  } finally {
    await store.close()
  }
}

const partitionOf = (where: string): string => where.slice(0, where.lastIndexOf('/'))
const offsetOf = (where: string): number => Number(where.slice(where.lastIndexOf('/') + 1))

async function deadLetterCount(setup: Setup): Promise<number> {
  return (await setup.log.describeTopic(setup.deadLetters)).partitions.reduce((n, p) => n + p.endOffset, 0)
}

/** Both members joined, each with a share: disjoint, together every partition. */
function split(a: Member, b: Member): boolean {
  const [x, y] = [a.assignment, b.assignment]
  if (!x || !y || x.length === 0 || y.length === 0) return false
  const union = new Set([...x, ...y])
  return union.size === x.length + y.length && union.size === ALL_PARTITIONS.length
}

if (brokers) {
  describe('ingestion on Kafka: a consumer group of ingest processes', () => {
    let setup: Setup
    let appender: Appender
    let a: Member
    let b: Member
    let firstStageOk = false
    const started = Date.now()

    before(async () => {
      const log = await openKafkaLog({ brokers, sessionTimeoutMs: SESSION_TIMEOUT_MS })
      setup = {
        log,
        topics: { driver: uniqueName('ingest-driver'), rider: uniqueName('ingest-rider') },
        deadLetters: uniqueName('ingest-dead-letters'),
        group: uniqueName('ingest-g'),
        root: mkdtempSync(join(tmpdir(), 'koober-ingest-kafka-')),
      }
      for (const role of ROLES) await log.createTopic(setup.topics[role], { partitions: PARTITIONS })
      await log.createTopic(setup.deadLetters, { partitions: 1 })
      appender = new Appender(setup)
    })

    after(async () => {
      await Promise.all([a, b].filter((m) => m !== undefined).map((m) => m.kill('SIGKILL')))
      // Unset when the broker could not be reached.
      const s = setup as Setup | undefined
      if (!s) return
      rmSync(s.root, { recursive: true, force: true })
      await s.log.admin.deleteGroups({ groups: [s.group] }).catch(() => undefined)
      await s.log.admin.deleteTopics({ topics: [...ROLES.map((r) => s.topics[r]), s.deadLetters] }).catch(() => undefined)
      await s.log.close()
    })

    /** On failure, what each member did. */
    const withReport = async (t: TestContext, body: () => Promise<void>): Promise<void> => {
      try {
        await body()
      } catch (err) {
        for (const m of [a, b]) for (const line of m?.report() ?? []) t.diagnostic(line)
        throw err
      }
    }

    it('two ingest processes in one group split the partitions and together store every record once', { timeout: 40_000 }, async (t) => {
      a = new Member('a', setup)
      b = new Member('b', setup)
      await withReport(t, async () => {
        // Records only once both have joined: a lone first member would take every partition.
        await waitFor('a split of the partitions between both members', [a, b], () => split(a, b))
        const splitAt = Date.now()
        const shares = { a: [...a.assignment!], b: [...b.assignment!] }
        const assignmentsAtSplit = [a.assignments.length, b.assignments.length]

        for (const role of ROLES) await appender.append(role, FIRST_RECORDS_PER_TOPIC)
        const ends = await appender.ends()
        assert.equal([...ends.values()].reduce((n, e) => n + e, 0), 2 * FIRST_RECORDS_PER_TOPIC)
        await waitFor('commits up to the end offsets', [a, b], () => committedUpTo([a, b], ends))
        const ingestedAt = Date.now()

        // The group did not move partitions while both ran.
        assert.deepEqual([a.assignments.length, b.assignments.length], assignmentsAtSplit, 'a rebalance while both members ran')
        for (const m of [a, b]) assert.deepEqual(m.problems, [], `member ${m.name}`)

        // Each ingested, from its own share only (its batches' reports).
        const from = { a: a.ingestedFrom(), b: b.ingestedFrom() }
        for (const name of ['a', 'b'] as const) {
          assert.ok(from[name].size > 0, `member ${name} ingested nothing`)
          for (const tp of from[name]) assert.ok(shares[name].includes(tp), `member ${name} ingested ${tp}, not in its share ${shares[name].join(',')}`)
        }
        assert.deepEqual([...from.a].filter((tp) => from.b.has(tp)), [], 'both members ingested the same partitions')
        assert.deepEqual([...from.a, ...from.b].sort(), ALL_PARTITIONS, 'partitions nobody ingested')

        // The stores, read while both still run: rows only from the own share, and together exactly the records.
        const rows = { a: await eventsRows(a), b: await eventsRows(b) }
        for (const name of ['a', 'b'] as const) {
          const partitions = new Set([...rows[name].keys()].map(partitionOf))
          for (const tp of partitions) assert.ok(shares[name].includes(tp), `store of ${name} has rows of ${tp}, not in its share`)
          assert.deepEqual([...partitions].sort(), [...from[name]].sort(), `store of ${name}: partitions`)
        }
        for (const where of rows.a.keys()) assert.ok(!rows.b.has(where), `${where} is in both stores`)
        for (const [where, value] of appender.appended) {
          assert.equal(rows.a.get(where) ?? rows.b.get(where), value, `record ${where}: its events row`)
        }
        assert.equal(rows.a.size + rows.b.size, appender.appended.size, 'events rows across the stores, per record appended')
        assert.equal(await deadLetterCount(setup), 0, 'dead letters')
        assert.deepEqual([...(await groupOffsets(setup))].sort(), [...ends].sort(), 'the group committed the end offsets')

        t.diagnostic(
          `split ${splitAt - started} ms after start: a=[${shares.a.join(',')}] b=[${shares.b.join(',')}]; ` +
            `${appender.appended.size} records ingested in ${ingestedAt - splitAt} ms: a ${rows.a.size} rows in ${a.batches.length} batches, b ${rows.b.size} rows in ${b.batches.length} batches`,
        )
        firstStageOk = true
      })
    })

    it('the survivor of a SIGKILL takes over its partitions; every record ends up in a store', { timeout: 45_000 }, async (t) => {
      if (!firstStageOk) return void t.skip('the first stage failed')
      await withReport(t, async () => {
        const [victim, survivor] = randomInt(2) === 0 ? [a, b] : [b, a]
        const victimShare = [...victim.assignment!]
        const survivorShare = [...survivor.assignment!]
        const stageStarted = Date.now()

        // Rounds of RECORDS_PER_PARTITION per partition of each topic until told to stop.
        let roundsLeft = Infinity
        const rounds = (async () => {
          while (roundsLeft-- > 0) {
            for (const role of ROLES) await appender.append(role, RECORDS_PER_PARTITION * PARTITIONS)
            await sleep(ROUND_INTERVAL_MS)
          }
        })()
        // A failed append fails the test at once.
        const orRoundsFail = orFailureOf(rounds)
        try {
          await orRoundsFail(waitFor(`${KILL_AFTER_BATCHES} batches of the victim`, [a, b], () => victim.batches.filter((x) => x.at >= stageStarted && x.records > 0).length >= KILL_AFTER_BATCHES))
          await sleep(randomInt(KILL_JITTER_MS))
          const killedAt = Date.now()
          await victim.kill('SIGKILL')
          assert.equal(victim.exit?.signal, 'SIGKILL', `member ${victim.name} ended by itself`)
          // Let a commit the victim had on the wire land (or not), then read what it left committed.
          await sleep(300)
          const committedAtKill = await groupOffsets(setup)
          const takenOverBeforeRead = survivor.assignment!.length !== survivorShare.length

          await orRoundsFail(waitFor('the takeover of every partition', [survivor], () => survivor.assignment?.length === ALL_PARTITIONS.length))
          const takeoverAt = survivor.assignments.at(-1)!.at
          // Two more rounds after the takeover, so every partition has records the survivor reads fresh.
          roundsLeft = 2
          await rounds
          const ends = await appender.ends()
          assert.equal([...ends.values()].reduce((n, e) => n + e, 0), appender.appended.size)
          await waitFor('the survivor commits up to the end offsets', [survivor], () => committedUpTo([survivor], ends))
          await survivor.kill('SIGTERM')
          assert.equal(survivor.exit?.code, 0, `member ${survivor.name} did not stop cleanly`)
          assert.ok(survivor.done, `member ${survivor.name} did not report its end`)
          for (const m of [a, b]) assert.deepEqual(m.problems, [], `member ${m.name}`)

          // Both stores, now closed.
          const victimRows = await eventsRows(victim)
          const survivorRows = await eventsRows(survivor)
          const byPartition = (rows: Map<string, string>): Map<string, number[]> => {
            const out = new Map<string, number[]>()
            for (const where of rows.keys()) {
              const list = out.get(partitionOf(where)) ?? []
              list.push(offsetOf(where))
              out.set(partitionOf(where), list)
            }
            for (const list of out.values()) list.sort((x, y) => x - y)
            return out
          }
          const victimOffsets = byPartition(victimRows)
          const survivorOffsets = byPartition(survivorRows)

          // The victim wrote only its share, and everything it committed: commits follow writes.
          for (const tp of victimOffsets.keys()) assert.ok(victimShare.includes(tp), `the victim's store has rows of ${tp}, not in its share`)
          const takeover: string[] = []
          let both = 0
          for (const tp of victimShare) {
            const atKill = Math.max(committedAtKill.get(tp)!, 0)
            const own = victimOffsets.get(tp) ?? []
            const contiguous = own.length === 0 || own.at(-1) === own.length - 1
            assert.ok(contiguous && own.length >= atKill, `${tp}: the group had ${atKill} committed, the victim's store holds ${own.length} rows up to ${own.at(-1)}`)
            // The survivor resumed where the victim's commits left off, and read on to the end without a gap.
            const taken = survivorOffsets.get(tp) ?? []
            const resumedAt = taken[0]
            assert.ok(resumedAt !== undefined, `${tp}: the survivor ingested nothing of it`)
            assert.equal(taken.at(-1), ends.get(tp)! - 1, `${tp}: the survivor's last row`)
            assert.equal(taken.length, ends.get(tp)! - resumedAt, `${tp}: gaps in the survivor's rows`)
            if (takenOverBeforeRead) t.diagnostic(`${tp}: the takeover came before the committed offsets were read`)
            else assert.equal(resumedAt, atKill, `${tp}: the survivor resumed at ${resumedAt}, the victim had committed ${atKill}`)
            // In both stores: only what the victim wrote but had not committed (its rows from resumedAt on).
            assert.ok(resumedAt <= own.length, `${tp}: the survivor resumed at ${resumedAt}, past the victim's last row ${own.length - 1}`)
            const twice = own.length - resumedAt
            both += twice
            takeover.push(`${tp}: victim wrote ..${own.length - 1}, committed ${atKill}; survivor resumed at ${resumedAt}, ${twice} in both stores`)
          }
          for (const tp of survivorShare) {
            assert.deepEqual(survivorOffsets.get(tp), Array.from({ length: ends.get(tp)! }, (_, i) => i), `${tp}: the survivor's own share, from 0 to the end`)
          }

          // Nothing lost, nothing but the uncommitted tail twice, nothing that was not appended.
          for (const [where, value] of appender.appended) {
            assert.equal(victimRows.get(where) ?? survivorRows.get(where), value, `record ${where}: its events row`)
            if (victimRows.has(where) && survivorRows.has(where)) assert.equal(victimRows.get(where), survivorRows.get(where))
          }
          assert.equal(victimRows.size + survivorRows.size - both, appender.appended.size, 'distinct events rows across the stores, per record appended')
          assert.equal(await deadLetterCount(setup), 0, 'dead letters')
          assert.deepEqual([...(await groupOffsets(setup))].sort(), [...ends].sort(), 'the group committed the end offsets')

          t.diagnostic(
            `victim ${victim.name} killed ${killedAt - stageStarted} ms into the stage; takeover ${takeoverAt - killedAt} ms after the kill; ` +
              `${appender.appended.size} records, ${both} in both stores; total ${Date.now() - started} ms`,
          )
          for (const line of takeover) t.diagnostic(line)
        } finally {
          roundsLeft = 0
          await rounds.catch(() => undefined)
        }
      })
    })
  })
} else {
  describe('ingestion on Kafka: a consumer group of ingest processes', { skip: 'no broker (KOOBER_TEST_KAFKA is not set)' }, () => {})
}
