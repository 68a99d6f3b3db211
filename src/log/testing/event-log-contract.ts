/**
 * The contract every `EventLog` backend keeps, as a test suite that takes the
 * backend as a parameter. The embedded log runs it in `embedded-log.test.ts`;
 * the Kafka backend runs the same file unchanged against a real broker.
 *
 * Tests use fresh topic and group names, so a backend whose storage outlives
 * one test (a Kafka broker) needs no cleanup between them.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { isKooberError, type ErrorCode } from '../../errors.js'
import type { Consumer, EventLog, LogRecord, TopicPartition } from '../event-log.js'
import { partitionForKey } from '../partitioner.js'

export interface EventLogHarness {
  /** Opens the log under test (the same storage each time it is called). */
  open(): Promise<EventLog>
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`
}

export async function rejectsWith(promise: Promise<unknown> | (() => unknown), code: ErrorCode): Promise<void> {
  await assert.rejects(
    async () => (typeof promise === 'function' ? await promise() : await promise),
    (err: unknown) => {
      assert.ok(isKooberError(err), `expected a KooberError ${code}, got ${String(err)}`)
      assert.equal(err.code, code, err.message)
      return true
    },
  )
}

/** Polls until `count` records arrived (or fails after `timeoutMs`). */
export async function pollUntil(consumer: Consumer, count: number, timeoutMs = 10_000): Promise<LogRecord[]> {
  const out: LogRecord[] = []
  const deadline = Date.now() + timeoutMs
  while (out.length < count) {
    const remaining = deadline - Date.now()
    if (remaining <= 0) assert.fail(`received ${out.length} of ${count} records in ${timeoutMs} ms`)
    for (const record of await consumer.poll({ timeoutMs: Math.min(remaining, 500) })) out.push(record)
  }
  return out
}

/** Polls every consumer (a Kafka group only rebalances while its members poll) until `check` holds. */
export async function eventually(consumers: Consumer[], check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) assert.fail('condition not reached in time')
    await Promise.all(consumers.map((c) => c.poll({ timeoutMs: 50 })))
  }
}

function sortPartitions(list: TopicPartition[]): string[] {
  return list.map((p) => `${p.topic}/${p.partition}`).sort()
}

const text = (b: Buffer | null): string | null => (b === null ? null : b.toString('utf8'))

export function eventLogContract(backend: string, harness: EventLogHarness): void {
  describe(`EventLog contract: ${backend}`, () => {
    let log: EventLog

    before(async () => {
      log = await harness.open()
    })

    after(async () => {
      await log?.close()
    })

    it('creates, lists and describes topics', async () => {
      const name = uniqueName('topics')
      await log.createTopic(name, { partitions: 3 })
      assert.ok((await log.listTopics()).includes(name))
      const description = await log.describeTopic(name)
      assert.equal(description.name, name)
      assert.equal(description.partitions.length, 3)
      for (const [i, p] of description.partitions.entries()) {
        assert.equal(p.partition, i)
        assert.equal(p.startOffset, 0)
        assert.equal(p.endOffset, 0)
      }
      assert.equal(await log.ensureTopic(name, { partitions: 3 }), false)
      assert.equal(await log.ensureTopic(uniqueName('ensured'), { partitions: 1 }), true)
    })

    it('refuses bad topics with typed errors and creates nothing', async () => {
      const name = uniqueName('dup')
      await log.createTopic(name, { partitions: 1 })
      await rejectsWith(log.createTopic(name, { partitions: 1 }), 'KOOBER_LOG_TOPIC_EXISTS')
      await rejectsWith(log.createTopic('bad/name', { partitions: 1 }), 'KOOBER_LOG_INVALID_TOPIC')
      await rejectsWith(log.createTopic('', { partitions: 1 }), 'KOOBER_LOG_INVALID_TOPIC')
      const zero = uniqueName('zero')
      await rejectsWith(log.createTopic(zero, { partitions: 0 }), 'KOOBER_INVALID_ARGUMENT')
      assert.ok(!(await log.listTopics()).includes(zero))
      await rejectsWith(log.describeTopic(uniqueName('missing')), 'KOOBER_LOG_UNKNOWN_TOPIC')
      await rejectsWith(log.append(uniqueName('missing'), [{ value: 'x' }]), 'KOOBER_LOG_UNKNOWN_TOPIC')
    })

    it('acknowledges appends with offsets in order and reads back every field', async () => {
      const name = uniqueName('roundtrip')
      await log.createTopic(name, { partitions: 1 })
      const acks = await log.append(name, [
        { key: 'k1', value: 'first', headers: { source: 'test', bytes: Buffer.from([0, 1, 2]) }, timestamp: 1_700_000_000_000 },
        { key: null, value: Buffer.from([0xff, 0x00, 0x7f]), timestamp: 1_700_000_000_500 },
        { value: '' },
      ])
      assert.deepEqual(acks, [
        { partition: 0, offset: 0 },
        { partition: 0, offset: 1 },
        { partition: 0, offset: 2 },
      ])
      const more = await log.append(name, [{ value: 'fourth' }])
      assert.deepEqual(more, [{ partition: 0, offset: 3 }])

      const consumer = await log.consumer({ topics: [name] })
      const records = await pollUntil(consumer, 4)
      await consumer.close()
      assert.deepEqual(
        records.map((r) => r.offset),
        [0, 1, 2, 3],
      )
      const [first, second, third] = records as [LogRecord, LogRecord, LogRecord]
      assert.equal(first.topic, name)
      assert.equal(text(first.key), 'k1')
      assert.equal(text(first.value), 'first')
      assert.equal(first.timestamp, 1_700_000_000_000)
      assert.equal(text(first.headers.source!), 'test')
      assert.deepEqual([...first.headers.bytes!], [0, 1, 2])
      assert.equal(second.key, null)
      assert.deepEqual([...second.value], [0xff, 0x00, 0x7f])
      assert.equal(second.timestamp, 1_700_000_000_500)
      assert.deepEqual(Object.keys(second.headers), [])
      assert.equal(third.value.length, 0)
      assert.ok(Math.abs(third.timestamp - Date.now()) < 60_000, 'a record without a timestamp gets the append time')
      const description = await log.describeTopic(name)
      assert.equal(description.partitions[0]!.endOffset, 4)
    })

    it('keeps every record of concurrent appends, each at its own offset', async () => {
      const name = uniqueName('concurrent')
      await log.createTopic(name, { partitions: 2 })
      const appends = await Promise.all(
        Array.from({ length: 8 }, (_, a) => log.append(name, Array.from({ length: 250 + a }, (_, i) => ({ value: `${a}-${i}` })))),
      )
      const total = appends.reduce((sum, acks) => sum + acks.length, 0)
      const places = new Set(appends.flat().map((ack) => `${ack.partition}/${ack.offset}`))
      assert.equal(places.size, total, 'no two records acknowledged at the same place')
      const ends = (await log.describeTopic(name)).partitions.reduce((sum, p) => sum + p.endOffset, 0)
      assert.equal(ends, total, 'the log holds every acknowledged record')
      const consumer = await log.consumer({ topics: [name] })
      const records = await pollUntil(consumer, total)
      await consumer.close()
      const byPlace = new Map(records.map((r) => [`${r.partition}/${r.offset}`, r.value.toString()]))
      appends.forEach((acks, a) => acks.forEach((ack, i) => assert.equal(byPlace.get(`${ack.partition}/${ack.offset}`), `${a}-${i}`)))
    })

    it('puts a keyed record on the partition of murmur2(key), as Kafka does', async () => {
      const name = uniqueName('keyed')
      await log.createTopic(name, { partitions: 6 })
      const keys = Array.from({ length: 40 }, (_, i) => `driver-${i}`)
      const acks = await log.append(
        name,
        keys.map((key) => ({ key, value: key })),
      )
      acks.forEach((ack, i) => assert.equal(ack.partition, partitionForKey(keys[i]!, 6), keys[i]))
      const again = await log.append(name, [{ key: 'driver-7', value: 'again' }])
      assert.equal(again[0]!.partition, acks[7]!.partition)
    })

    it('spreads records without a key round-robin over the partitions', async () => {
      const name = uniqueName('spread')
      await log.createTopic(name, { partitions: 4 })
      const acks = await log.append(
        name,
        Array.from({ length: 40 }, (_, i) => ({ value: String(i) })),
      )
      const perPartition = [0, 0, 0, 0]
      for (const ack of acks) perPartition[ack.partition]!++
      assert.deepEqual(perPartition, [10, 10, 10, 10])
    })

    it('honours an explicit partition and refuses one out of range without appending anything', async () => {
      const name = uniqueName('explicit')
      await log.createTopic(name, { partitions: 2 })
      assert.deepEqual(await log.append(name, [{ value: 'a', partition: 1 }]), [{ partition: 1, offset: 0 }])
      await rejectsWith(log.append(name, [{ value: 'ok', partition: 0 }, { value: 'bad', partition: 2 }]), 'KOOBER_LOG_PARTITION_OUT_OF_RANGE')
      await rejectsWith(log.append(name, [{ value: 'bad', partition: -1 }]), 'KOOBER_LOG_PARTITION_OUT_OF_RANGE')
      const description = await log.describeTopic(name)
      assert.deepEqual(
        description.partitions.map((p) => p.endOffset),
        [0, 1],
      )
    })

    it('refuses a record over the maximum size, or of the wrong shape, and stays usable', async () => {
      const name = uniqueName('big')
      await log.createTopic(name, { partitions: 1, maxRecordBytes: 1000 })
      await rejectsWith(log.append(name, [{ value: 'small' }, { value: Buffer.alloc(2000) }]), 'KOOBER_LOG_RECORD_TOO_LARGE')
      await rejectsWith(log.append(name, [{ value: 42 as unknown as string }]), 'KOOBER_LOG_INVALID_RECORD')
      await rejectsWith(log.append(name, [{ value: 'x', timestamp: -5 }]), 'KOOBER_LOG_INVALID_RECORD')
      assert.equal((await log.describeTopic(name)).partitions[0]!.endOffset, 0)
      assert.deepEqual(await log.append(name, [{ value: 'fine' }]), [{ partition: 0, offset: 0 }])
    })

    it('finds the first offset at or after a time', async () => {
      const name = uniqueName('time')
      await log.createTopic(name, { partitions: 1 })
      const base = 1_700_000_000_000
      await log.append(
        name,
        [0, 10, 20, 30].map((s) => ({ value: `t${s}`, timestamp: base + s * 1000 })),
      )
      assert.equal(await log.offsetForTime(name, 0, base - 1), 0)
      assert.equal(await log.offsetForTime(name, 0, base + 10_000), 1)
      assert.equal(await log.offsetForTime(name, 0, base + 15_000), 2)
      assert.equal(await log.offsetForTime(name, 0, base + 30_000), 3)
      assert.equal(await log.offsetForTime(name, 0, base + 31_000), 4, 'past the last record: the end offset')
    })

    it('reads from the end, and wakes a waiting poll when records arrive', async () => {
      const name = uniqueName('tail')
      await log.createTopic(name, { partitions: 2 })
      await log.append(name, [{ value: 'old', partition: 0 }])
      const consumer = await log.consumer({ topics: [name], from: 'latest' })
      assert.deepEqual(await consumer.poll({ timeoutMs: 200 }), [])
      const waiting = consumer.poll({ timeoutMs: 10_000 })
      setTimeout(() => void log.append(name, [{ value: 'new', partition: 1 }]), 100)
      const started = Date.now()
      const records = await waiting
      assert.ok(Date.now() - started < 5_000)
      assert.deepEqual(
        records.map((r) => text(r.value)),
        ['new'],
      )
      await consumer.close()
    })

    it('returns an empty poll at its timeout and when its signal aborts', async () => {
      const name = uniqueName('idle')
      await log.createTopic(name, { partitions: 1 })
      const consumer = await log.consumer({ topics: [name] })
      const started = Date.now()
      assert.deepEqual(await consumer.poll({ timeoutMs: 100 }), [])
      assert.ok(Date.now() - started < 3_000)
      const controller = new AbortController()
      setTimeout(() => controller.abort(), 50)
      assert.deepEqual(await consumer.poll({ signal: controller.signal }), [])
      await consumer.close()
    })

    it('shares partitions in a group, one owner each, and rebalances as members come and go', async () => {
      const name = uniqueName('group')
      const group = uniqueName('g')
      await log.createTopic(name, { partitions: 4 })
      const a = await log.consumer({ topics: [name], group })
      await eventually([a], () => a.assignment().length === 4)
      const b = await log.consumer({ topics: [name], group })
      await eventually([a, b], () => a.assignment().length === 2 && b.assignment().length === 2)
      assert.deepEqual(sortPartitions([...a.assignment(), ...b.assignment()]), sortPartitions([0, 1, 2, 3].map((partition) => ({ topic: name, partition }))))

      await log.append(
        name,
        Array.from({ length: 8 }, (_, i) => ({ value: String(i), partition: i % 4 })),
      )
      const seen: LogRecord[] = []
      const deadline = Date.now() + 10_000
      while (seen.length < 8 && Date.now() < deadline) {
        for (const c of [a, b]) seen.push(...(await c.poll({ timeoutMs: 50 })))
      }
      assert.equal(seen.length, 8, 'every record reaches exactly one member')
      assert.equal(new Set(seen.map((r) => `${r.partition}/${r.offset}`)).size, 8)

      await b.close()
      await eventually([a], () => a.assignment().length === 4)
      await a.close()
    })

    it('resumes a group from its committed offsets', async () => {
      const name = uniqueName('commit')
      const group = uniqueName('g')
      await log.createTopic(name, { partitions: 1 })
      await log.append(
        name,
        Array.from({ length: 10 }, (_, i) => ({ value: String(i) })),
      )
      const first = await log.consumer({ topics: [name], group })
      const records = await pollUntil(first, 10)
      assert.equal(records.length, 10)
      await first.commit([{ topic: name, partition: 0, offset: 6 }])
      assert.deepEqual(await first.committed([{ topic: name, partition: 0 }]), [{ topic: name, partition: 0, offset: 6 }])
      await first.close()

      const second = await log.consumer({ topics: [name], group })
      const resumed = await pollUntil(second, 4)
      assert.deepEqual(
        resumed.map((r) => r.offset),
        [6, 7, 8, 9],
      )
      await second.commit()
      await second.close()

      const third = await log.consumer({ topics: [name], group })
      assert.deepEqual(await third.poll({ timeoutMs: 300 }), [])
      await third.close()
    })

    it('keeps committed offsets across a restart of the log', async () => {
      const name = uniqueName('durable')
      const group = uniqueName('g')
      await log.createTopic(name, { partitions: 2 })
      await log.append(
        name,
        Array.from({ length: 6 }, (_, i) => ({ value: String(i), partition: i % 2 })),
      )
      const consumer = await log.consumer({ topics: [name], group })
      await pollUntil(consumer, 6)
      await consumer.commit()
      await consumer.close()
      await log.close()
      log = await harness.open()
      await log.append(name, [{ value: 'after', partition: 1 }])
      const again = await log.consumer({ topics: [name], group })
      const records = await pollUntil(again, 1)
      assert.deepEqual(
        records.map((r) => [r.partition, r.offset, text(r.value)]),
        [[1, 3, 'after']],
      )
      await again.close()
    })

    it('replays with seek, by offset, by time, to the beginning and to the end', async () => {
      const name = uniqueName('seek')
      await log.createTopic(name, { partitions: 1 })
      const base = 1_700_000_000_000
      await log.append(
        name,
        Array.from({ length: 5 }, (_, i) => ({ value: String(i), timestamp: base + i * 1000 })),
      )
      const consumer = await log.consumer({ topics: [name] })
      await pollUntil(consumer, 5)
      const tp = { topic: name, partition: 0 }
      await consumer.seek({ ...tp, offset: 2 })
      assert.deepEqual(
        (await pollUntil(consumer, 3)).map((r) => r.offset),
        [2, 3, 4],
      )
      await consumer.seekToTime(name, base + 3000)
      assert.deepEqual(
        (await pollUntil(consumer, 2)).map((r) => r.offset),
        [3, 4],
      )
      await consumer.seekToBeginning()
      assert.equal((await pollUntil(consumer, 5))[0]!.offset, 0)
      await consumer.seekToEnd()
      assert.deepEqual(await consumer.poll({ timeoutMs: 100 }), [])
      await rejectsWith(consumer.seek({ topic: name, partition: 9, offset: 0 }), 'KOOBER_LOG_NOT_ASSIGNED')
      await rejectsWith(consumer.seek({ ...tp, offset: 99 }), 'KOOBER_LOG_OFFSET_OUT_OF_RANGE')
      await rejectsWith(consumer.commit(), 'KOOBER_LOG_NO_GROUP')
      await consumer.close()
    })

    it('refuses use after close with a typed error', async () => {
      const name = uniqueName('closed')
      await log.createTopic(name, { partitions: 1 })
      const consumer = await log.consumer({ topics: [name] })
      await consumer.close()
      await rejectsWith(consumer.poll({ timeoutMs: 10 }), 'KOOBER_LOG_CLOSED')
      const open = await log.consumer({ topics: [name] })
      await log.close()
      await rejectsWith(log.append(name, [{ value: 'x' }]), 'KOOBER_LOG_CLOSED')
      await rejectsWith(log.listTopics(), 'KOOBER_LOG_CLOSED')
      await rejectsWith(open.poll({ timeoutMs: 10 }), 'KOOBER_LOG_CLOSED')
      log = await harness.open()
      assert.ok((await log.listTopics()).includes(name), 'a closed log reopens with its topics')
    })
  })
}
