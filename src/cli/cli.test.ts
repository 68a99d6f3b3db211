import assert from 'node:assert/strict'
import type { ChildProcessWithoutNullStreams } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { openEmbeddedLog, partitionForKey } from '../log/index.js'
import { runCli as runCliProcess, spawnCli as spawnCliProcess, type CliResult } from './testing/run-cli.js'

const root = mkdtempSync(join(tmpdir(), 'koober-cli-'))
after(() => rmSync(root, { recursive: true, force: true }))

let dirs = 0
const freshDir = (): string => join(root, `d${dirs++}`)

const spawnCli = (args: string[], env: Record<string, string> = {}): ChildProcessWithoutNullStreams => spawnCliProcess(args, { env })
const runCli = (args: string[], options: { input?: string; env?: Record<string, string> } = {}): Promise<CliResult> => runCliProcess(args, options)

const jsonLines = (text: string): Array<Record<string, unknown>> =>
  text
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>)

/** Resolves with everything printed so far once `pattern` shows up in the child's standard output. */
function waitForOutput(child: ChildProcessWithoutNullStreams, pattern: RegExp, timeoutMs = 15_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = ''
    const timer = setTimeout(() => reject(new Error(`no ${pattern} in ${timeoutMs} ms; got: ${seen}`)), timeoutMs)
    child.stdout.on('data', (d: string) => {
      seen += d
      if (pattern.test(seen)) {
        clearTimeout(timer)
        resolve(seen)
      }
    })
  })
}

describe('koober topics', () => {
  it('creates, lists and describes topics', async () => {
    const dir = freshDir()
    const created = await runCli(['topics', 'create', 'orders', '--partitions', '3', '--data-dir', dir])
    assert.equal(created.code, 0, created.stderr)
    assert.match(created.stdout, /created topic orders with 3 partitions/)
    await runCli(['topics', 'create', 'alpha', '--data-dir', dir])
    const listed = await runCli(['topics', 'list', '--data-dir', dir])
    assert.equal(listed.stdout, 'alpha\norders\n')
    const described = await runCli(['topics', 'describe', 'orders', '--json', '--data-dir', dir])
    const description = JSON.parse(described.stdout) as { partitions: Array<{ endOffset: number }> }
    assert.equal(description.partitions.length, 3)
    const table = await runCli(['topics', 'describe', 'orders', '--data-dir', dir])
    assert.match(table.stdout, /partition\s+start\s+end\s+records\s+bytes\s+segments/)
  })

  it('reads the data directory from KOOBER_DATA_DIR', async () => {
    const dir = freshDir()
    await runCli(['topics', 'create', 'envtopic'], { env: { KOOBER_DATA_DIR: dir } })
    assert.equal((await runCli(['topics', 'list', '--data-dir', dir])).stdout, 'envtopic\n')
  })

  it('explains wrong usage with exit code 2 and runtime errors with exit code 1', async () => {
    const dir = freshDir()
    const badNumber = await runCli(['topics', 'create', 'x', '--partitions', 'many', '--data-dir', dir])
    assert.equal(badNumber.code, 2)
    assert.match(badNumber.stderr, /--partitions.*expected a whole number/)
    const zero = await runCli(['topics', 'create', 'x', '--partitions', '0', '--data-dir', dir])
    assert.equal(zero.code, 2)
    const badName = await runCli(['topics', 'create', 'no/slash', '--data-dir', dir])
    assert.equal(badName.code, 1)
    assert.match(badName.stderr, /invalid topic name/)
    await runCli(['topics', 'create', 'twice', '--data-dir', dir])
    const twice = await runCli(['topics', 'create', 'twice', '--data-dir', dir])
    assert.equal(twice.code, 1)
    assert.match(twice.stderr, /already exists/)
    const unknown = await runCli(['topics', 'describe', 'nope', '--data-dir', dir])
    assert.equal(unknown.code, 1)
    assert.match(unknown.stderr, /unknown topic "nope"/)
    const missingDir = await runCli(['topics', 'list', '--data-dir', join(dir, 'does-not-exist')])
    assert.equal(missingDir.code, 2)
    assert.match(missingDir.stderr, /no log in .*does-not-exist/)
    assert.equal((await runCli(['nonsense'])).code, 2)
  })
})

