import assert from 'node:assert/strict'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { openEmbeddedLog } from './embedded-log.js'
import { eventLogContract, pollUntil, rejectsWith } from './testing/event-log-contract.js'

const root = mkdtempSync(join(tmpdir(), 'koober-embedded-'))
after(() => rmSync(root, { recursive: true, force: true }))
let dirs = 0
const freshDir = (): string => join(root, `d${dirs++}`)

const contractDir = freshDir()
eventLogContract('embedded', { open: () => openEmbeddedLog({ dataDir: contractDir }) })

describe('embedded log', () => {
  it('makes appends that arrive together share one sync (group commit)', async () => {
    const log = await openEmbeddedLog({ dataDir: freshDir() })
    await log.createTopic('t', { partitions: 1 })
    const before = log.stats()
    const acks = await Promise.all(Array.from({ length: 50 }, (_, i) => log.append('t', [{ value: String(i) }])))
    const stats = log.stats()
    assert.equal(stats.appends - before.appends, 50)
    assert.ok(stats.syncs - before.syncs <= 2, `50 concurrent appends took ${stats.syncs - before.syncs} syncs`)
    assert.deepEqual(
      acks.map((a) => a[0]!.offset),
      Array.from({ length: 50 }, (_, i) => i),
    )
    await log.close()
  })

  it('refuses a second writer on the same directory', async () => {
    const dir = freshDir()
    const log = await openEmbeddedLog({ dataDir: dir })
    await rejectsWith(openEmbeddedLog({ dataDir: dir }), 'KOOBER_LOG_LOCKED')
    await log.close()
    const again = await openEmbeddedLog({ dataDir: dir })
    await again.close()
  })

  it('lets a read-only log follow what the writer appends, and refuses writes through it', async () => {
    const dir = freshDir()
    const writer = await openEmbeddedLog({ dataDir: dir })
    await writer.createTopic('early', { partitions: 2 })
    const reader = await openEmbeddedLog({ dataDir: dir, readOnly: true })
    await writer.createTopic('late', { partitions: 1 })
    assert.deepEqual(await reader.listTopics(), ['early', 'late'])
    await rejectsWith(reader.append('early', [{ value: 'x' }]), 'KOOBER_LOG_READ_ONLY')
    await rejectsWith(reader.createTopic('nope', { partitions: 1 }), 'KOOBER_LOG_READ_ONLY')

    const consumer = await reader.consumer({ topics: ['early', 'late'], group: 'watchers' })
    const waiting = pollUntil(consumer, 3)
    await writer.append('early', [{ value: 'a' }, { value: 'b' }])
    await writer.append('late', [{ value: 'c' }])
    const records = await waiting
    assert.deepEqual(records.map((r) => r.value.toString()).sort(), ['a', 'b', 'c'])
    await consumer.commit()
    assert.equal((await reader.describeTopic('early')).partitions.reduce((s, p) => s + p.endOffset, 0), 2)
    await consumer.close()
    await reader.close()
    await writer.close()
  })

  it('rolls segments by size, writes their index, and reads across them after a restart', async () => {
    const dir = freshDir()
    let log = await openEmbeddedLog({ dataDir: dir })
    await log.createTopic('rolled', { partitions: 1, segmentBytes: 4096 })
    for (let i = 0; i < 20; i++) {
      await log.append('rolled', Array.from({ length: 10 }, (_, k) => ({ value: `r${i * 10 + k}`.padEnd(100, '.') })))
    }
    const description = await log.describeTopic('rolled')
    assert.ok(description.partitions[0]!.segments! > 3, `${description.partitions[0]!.segments} segments`)
    const files = readdirSync(join(dir, 'topics', 'rolled', '0'))
    const logs = files.filter((f) => f.endsWith('.log'))
    const indexes = files.filter((f) => f.endsWith('.index'))
    assert.equal(indexes.length, logs.length - 1, 'every sealed segment has an index file')
    await log.close()

    // One index lost: that segment is scanned instead, and reads are the same.
    rmSync(join(dir, 'topics', 'rolled', '0', indexes[1]!))
    log = await openEmbeddedLog({ dataDir: dir })
    const consumer = await log.consumer({ topics: ['rolled'] })
    const records = await pollUntil(consumer, 200)
    assert.deepEqual(
      records.map((r) => r.offset),
      Array.from({ length: 200 }, (_, i) => i),
    )
    assert.ok(records.every((r, i) => r.value.toString().startsWith(`r${i}.`)))
    await consumer.seek({ topic: 'rolled', partition: 0, offset: 137 })
    assert.equal((await pollUntil(consumer, 1))[0]!.value.toString().slice(0, 5), 'r137.')
    await consumer.close()
    await log.close()
  })

  it('deletes old segments by size and by time, and moves readers to the oldest record left', async () => {
    const dir = freshDir()
    const log = await openEmbeddedLog({ dataDir: dir })
    await log.createTopic('sized', { partitions: 1, segmentBytes: 2048, retentionBytes: 6000 })
    const lagging = await log.consumer({ topics: ['sized'], group: 'slow' })
    await log.append('sized', [{ value: 'first' }])
    await lagging.poll({ timeoutMs: 100 })
    await lagging.commit()
    for (let i = 0; i < 40; i++) await log.append('sized', [{ value: 'x'.repeat(300) }])
    const sized = (await log.describeTopic('sized')).partitions[0]!
    assert.ok(sized.sizeBytes <= 6000 + 2048, `${sized.sizeBytes} bytes kept`)
    assert.ok(sized.startOffset > 0)
    assert.equal(sized.endOffset, 41)
    const rest = await pollUntil(lagging, 41 - sized.startOffset)
    assert.equal(rest[0]!.offset, sized.startOffset, 'a reader behind the start continues from the oldest record left')
    await lagging.close()

    await log.createTopic('timed', { partitions: 1, segmentBytes: 1024, retentionMs: 60_000 })
    const old = Date.now() - 3_600_000
    for (let i = 0; i < 10; i++) await log.append('timed', [{ value: 'y'.repeat(200), timestamp: old + i }])
    await log.append('timed', [{ value: 'recent' }])
    await log.applyRetention()
    const timed = (await log.describeTopic('timed')).partitions[0]!
    assert.equal(timed.segments, 1, 'only the active segment is left')
    assert.ok(timed.startOffset > 0)
    assert.equal(timed.endOffset, 11)
    const reader = await log.consumer({ topics: ['timed'] })
    const left = await pollUntil(reader, 11 - timed.startOffset)
    assert.equal(left[0]!.offset, timed.startOffset)
    assert.equal(left[left.length - 1]!.value.toString(), 'recent')
    await reader.close()
    await log.close()
  })

  it('removes a topic whose creation never finished', async () => {
    const dir = freshDir()
    mkdirSync(join(dir, 'topics', 'half', '0'), { recursive: true })
    const log = await openEmbeddedLog({ dataDir: dir })
    assert.deepEqual(await log.listTopics(), [])
    assert.ok(!existsSync(join(dir, 'topics', 'half')))
    await log.createTopic('half', { partitions: 1 })
    await log.close()
  })

  it('keeps each group to one process', async () => {
    const dir = freshDir()
    const log = await openEmbeddedLog({ dataDir: dir })
    await log.createTopic('t', { partitions: 1 })
    const member = await log.consumer({ topics: ['t'], group: 'solo' })
    const reader = await openEmbeddedLog({ dataDir: dir, readOnly: true })
    await rejectsWith(reader.consumer({ topics: ['t'], group: 'solo' }), 'KOOBER_LOG_GROUP_BUSY')
    await rejectsWith(reader.consumer({ topics: ['t'], group: '../escape' }), 'KOOBER_INVALID_ARGUMENT')
    await member.close()
    const now = await reader.consumer({ topics: ['t'], group: 'solo' })
    await now.close()
    await reader.close()
    await log.close()
  })
})

describe('embedded log reads', () => {
  it('is not thrown off by an application that changes the buffers of records it received', async () => {
    const log = await openEmbeddedLog({ dataDir: freshDir() })
    await log.createTopic('t', { partitions: 1 })
    await log.append('t', [{ value: 'aaaa' }, { value: 'bbbb' }, { value: 'cccc' }])
    const consumer = await log.consumer({ topics: ['t'] })
    const [first] = await consumer.poll({ timeoutMs: 0, maxRecords: 1 })
    first!.value.fill('z')
    assert.deepEqual(
      (await consumer.poll({ timeoutMs: 0, maxRecords: 1 })).map((r) => r.value.toString()),
      ['bbbb'],
    )
    assert.deepEqual(
      (await consumer.poll({ timeoutMs: 0 })).map((r) => r.value.toString()),
      ['cccc'],
    )
    await consumer.close()
    await log.close()
  })
})
