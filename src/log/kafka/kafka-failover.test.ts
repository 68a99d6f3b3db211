/**
 * Failover of a Kafka consumer group across processes: two members, each a
 * child process (`testing/group-member.ts`), split a topic's four partitions;
 * while records flow, one of them is SIGKILLed, and the survivor must take
 * over its partitions once the broker notices (the session timeout).
 *
 * Checked: every acknowledged record is printed by a member (no loss), with
 * the value it was appended with; each member prints a partition's offsets in
 * increasing order, without gaps; the survivor starts a partition it took over
 * exactly at the offset the dead member last committed, so at most what the
 * dead member printed but had not committed is read twice; and at the end the
 * group's committed offsets are the end offsets, as a new member sees them.
 *
 * Needs a broker: KOOBER_TEST_KAFKA (test/run-tests.ts starts one).
 */
import assert from 'node:assert/strict'
import { randomInt } from 'node:crypto'
import { after, describe, it, type TestContext } from 'node:test'
import { fileURLToPath } from 'node:url'
import { orFailureOf } from '../testing/background-failure.js'
import { ChildWorker, type ChildExit } from '../testing/child-worker.js'
import { uniqueName } from '../testing/event-log-contract.js'
import { kafkaTestBrokers } from '../testing/kafka-test-brokers.js'
import { openKafkaLog, type KafkaLog } from './kafka-log.js'
import { MemberWatch } from '../testing/member-watch.js'

const SCRIPT = fileURLToPath(new URL('../testing/group-member.ts', import.meta.url))

const PARTITIONS = 4
/** The broker's smallest session timeout by default (group.min.session.timeout.ms). */
const SESSION_TIMEOUT_MS = 6_000
/** Records per partition in each append round, and the pause between rounds. */
const RECORDS_PER_PARTITION = 2
const ROUND_INTERVAL_MS = 25
/** The victim is killed once it has printed this many records, after a random extra delay. */
const KILL_AFTER_RECORDS = 30
const KILL_JITTER_MS = 150
/** A member waits this long between printing records and committing them: a kill often falls in between. */
const COMMIT_DELAY_MS = 20
/** The longest any one stage may take: joining, the takeover, reading everything. */
const STAGE_TIMEOUT_MS = 25_000

const brokers = kafkaTestBrokers()

/** One child process, member of the group, and what it printed. */
class Member {
  readonly worker: ChildWorker
  /** The assignment it printed last, and every one with its time. */
  assignment: number[] | undefined
  readonly assignments: Array<{ at: number; partitions: number[] }> = []
  ready = false
  closed = false
  /** Per partition, the offsets printed, in order, and when the first one came. */
  readonly printed: number[][] = Array.from({ length: PARTITIONS }, () => [])
  readonly firstPrintedAt: Array<number | undefined> = Array.from({ length: PARTITIONS }, () => undefined)
  readonly values = new Map<string, string>()
  /** Per partition, the last offset whose commit it reported done (-1: none). */
  readonly committed: number[] = Array.from({ length: PARTITIONS }, () => -1)
  readonly commitFailures: string[] = []
  readonly problems: string[] = []

  constructor(
    readonly name: string,
    where: { topic: string; group: string },
  ) {
    const args = [brokers!.join(','), where.topic, where.group, name, String(SESSION_TIMEOUT_MS), String(COMMIT_DELAY_MS)]
    this.worker = new ChildWorker(SCRIPT, args, { onLine: (text, at) => this.onLine(text, at), watch })
  }

  get exit(): ChildExit | undefined {
    return this.worker.exit
  }