describe('koober produce and consume', () => {
  it('acknowledges each line once durable, in input order, keyed by a JSON field', async () => {
    const dir = freshDir()
    await runCli(['topics', 'create', 'driver', '--partitions', '4', '--data-dir', dir])
    const ids = ['d1', 'd2', 'd3', 'd1', 'd4', 'd2']
    const input = ids.map((id, i) => JSON.stringify({ id, seq: i })).join('\n') + '\n\n'
    const produced = await runCli(['produce', 'driver', '--key-field', 'id', '--data-dir', dir], { input })
    assert.equal(produced.code, 0, produced.stderr)
    const acks = jsonLines(produced.stdout) as Array<{ partition: number; offset: number }>
    assert.equal(acks.length, ids.length, 'the empty line is skipped')
    acks.forEach((ack, i) => assert.equal(ack.partition, partitionForKey(ids[i]!, 4)))
    const byPartition = new Map<number, number[]>()
    for (const ack of acks) byPartition.set(ack.partition, [...(byPartition.get(ack.partition) ?? []), ack.offset])
    for (const offsets of byPartition.values()) assert.deepEqual(offsets, offsets.map((_, i) => i), 'offsets in input order')

    const consumed = await runCli(['consume', 'driver', '--from-beginning', '--data-dir', dir])
    assert.equal(consumed.code, 0, consumed.stderr)
    const records = jsonLines(consumed.stdout)
    assert.equal(records.length, ids.length)
    for (const record of records) {
      assert.deepEqual(Object.keys(record), ['topic', 'partition', 'offset', 'timestamp', 'key', 'value', 'headers'])
      const value = JSON.parse(record.value as string) as { id: string; seq: number }
      assert.equal(record.key, value.id)
      assert.equal(record.partition, partitionForKey(value.id, 4))
    }
    const d1 = records.filter((r) => r.key === 'd1').map((r) => (JSON.parse(r.value as string) as { seq: number }).seq)
    assert.deepEqual(d1, [0, 3], 'records of one key keep their order')
  })

  it('produces plain text lines without a key, and a large input in order', async () => {
    const dir = freshDir()
    await runCli(['topics', 'create', 'lines', '--partitions', '2', '--data-dir', dir])
    const lines = Array.from({ length: 30_000 }, (_, i) => `line ${i} ünïcødé`)
    const produced = await runCli(['produce', 'lines', '--data-dir', dir], { input: lines.join('\r\n') })
    assert.equal(produced.code, 0, produced.stderr)
    assert.equal(jsonLines(produced.stdout).length, lines.length)
    const consumed = await runCli(['consume', 'lines', '--from-beginning', '--data-dir', dir])
    const values = jsonLines(consumed.stdout).map((r) => r.value as string)
    assert.equal(values.length, lines.length)
    assert.deepEqual([...values].sort(), [...lines].sort())
    assert.ok(values.every((v) => !v.endsWith('\r')))
  })

  it('stops at the first bad line, keeping the lines before it', async () => {
    const dir = freshDir()
    await runCli(['topics', 'create', 'rider', '--data-dir', dir])
    const input = '{"id":"r1"}\n{"id":"r2"}\nnot json\n{"id":"r3"}\n'
    const produced = await runCli(['produce', 'rider', '--key-field', 'id', '--data-dir', dir], { input })
    assert.equal(produced.code, 1)
    assert.match(produced.stderr, /line 3 is not JSON/)
    assert.equal(jsonLines(produced.stdout).length, 2)
    const noField = await runCli(['produce', 'rider', '--key-field', 'id', '--data-dir', dir], { input: '{"other":1}\n' })
    assert.equal(noField.code, 1)
    assert.match(noField.stderr, /line 1 has no string or number field "id"/)
    const consumed = await runCli(['consume', 'rider', '--from-beginning', '--data-dir', dir])
    assert.deepEqual(
      jsonLines(consumed.stdout).map((r) => r.key),
      ['r1', 'r2'],
    )
    const unknown = await runCli(['produce', 'nope', '--data-dir', dir], { input: 'x\n' })
    assert.equal(unknown.code, 1)
    assert.match(unknown.stderr, /unknown topic "nope"/)
  })

  it('commits what it printed with --group, stops at --max, and resumes there', async () => {
    const dir = freshDir()
    await runCli(['topics', 'create', 'events', '--partitions', '1', '--data-dir', dir])
    await runCli(['produce', 'events', '--data-dir', dir], { input: Array.from({ length: 10 }, (_, i) => `e${i}`).join('\n') })
    const first = await runCli(['consume', 'events', '--group', 'g1', '--from-beginning', '--max', '4', '--data-dir', dir])
    assert.deepEqual(
      jsonLines(first.stdout).map((r) => r.value),
      ['e0', 'e1', 'e2', 'e3'],
    )
    const second = await runCli(['consume', 'events', '--group', 'g1', '--data-dir', dir])
    assert.deepEqual(
      jsonLines(second.stdout).map((r) => r.value),
      ['e4', 'e5', 'e6', 'e7', 'e8', 'e9'],
    )
    const third = await runCli(['consume', 'events', '--group', 'g1', '--data-dir', dir])
    assert.equal(third.stdout, '')
    const latest = await runCli(['consume', 'events', '--data-dir', dir])
    assert.equal(latest.stdout, '', 'without --from-beginning or a committed offset, only new records')
  })

  it('follows a log that another process writes, and refuses a second writer', async () => {
    const dir = freshDir()
    const writer = await openEmbeddedLog({ dataDir: dir })
    await writer.createTopic('live', { partitions: 2 })
    const follower = spawnCli(['consume', 'live', '--follow', '--data-dir', dir])
    try {
      let seen = ''
      follower.stdout.on('data', (d: string) => (seen += d))
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('the follower never said it was following')), 30_000)
        let said = ''
        follower.stderr.on('data', (d: string) => {
          said += d
          if (said.includes('following live')) {
            clearTimeout(timer)
            resolve()
          }
        })
      })
      await writer.append('live', [{ value: 'one' }, { value: 'two' }])
      await writer.append('live', [{ key: 'k', value: 'three' }])
      const deadline = Date.now() + 10_000
      while (jsonLines(seen).length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
      assert.deepEqual(jsonLines(seen).map((r) => r.value).sort(), ['one', 'three', 'two'])

      const second = await runCli(['produce', 'live', '--data-dir', dir], { input: 'x\n' })
      assert.equal(second.code, 1)
      assert.match(second.stderr, new RegExp(`locked by process ${process.pid}`))
    } finally {
      follower.kill('SIGINT')
      await new Promise((r) => follower.once('close', r))
      await writer.close()
    }
    assert.equal(follower.exitCode, 0)
  })
})

