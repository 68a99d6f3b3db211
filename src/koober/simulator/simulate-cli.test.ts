import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { startTestServer, type TestServer } from '../../web/testing/web-fixture.js'

const MAIN = fileURLToPath(new URL('../../cli/main.ts', import.meta.url))

interface Result {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs `koober simulate ...`; `onStderr` may signal the child once it has said enough. */
function simulate(args: string[], options: { env?: Record<string, string>; onStderr?: (seen: string, kill: (signal: NodeJS.Signals) => void) => void } = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, ...options.env }
    if (options.env?.KOOBER_URL === undefined) delete env.KOOBER_URL
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'simulate', ...args], { env })
    child.stdout.setEncoding('utf8')
    child.stderr.setEncoding('utf8')
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: string) => (stdout += d))
    child.stderr.on('data', (d: string) => {
      stderr += d
      options.onStderr?.(stderr, (signal) => child.kill(signal))
    })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

const lastJson = (stdout: string): Record<string, unknown> => JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>

describe('koober simulate', () => {
  let server: TestServer
  before(async () => {
    server = await startTestServer()
  })
  after(() => server.close())

  it('explains wrong flags with exit code 2', async () => {
    const cases: Array<[string[], RegExp, Record<string, string>?]> = [
      [['--riders-per-minute', '5'], /required option '--drivers <n>' not specified/],
      [['--drivers', '5'], /required option '--riders-per-minute <n>' not specified/],
      [['--drivers', 'many', '--riders-per-minute', '5'], /--drivers.*expected a whole number, got "many"/],
      [['--drivers', '-3', '--riders-per-minute', '5'], /--drivers.*expected a number from 0/],
      [['--drivers', '2', '--riders-per-minute', 'lots'], /--riders-per-minute.*expected a number, got "lots"/],
      [['--drivers', '2', '--riders-per-minute', '-1'], /--riders-per-minute.*expected a number from 0 to/],
      [['--drivers', '2', '--riders-per-minute', '1', '--url', 'ftp://example.com'], /--url.*expected an http\(s\) or ws\(s\) URL/],
      [['--drivers', '2', '--riders-per-minute', '1', '--url', 'localhost'], /--url.*expected a URL/],
      [['--drivers', '2', '--riders-per-minute', '1'], /--url.*from env 'KOOBER_URL' is invalid/, { KOOBER_URL: 'not a url' }],
      [['--drivers', '2', '--riders-per-minute', '1', '--seed', '1.5'], /--seed.*expected a whole number/],
      [['--drivers', '2', '--riders-per-minute', '1', '--duration', '0'], /--duration.*expected a number from 1/],
      [['--drivers', '0', '--riders-per-minute', '0'], /nothing to simulate/],
      [['--drivers', '2', '--riders-per-minute', '1', '--nope'], /unknown option '--nope'/],
    ]
    for (const [args, message, env] of cases) {
      const result = await simulate(args, env ? { env } : {})
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`)
      assert.match(result.stderr, message, args.join(' '))
      assert.equal(result.stdout, '')
    }
  })

  it('fails with exit code 1 and a clear message when the server is unreachable', async () => {
    const result = await simulate(['--drivers', '2', '--riders-per-minute', '1'], { env: { KOOBER_URL: 'http://127.0.0.1:1' } })
    assert.equal(result.code, 1, result.stderr)
    assert.match(result.stderr, /cannot reach the Koober web server at http:\/\/127\.0\.0\.1:1: .*ECONNREFUSED/)
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace')
  })

  it('runs for --duration, printing progress and then the counters as JSON', async () => {
    const result = await simulate(['--drivers', '3', '--riders-per-minute', '120', '--url', server.url, '--seed', '4', '--duration', '6'])
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stderr, /simulating 3 drivers and 120 riders per minute against http:\/\/127\.0\.0\.1:\d+ \(seed 4; for 6 s\)/)
    assert.match(result.stderr, /^5 s: 3 drivers and \d+ riders connected .*; \d+ requests, \d+ accepted/m)
    const counters = lastJson(result.stdout)
    assert.equal(counters.seed, 4)
    assert.equal(counters.connected, 0, 'every socket closed at the end')
    assert.ok((counters.requests as number) > 0, result.stdout)
  })

  it('stops cleanly on SIGTERM', async () => {
    let signalled = false
    const result = await simulate(['--drivers', '2', '--riders-per-minute', '60'], {
      env: { KOOBER_URL: server.url },
      onStderr: (seen, kill) => {
        if (signalled || !/Ctrl-C to stop/.test(seen)) return
        signalled = true
        setTimeout(() => kill('SIGTERM'), 500)
      },
    })
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stderr, /stopping: closing \d+ sockets/)
    assert.equal(lastJson(result.stdout).connected, 0)
  })
})