  private onLine(text: string, at: number): void {
    const [kind, ...rest] = text.split(' ')
    if (kind === 'assignment' && rest.length === 1) {
      this.assignment = rest[0] === '-' ? [] : rest[0]!.split(',').map(Number)
      this.assignments.push({ at, partitions: this.assignment })
    } else if (kind === 'ready' && rest.length === 0) {
      this.ready = true
    } else if (kind === 'closed' && rest.length === 0) {
      this.closed = true
    } else if (kind === 'record' && rest.length === 3) {
      const partition = Number(rest[0])
      const offset = Number(rest[1])
      const list = this.printed[partition]
      if (!list || !Number.isSafeInteger(offset)) return void this.problems.push(`bad line ${JSON.stringify(text)}`)
      const last = list.at(-1)
      if (last !== undefined && offset !== last + 1) this.problems.push(`partition ${partition}: printed offset ${offset} after ${last}`)
      list.push(offset)
      this.firstPrintedAt[partition] ??= at
      this.values.set(`${partition}/${offset}`, rest[2]!)
    } else if (kind === 'committed' && rest.length === 2) {
      const partition = Number(rest[0])
      const offset = Number(rest[1])
      if (!(partition >= 0 && partition < PARTITIONS) || !Number.isSafeInteger(offset)) return void this.problems.push(`bad line ${JSON.stringify(text)}`)
      if (offset < this.committed[partition]!) this.problems.push(`partition ${partition}: committed ${offset} after ${this.committed[partition]}`)
      this.committed[partition] = offset
    } else if (kind === 'commit-failed') {
      this.commitFailures.push(text)
    } else {
      this.problems.push(`unexpected line ${JSON.stringify(text)}`)
    }
  }

  get printedCount(): number {
    return this.printed.reduce((sum, list) => sum + list.length, 0)
  }

  lastPrinted(partition: number): number {
    return this.printed[partition]!.at(-1) ?? -1
  }

  async kill(signal: NodeJS.Signals): Promise<void> {
    await this.worker.kill(signal)
  }

  /** What it did and the end of what it printed, for a failure report. */
  report(): string[] {
    return [
      `member ${this.name}: exit=${JSON.stringify(this.exit ?? null)} assignment=${JSON.stringify(this.assignment ?? null)} ` +
        `printed=${this.printed.map((l) => l.length).join('/')} committed=${this.committed.join('/')}`,
      `  assignments: ${this.assignments.map((x) => `[${x.partitions.join(',')}]`).join(' ')}`,
      `  problems: ${JSON.stringify(this.problems.slice(0, 10))}`,
      `  commit failures: ${JSON.stringify(this.commitFailures.slice(0, 10))}`,
      ...this.worker.outputReport(15),
    ]
  }
}

const watch = new MemberWatch()
const waitFor = (what: string, alive: Member[], check: () => boolean, timeoutMs = STAGE_TIMEOUT_MS): Promise<void> => watch.waitFor(what, alive, check, timeoutMs)

const members = new Set<Member>()
after(async () => {
  await Promise.all([...members].map((m) => m.kill('SIGKILL')))
})

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** The group's committed offsets read with OffsetFetch, which needs no membership: -1 where none. */
async function groupOffsets(log: KafkaLog, group: string, topic: string): Promise<number[]> {
  const partitionIndexes = Array.from({ length: PARTITIONS }, (_, p) => p)
  const [listed] = await log.admin.listConsumerGroupOffsets({ groups: [{ groupId: group, topics: [{ name: topic, partitionIndexes }] }] })
  const out = Array.from({ length: PARTITIONS }, () => -1)
  for (const t of listed?.topics ?? []) {
    if (t.name !== topic) continue
    for (const p of t.partitions) out[p.partitionIndex] = Number(p.committedOffset)
  }
  return out
}

async function scenario(t: TestContext, log: KafkaLog, started: number): Promise<void> {
  const topic = uniqueName('failover')
  const group = uniqueName('failover-g')
  await log.createTopic(topic, { partitions: PARTITIONS })
  const pair = [new Member('a', { topic, group }), new Member('b', { topic, group })]
  for (const m of pair) members.add(m)
  try {
    await body(t, log, topic, group, pair as [Member, Member], started)
  } catch (err) {
    for (const m of pair) for (const line of m.report()) t.diagnostic(line)
    throw err
  } finally {
    await Promise.all(pair.map((m) => m.kill('SIGKILL')))
    for (const m of pair) members.delete(m)
  }
}

