/**
 * Helpers for the tests that start real servers (kafka.test.ts,
 * cassandra.test.ts): the same checks, each server through its own functions.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, type TestContext } from 'node:test'
import { isKooberError } from '../../errors.js'
import type { LocalServerStatus } from '../local-server.js'

export { freePorts } from '../ports.js'

/** CI sets it (.ci/run): there a missing Java or Maven fails the tests instead of skipping them. */
const REQUIRE_SERVICES = process.env.KOOBER_REQUIRE_SERVICES === '1'

/**
 * Whether the tools a server needs are here. When not, the test skips,
 * saying why, and returns false; with KOOBER_REQUIRE_SERVICES=1 it fails.
 */
export async function toolsOrSkip(t: TestContext, check: () => Promise<{ ok: boolean; problem?: string }>): Promise<boolean> {
  const tools = await check()
  if (tools.ok) return true
  if (REQUIRE_SERVICES) assert.fail(`${tools.problem} (KOOBER_REQUIRE_SERVICES=1 makes a missing tool a failure)`)
  t.skip(tools.problem)
  return false
}

/** A temporary folder for the test file's data directories, removed after its tests. */
export function tempRoot(prefix: string): string {
  const root = mkdtempSync(join(tmpdir(), prefix))
  after(() => rmSync(root, { recursive: true, force: true }))
  return root
}

/** An `onProgress` that keeps the lines and shows them as test diagnostics. */
export function recordProgress(t: TestContext): { lines: string[]; onProgress: (line: string) => void } {
  const lines: string[] = []
  return {
    lines,
    onProgress: (line) => {
      lines.push(line)
      t.diagnostic(line)
    },
  }
}

/** An environment whose PATH holds neither java nor mvn (and no JAVA_HOME). */
export function envWithoutTools(root: string): NodeJS.ProcessEnv {
  return { PATH: join(root, 'no-such-dir') }
}

type Started = LocalServerStatus & { pid: number }

/**
 * A fresh start's status: the server of this data directory runs and answers
 * on `port`, its version is the expected one, and the last progress line
 * says it is up. Returns the status, its pid known.
 */
export function assertUp<Status extends LocalServerStatus>(
  status: Status,
  expected: { name: string; port: number; version: RegExp; progress: readonly string[] },
): Status & { pid: number } {
  const { pid } = status
  assert.equal(status.running, true)
  assert.equal(status.answering, true)
  assert.equal(status.external, false)
  assert.equal(status.address, `127.0.0.1:${expected.port}`)
  assert.ok(pid !== undefined && pid > 0)
  assert.match(status.version ?? '', expected.version)
  assert.ok(expected.progress.at(-1)?.startsWith(`${expected.name} ${status.version} is up on 127.0.0.1:${expected.port} `), expected.progress.at(-1))
  return { ...status, pid }
}

/**
 * A second start finds the running server, the status finds its port by
 * itself, and a start on another port is refused, naming the running one.
 */
export async function assertFoundAgain(server: {
  first: Started
  startAgain: () => Promise<LocalServerStatus>
  startOnPort: (port: number) => Promise<LocalServerStatus>
  status: () => Promise<LocalServerStatus>
}): Promise<void> {
  const { first } = server
  const second = await server.startAgain()
  assert.equal(second.pid, first.pid, 'a second start finds the running server')
  const status = await server.status()
  assert.equal(status.pid, first.pid)
  assert.equal(status.port, first.port, 'the status finds the port of the last start by itself')
  assert.equal(status.answering, true)

  await assert.rejects(server.startOnPort(first.port === 65_535 ? first.port - 1 : first.port + 1), (err) => {
    assert.ok(isKooberError(err, 'KOOBER_INVALID_ARGUMENT'))
    assert.match(err.message, new RegExp(`already runs on port ${first.port} \\(pid ${first.pid}\\)`))
    return true
  })
}

/** A stop ends the server (its port closes, the status says so); a second stop does nothing. */
export async function assertStops(server: {
  pid: number
  port: number
  stop: () => Promise<{ stopped: boolean; pid?: number }>
  status: () => Promise<LocalServerStatus>
  probe: (port: number) => Promise<{ state: string }>
}): Promise<void> {
  assert.deepEqual(await server.stop(), { stopped: true, pid: server.pid })
  assert.equal((await server.probe(server.port)).state, 'refused')
  const stopped = await server.status()
  assert.equal(stopped.running, false)
  assert.equal(stopped.answering, false)
  assert.deepEqual(await server.stop(), { stopped: false }, 'a second stop does nothing')
}

/** Without Java and Maven the check names both, a start fails naming them, and nothing runs. */
export async function assertNamesMissingTools(server: {
  check: () => Promise<{ ok: boolean; problem?: string }>
  start: () => Promise<unknown>
  status: () => Promise<LocalServerStatus>
  /** What the start's error says. */
  message: RegExp
}): Promise<void> {
  const tools = await server.check()
  assert.equal(tools.ok, false)
  assert.match(tools.problem ?? '', /java was not found on PATH \(install a JDK 17/)
  assert.match(tools.problem ?? '', /mvn was not found on PATH/)
  await assert.rejects(server.start(), (err) => {
    assert.ok(isKooberError(err, 'KOOBER_INFRA_TOOLS_MISSING'))
    assert.match(err.message, server.message)
    return true
  })
  assert.equal((await server.status()).running, false)
}
