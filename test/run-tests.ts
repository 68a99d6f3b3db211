/**
 * `npm run test:unit`: runs every test file with node's test runner, with a
 * real Apache Kafka broker and a real Apache Cassandra node for the tests
 * that need them.
 *
 * When Java 17+ and Maven are present, it starts a broker through src/infra
 * (fresh data, free ports, so a broker the user runs on 9092 is left alone),
 * passes its address to the tests as KOOBER_TEST_KAFKA, and stops it at the
 * end. Likewise, when Java 17 and Maven are present, one Cassandra node
 * (KOOBER_TEST_CASSANDRA), started at the same time as the broker. When the
 * tools are missing it says so plainly and those tests skip; with
 * KOOBER_REQUIRE_SERVICES=1 (.ci/run sets it) that is a failure instead.
 *
 *   node --import tsx test/run-tests.ts [test files...]
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { checkCassandraTools, checkJavaAndMaven, startCassandra, startKafka, stopCassandra, stopKafka } from '../src/infra/index.js'
import { freePorts } from '../src/infra/ports.js'

const REQUIRE_SERVICES = process.env.KOOBER_REQUIRE_SERVICES === '1'
const root = join(import.meta.dirname, '..')

function testFiles(dir: string): string[] {
  const out: string[] = []
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) out.push(...testFiles(path))
    else if (name.endsWith('.test.ts')) out.push(relative(root, path))
  }
  return out.sort()
}

interface Service {
  name: string
  /** The variable that passes its address to the tests. */
  variable: string
  check: () => Promise<{ ok: boolean; problem?: string }>
  /** Starts it in `dataDir` on free ports; resolves to its address. */
  start: (dataDir: string) => Promise<string>
  stop: (dataDir: string) => Promise<unknown>
}

const SERVICES: Service[] = [
  {
    name: 'kafka',
    variable: 'KOOBER_TEST_KAFKA',
    check: () => checkJavaAndMaven(),
    start: async (dataDir) => {
      const [port, controllerPort] = await freePorts(2)
      return (await startKafka({ dataDir, port, controllerPort, onProgress: (line) => console.error(`[kafka] ${line}`) })).address
    },
    stop: (dataDir) => stopKafka({ dataDir }),
  },
  {
    name: 'cassandra',
    variable: 'KOOBER_TEST_CASSANDRA',
    check: () => checkCassandraTools(),
    start: async (dataDir) => {
      const [port, storagePort] = await freePorts(2)
      return (await startCassandra({ dataDir, port, storagePort, onProgress: (line) => console.error(`[cassandra] ${line}`) })).address
    },
    stop: (dataDir) => stopCassandra({ dataDir }),
  },
]

/** Starts every service whose tools are here, all at once, runs the tests with their addresses, and stops them. */
async function withServices(run: (env: NodeJS.ProcessEnv) => Promise<number>): Promise<number> {
  const usable: Service[] = []
  for (const service of SERVICES) {
    const tools = await service.check()
    if (tools.ok) {
      usable.push(service)
      continue
    }
    const message = `${service.name} tests need their tools: ${tools.problem}`
    if (REQUIRE_SERVICES) {
      console.error(`FAIL: ${message} (KOOBER_REQUIRE_SERVICES=1 makes this a failure)`)
      return 1
    }
    console.error(`SKIPPING the ${service.name} tests. ${message}`)
  }
  const started = usable.map((service) => ({ service, dataDir: mkdtempSync(join(tmpdir(), `koober-test-${service.name}-`)) }))
  try {
    const addresses = await Promise.allSettled(started.map(({ service, dataDir }) => service.start(dataDir)))
    const env: NodeJS.ProcessEnv = {}
    addresses.forEach((address, i) => {
      if (address.status === 'rejected') throw address.reason
      env[started[i]!.service.variable] = address.value
    })
    return await run(env)
  } finally {
    await Promise.all(
      started.map(async ({ service, dataDir }) => {
        await service.stop(dataDir).catch((err: Error) => console.error(`[${service.name}] stopping: ${err.message}`))
        rmSync(dataDir, { recursive: true, force: true })
      }),
    )
  }
}

const files = process.argv.length > 2 ? process.argv.slice(2) : testFiles(join(root, 'src'))
const code = await withServices(
  (env) =>
    new Promise<number>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files], {
        cwd: root,
        stdio: 'inherit',
        env: { ...process.env, ...env },
      })
      child.on('error', reject)
      child.on('exit', (status, signal) => resolve(status ?? (signal ? 1 : 0)))
    }),
)
process.exitCode = code