async function body(t: TestContext, log: KafkaLog, topic: string, group: string, [a, b]: [Member, Member], started: number): Promise<void> {
  const split = (): boolean =>
    a.ready && b.ready && a.assignment?.length === 2 && b.assignment?.length === 2 && new Set([...a.assignment, ...b.assignment]).size === PARTITIONS
  await waitFor('even split of the partitions', [a, b], split)
  const splitAt = Date.now()

  const [victim, survivor] = randomInt(2) === 0 ? [a, b] : [b, a]
  const victimPartitions = [...victim.assignment!]
  const survivorPartitions = [...survivor.assignment!]

  // Appends in rounds (RECORDS_PER_PARTITION to each partition) until told to stop; every acknowledged record lands in `acked`.
  const acked: Array<Map<number, string>> = Array.from({ length: PARTITIONS }, () => new Map())
  let roundsLeft = Infinity
  let round = 0
  const appender = (async () => {
    while (roundsLeft-- > 0) {
      round++
      const records = Array.from({ length: PARTITIONS * RECORDS_PER_PARTITION }, (_, i) => ({ partition: i % PARTITIONS, value: `r${round}-${i}` }))
      const placed = await log.append(topic, records)
      placed.forEach(({ partition, offset }, i) => {
        assert.equal(partition, records[i]!.partition)
        assert.ok(!acked[partition]!.has(offset), `offset ${partition}/${offset} acknowledged twice`)
        acked[partition]!.set(offset, records[i]!.value)
      })
      await sleep(ROUND_INTERVAL_MS)
    }
  })()
  // A failed append fails the test at once rather than when the appender is awaited.
  const orAppenderFails = orFailureOf(appender)

  try {
    await orAppenderFails(waitFor(`${KILL_AFTER_RECORDS} records from the victim`, [a, b], () => victim.printedCount >= KILL_AFTER_RECORDS))
    await sleep(randomInt(KILL_JITTER_MS))
    const killedAt = Date.now()
    const ackedForVictimAtKill = victimPartitions.reduce((sum, p) => sum + acked[p]!.size, 0)
    const victimLastLineAgo = killedAt - (victim.worker.lastLineAt ?? killedAt)
    await victim.kill('SIGKILL')
    assert.equal(victim.exit?.signal, 'SIGKILL', `member ${victim.name} ended by itself`)
    // Let a commit the victim had on the wire land (or not), then read what it left committed.
    await sleep(300)
    const committedAtKill = await groupOffsets(log, group, topic)
    const takenOverBeforeRead = survivor.assignment!.length !== survivorPartitions.length

    await orAppenderFails(waitFor('takeover of every partition', [survivor], () => survivor.assignment?.length === PARTITIONS))
    const takeoverAt = survivor.assignments.at(-1)!.at
    // Two more rounds after the takeover, so every partition gets records the survivor reads fresh.
    roundsLeft = 2
    await appender
    const ends = await log.describeTopic(topic).then((d) => d.partitions.map((p) => p.endOffset))
    for (let p = 0; p < PARTITIONS; p++) assert.equal(acked[p]!.size, ends[p], `partition ${p}: ${acked[p]!.size} acknowledged, end offset ${ends[p]}`)

    await waitFor('every acknowledged record', [survivor], () => ends.every((end, p) => survivor.lastPrinted(p) === end - 1))
    await waitFor('commits up to the end offsets', [survivor], () => ends.every((end, p) => survivor.committed[p] === end))
    const survivorCommitted = [...survivor.committed]
    await survivor.kill('SIGTERM')
    assert.ok(survivor.closed && survivor.exit?.code === 0, `member ${survivor.name} did not close cleanly: ${JSON.stringify(survivor.exit)}`)

    // Both members: nothing unparseable, offsets increasing without gaps within a partition.
    for (const m of [a, b]) assert.deepEqual(m.problems, [], `member ${m.name}`)
    // The victim printed only its own partitions, the survivor its own from the start.
    for (let p = 0; p < PARTITIONS; p++) {
      if (!victimPartitions.includes(p)) assert.equal(victim.printed[p]!.length, 0, `victim printed partition ${p}, which it did not own`)
      if (victim.printed[p]!.length > 0) assert.equal(victim.printed[p]![0], 0, `victim started partition ${p} at ${victim.printed[p]![0]}`)
    }
    for (const p of survivorPartitions) assert.equal(survivor.printed[p]![0], 0, `survivor started its partition ${p} at ${survivor.printed[p]![0]}`)

    // No loss: every acknowledged record printed by a member, with its value; nothing printed that was not appended.
    for (let p = 0; p < PARTITIONS; p++) {
      for (const [offset, value] of acked[p]!) {
        const seen = victim.values.get(`${p}/${offset}`) ?? survivor.values.get(`${p}/${offset}`)
        assert.equal(seen, value, `acknowledged ${p}/${offset} (${value}) was ${seen === undefined ? 'never printed' : `printed as ${seen}`}`)
      }
      for (const m of [a, b]) {
        for (const offset of m.printed[p]!) assert.equal(m.values.get(`${p}/${offset}`), acked[p]!.get(offset), `member ${m.name} printed ${p}/${offset}`)
      }
    }

    // Committed offsets respected: the survivor resumes each partition it took over at the victim's last commit.
    const takeover: string[] = []
    let reread = 0
    for (const p of victimPartitions) {
      const lastCommitLine = victim.committed[p]!
      const lastPrinted = victim.lastPrinted(p)
      const atKill = committedAtKill[p]!
      const resumedAt = survivor.printed[p]![0]!
      // The victim's last commit lies between the last one it reported done and the end of what it printed.
      const between = (offset: number): boolean => offset >= Math.max(lastCommitLine, 0) && offset <= lastPrinted + 1
      assert.ok(
        between(resumedAt),
        `partition ${p}: the survivor resumed at ${resumedAt}; the victim reported ${lastCommitLine} committed and printed up to ${lastPrinted}`,
      )
      if (takenOverBeforeRead) {
        // Then the survivor may have committed already: only the bounds above hold.
        t.diagnostic(`partition ${p}: the takeover came before the committed offsets were read`)
      } else {
        assert.ok(between(Math.max(atKill, 0)), `partition ${p}: the group had ${atKill} committed after the kill; the victim reported ${lastCommitLine} committed and printed up to ${lastPrinted}`)
        assert.equal(resumedAt, Math.max(atKill, 0), `partition ${p}: the survivor resumed at ${resumedAt}, the victim had committed ${atKill}`)
      }
      reread += lastPrinted + 1 - resumedAt
      takeover.push(
        `p${p}: victim printed ..${lastPrinted}, reported commit ${lastCommitLine}, group had ${atKill}; survivor resumed at ${resumedAt} ` +
          `${survivor.firstPrintedAt[p]! - killedAt} ms after the kill`,
      )
    }

    // At the end the group's offsets are the end offsets, read without and with membership.
    assert.deepEqual(survivorCommitted, ends)
    assert.deepEqual(await groupOffsets(log, group, topic), ends, 'committed offsets after the survivor left')
    const joinStarted = Date.now()
    const fresh = await log.consumer({ topics: [topic], group })
    const joinMs = Date.now() - joinStarted
    try {
      const committed = await fresh.committed()
      assert.deepEqual(
        committed.map((c) => [c.partition, c.offset]),
        ends.map((end, p) => [p, end]),
      )
      assert.deepEqual(await fresh.poll({ timeoutMs: 500 }), [], 'a new member of the group read records that were committed')
    } finally {
      await fresh.close()
    }

    const total = acked.reduce((sum, m) => sum + m.size, 0)
    t.diagnostic(
      `victim=${victim.name} owned ${victimPartitions.join(',')} killed after printing ${victim.printedCount}; ` +
        `split ${splitAt - started} ms after start; takeover ${takeoverAt - killedAt} ms after the kill; ` +
        `(acked for it then ${ackedForVictimAtKill}, its last line ${victimLastLineAgo} ms before); acked=${total} reread=${reread} survivor commit failures=${survivor.commitFailures.length}; total ${Date.now() - started} ms`,
    )
    for (const line of takeover) t.diagnostic(line)
    t.diagnostic(`after the survivor left, a new member joined in ${joinMs} ms`)
    for (const failure of survivor.commitFailures.slice(0, 5)) t.diagnostic(`survivor: ${failure}`)
  } finally {
    roundsLeft = 0
    await appender.catch(() => undefined)
  }
}

if (brokers) {
  describe('kafka: a consumer group across processes', () => {
    it('fails over: the survivor of a SIGKILL takes over its partitions from the committed offsets, losing nothing', { timeout: 60_000 }, async (t) => {
      const started = Date.now()
      const log = await openKafkaLog({ brokers, sessionTimeoutMs: SESSION_TIMEOUT_MS })
      try {
        await scenario(t, log, started)
      } finally {
        await log.close()
      }
    })
  })
} else {
  describe('kafka: a consumer group across processes', { skip: 'no broker (KOOBER_TEST_KAFKA is not set)' }, () => {})
}