describe('koober start', () => {
  it('runs the whole city in one process: topics, web server, ingestion and simulated drivers; holds the lock, lets readers in, stops cleanly on SIGINT', async () => {
    const dir = freshDir()
    const server = spawnCli(['start', '--data-dir', dir, '--port', '0', '--drivers', '3', '--riders-per-minute', '60'])
    try {
      const banner = await waitForOutput(server, /Stop with Ctrl-C/)
      assert.match(banner, /running on the embedded log in/)
      for (const topic of ['driver', 'rider', 'rides', 'pickups', 'analytics', 'dead-letters']) assert.match(banner, new RegExp(`topic ${topic}`))
      const url = /Open (http:\/\/127\.0\.0\.1:\d+)/.exec(banner)?.[1]
      assert.ok(url, `the banner gives the URL: ${banner}`)
      assert.equal((await fetch(`${url}/healthz`)).status, 200)
      // The simulated drivers reach the city view through the log.
      const deadline = Date.now() + 20_000
      let city = { drivers: {} as Record<string, number> }
      while (Date.now() < deadline && (city.drivers.available ?? 0) + (city.drivers.enRoute ?? 0) + (city.drivers.onTrip ?? 0) < 3) {
        await new Promise((r) => setTimeout(r, 250))
        city = (await (await fetch(`${url}/api/city`)).json()) as typeof city
      }
      assert.equal((city.drivers.available ?? 0) + (city.drivers.enRoute ?? 0) + (city.drivers.onTrip ?? 0), 3, JSON.stringify(city))
      // ...and the ingestion job saves their events.
      let events = 0
      while (Date.now() < deadline && events === 0) {
        await new Promise((r) => setTimeout(r, 250))
        const counted = await runCli(['tables', 'count', 'events', '--data-dir', dir])
        events = counted.code === 0 ? Number(counted.stdout.trim()) : 0
      }
      assert.ok(events > 0, 'the events table fills while start runs')
      const listed = await runCli(['topics', 'list', '--data-dir', dir])
      assert.equal(listed.code, 0, listed.stderr)
      assert.match(listed.stdout, /driver\n/)
      const writer = await runCli(['topics', 'create', 'other', '--data-dir', dir])
      assert.equal(writer.code, 1)
      assert.match(writer.stderr, /locked by process/)
    } finally {
      server.kill('SIGINT')
      await new Promise((r) => server.once('close', r))
    }
    assert.equal(server.exitCode, 0)
    assert.ok(!existsSync(join(dir, 'LOCK')), 'the lock is released on a clean stop')
  })
})

describe('koober web', () => {
  it('refuses bad flags with a usage error (exit 2), naming the flag', async () => {
    for (const [args, said] of [
      [['web', '--port', 'eighty'], /--port/],
      [['web', '--port', '70000'], /--port/],
      [['web', '--allowed-origin', 'https://ok.example/path'], /origin is scheme:\/\/host/],
      [['web', '--osrm-url', 'ftp://x'], /--osrm-url/],
    ] as const) {
      const result = await runCli([...args, '--data-dir', freshDir()])
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`)
      assert.match(result.stderr, said)
    }
  })

  it('runs the web role alone on the embedded log and stops cleanly on SIGINT', async () => {
    const dir = freshDir()
    const web = spawnCli(['web', '--data-dir', dir, '--port', '0'])
    try {
      const banner = await waitForOutput(web, /web role is up at/)
      const url = /up at (http:\/\/127\.0\.0\.1:\d+)/.exec(banner)?.[1]
      assert.ok(url, banner)
      assert.deepEqual(await (await fetch(`${url}/healthz`)).json(), { ok: true })
      assert.match(await (await fetch(`${url}/api/openapi.json`)).text(), /"\/api\/city"/)
    } finally {
      web.kill('SIGINT')
      await new Promise((r) => web.once('close', r))
    }
    assert.equal(web.exitCode, 0)
  })
})
