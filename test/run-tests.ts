/**
 * `npm run test:unit`: runs every test file with node's test runner, with a
 * real Apache Kafka broker for the tests that need one.
 *
 * When Java 17+ and Maven are present, it starts a broker through src/infra
 * (fresh data, free ports, so a broker the user runs on 9092 is left alone),
 * passes its address to the tests as KOOBER_TEST_KAFKA, and stops it at the
 * end. When they are missing it says so plainly and the Kafka tests skip;
 * with KOOBER_REQUIRE_SERVICES=1 (.ci/run sets it) that is a failure instead.
 *
 *   node --import tsx test/run-tests.ts [test files...]
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { checkJavaAndMaven, startKafka, stopKafka } from '../src/infra/index.js'
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

async function withKafka(run: (env: NodeJS.ProcessEnv) => Promise<number>): Promise<number> {
  const tools = await checkJavaAndMaven()
  if (!tools.ok) {
    const message = `Kafka tests need Java 17+ and Maven: ${tools.problem}`
    if (REQUIRE_SERVICES) {
      console.error(`FAIL: ${message} (KOOBER_REQUIRE_SERVICES=1 makes this a failure)`)
      return 1
    }
    console.error(`SKIPPING the Kafka tests. ${message}`)
    return run({})
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'koober-test-kafka-'))
  const [port, controllerPort] = await freePorts(2)
  try {
    const kafka = await startKafka({ dataDir, port, controllerPort, onProgress: (line) => console.error(`[kafka] ${line}`) })
    return await run({ KOOBER_TEST_KAFKA: kafka.address })
  } finally {
    await stopKafka({ dataDir }).catch((err: Error) => console.error(`[kafka] stopping: ${err.message}`))
    rmSync(dataDir, { recursive: true, force: true })
  }
}

const files = process.argv.length > 2 ? process.argv.slice(2) : testFiles(join(root, 'src'))
const code = await withKafka(
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
