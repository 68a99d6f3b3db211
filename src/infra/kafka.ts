/**
 * A real single-node Apache Kafka broker (KRaft: broker and controller in one
 * JVM, no ZooKeeper) on loopback, for tests and local clusters: assembled from
 * Maven Central jars (infra/kafka/pom.xml) and run with the local JDK. No
 * Docker, no download from apache.org.
 *
 * The broker outlives the process that starts it (the CLI starts it and
 * exits; a test suite may share one). What identifies it is its data
 * directory: `<dataDir>/kafka/` holds the generated server.properties, the
 * broker's data, its logs and its pid file. Every function here is safe to
 * call again: a second start finds the running broker, a stop with nothing
 * running does nothing.
 *
 * @example
 * ```ts
 * const kafka = await startKafka({ dataDir: './data', onProgress: console.log })
 * // ... use kafka.address ('127.0.0.1:9092') as the bootstrap servers ...
 * await stopKafka({ dataDir: './data' })
 * ```
 */
import { randomBytes } from 'node:crypto'
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { kooberError } from '../errors.js'
import { withFileLock } from './file-lock.js'
import { requireJavaAndMaven } from './java.js'
import { KAFKA_HEAP, KAFKA_HOST, kafkaPaths, kafkaPorts, readConfiguredPorts, serverProperties, type KafkaPaths, type KafkaPorts } from './kafka-config.js'
import { DEFAULT_KAFKA_LIB_DIR, ensureKafkaLibs, KAFKA_INFRA_DIR, readKafkaLibs, type KafkaLibs } from './kafka-libs.js'
import { probeKafka, type KafkaProbe } from './kafka-wire.js'
import { describeTails, fileSize, tailFile } from './log-tail.js'
import { commandLineOf, isAlive, readPidFile, removePidFile, sleep, spawnDetached, waitForExit, writePidFile } from './process.js'
import { lastLines, runCommand } from './run.js'

export { DEFAULT_KAFKA_PORT, KAFKA_HOST } from './kafka-config.js'

const LOG4J2_CONFIG = join(KAFKA_INFRA_DIR, 'log4j2.properties')
const MAIN_CLASS = 'kafka.Kafka'
const DEFAULT_START_TIMEOUT_MS = 90_000
const DEFAULT_STOP_TIMEOUT_MS = 30_000

export interface KafkaOptions {
  /** The data directory; the broker lives in `<dataDir>/kafka/`. */
  dataDir: string
  /** The client port. Default: the port the broker of this data directory was last started on, else 9092. */
  port?: number
  /** The KRaft controller port. Default: as for `port`, else `port + 1`. */
  controllerPort?: number
}

export interface StartKafkaOptions extends KafkaOptions {
  onProgress?: (line: string) => void
  /** How long to wait for the started broker to answer. Default 90 s. */
  timeoutMs?: number
  /** Where the jars go. Default infra/kafka/lib, shared by every data directory. */
  libDir?: string
  /** The environment for java and mvn (JAVA_HOME, PATH, MAVEN_OPTS). Default process.env. */
  env?: NodeJS.ProcessEnv
}

export interface StopKafkaOptions {
  dataDir: string
  onProgress?: (line: string) => void
  /** How long to wait after SIGTERM before SIGKILL. Default 30 s. */
  timeoutMs?: number
}

export interface KafkaStatus {
  /** The broker of this data directory (its pid file names a live Kafka process) runs. */
  running: boolean
  pid?: number
  /** A Kafka broker answers a Metadata request at `address` (it may be starting when `running` and not `answering`). */
  answering: boolean
  /** A broker answers at `address`, but not one started from this data directory. */
  external: boolean
  host: string
  port: number
  controllerPort: number
  /** `host:port`: the bootstrap servers for a client. */
  address: string
  /** The Kafka version of the broker of this data directory, when known. */
  version?: string
  clusterId?: string
  /** `<dataDir>/kafka`. */
  kafkaDir: string
  /** The broker's log (log4j2). */
  logFile: string
  /** The JVM's standard output and error (crashes before logging starts end up here). */
  consoleLogFile: string
}

/**
 * Starts the broker of `dataDir` unless a broker already answers on the port,
 * and resolves once it answers a Metadata request. Checks Java 17+ and Maven
 * first and names what is missing; resolves the jars with Maven only when the
 * lib folder is not complete; formats the storage on first start. Throws with
 * the tail of the broker's log when it exits or does not answer in time (and
 * then stops it, so no half-started broker is left behind).
 */
export async function startKafka(options: StartKafkaOptions): Promise<KafkaStatus> {
  const paths = kafkaPaths(options.dataDir)
  const progress = options.onProgress ?? (() => undefined)
  portsFor(paths, options) // bad ports fail here, before anything is created
  mkdirSync(paths.root, { recursive: true })
  return withFileLock(paths.startLock, () => startLocked(paths, options, progress), {
    what: `the Kafka start in ${paths.root}`,
    timeoutMs: 20 * 60_000,
    onWait: (holder) => progress(`another process (${holder ?? '?'}) is starting Kafka in ${paths.root}; waiting for it`),
  })
}

async function startLocked(paths: KafkaPaths, options: StartKafkaOptions, progress: (line: string) => void): Promise<KafkaStatus> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_START_TIMEOUT_MS
  const runningPid = ourBrokerPid(paths)
  if (runningPid !== undefined) {
    const ports = readConfiguredPorts(paths.config) ?? kafkaPorts(options.port, options.controllerPort)
    if (options.port !== undefined && options.port !== ports.port) {
      throw kooberError(
        'KOOBER_INVALID_ARGUMENT',
        `the Kafka broker of ${paths.root} already runs on port ${ports.port} (pid ${runningPid}), not ${options.port}; stop it first or use another data directory`,
      )
    }
    progress(`Kafka already runs from ${paths.root} (pid ${runningPid}); checking that it answers on ${KAFKA_HOST}:${ports.port}...`)
    const probe = await waitUntilReady(paths, ports, runningPid, timeoutMs, progress)
    return statusOf(paths, ports, runningPid, probe, options.libDir)
  }
  removePidFile(paths.pidFile) // stale: its process is gone (or is not a Kafka broker any more)

  const ports = portsFor(paths, options)
  const existing = await probeKafka(KAFKA_HOST, ports.port)
  if (existing.state === 'ready') {
    progress(`a Kafka broker not started from ${paths.root} already answers on ${KAFKA_HOST}:${ports.port}; using it`)
    return statusOf(paths, ports, undefined, existing, options.libDir)
  }
  if (existing.state !== 'refused') {
    throw kooberError('KOOBER_INFRA_SERVER_FAILED', `port ${ports.port} on ${KAFKA_HOST} is taken by a program that is not a ready Kafka broker (${existing.reason}); stop it or choose another port`)
  }
  await assertPortFree(ports.controllerPort, 'controller port')

  const tools = await requireJavaAndMaven(options.env)
  const libs = await ensureKafkaLibs({ libDir: options.libDir, onProgress: progress, env: options.env })
  mkdirSync(paths.data, { recursive: true })
  mkdirSync(paths.logs, { recursive: true })
  writeFileSync(paths.config, serverProperties(ports, paths.data))
  if (!existsSync(paths.metaProperties)) await formatStorage(tools.java.command, libs, paths, progress, options.env)

  progress(`starting Kafka ${libs.version} on ${KAFKA_HOST}:${ports.port} (controller on ${ports.controllerPort}, heap ${KAFKA_HEAP.join(' ')})`)
  const logStart = { server: fileSize(paths.serverLog), console: fileSize(paths.consoleLog) }
  appendFileSync(paths.consoleLog, `--- started by koober (process ${process.pid}) at ${new Date().toISOString()} ---\n`)
  const started = Date.now()
  const pid = await spawnDetached(tools.java.command, brokerArgs(libs, paths), { cwd: paths.root, logFile: paths.consoleLog, env: options.env })
  writePidFile(paths.pidFile, pid)
  progress(`waiting for the broker on ${KAFKA_HOST}:${ports.port} (pid ${pid})...`)
  let probe: Extract<KafkaProbe, { state: 'ready' }>
  try {
    probe = await waitUntilReady(paths, ports, pid, timeoutMs, progress, logStart)
  } catch (err) {
    await terminate(pid, 10_000)
    removePidFile(paths.pidFile)
    throw err
  }
  progress(`Kafka ${libs.version} is up on ${KAFKA_HOST}:${ports.port} after ${seconds(Date.now() - started)} (pid ${pid}, log: ${paths.serverLog})`)
  return statusOf(paths, ports, pid, probe, options.libDir)
}

/**
 * Stops the broker of `dataDir`: SIGTERM (a clean, controlled shutdown), then
 * SIGKILL if it still runs after `timeoutMs`. Does nothing when none runs.
 * Resolves with the pid it stopped.
 */
export async function stopKafka(options: StopKafkaOptions): Promise<{ stopped: boolean; pid?: number }> {
  const paths = kafkaPaths(options.dataDir)
  const progress = options.onProgress ?? (() => undefined)
  const pid = ourBrokerPid(paths)
  if (pid === undefined) {
    if (existsSync(paths.pidFile)) progress(`no Kafka broker runs from ${paths.root}; removing its stale pid file`)
    removePidFile(paths.pidFile)
    return { stopped: false }
  }
  progress(`stopping Kafka (pid ${pid})...`)
  const killed = await terminate(pid, options.timeoutMs ?? DEFAULT_STOP_TIMEOUT_MS, progress)
  removePidFile(paths.pidFile)
  progress(killed ? `Kafka (pid ${pid}) was killed` : `Kafka stopped (pid ${pid})`)
  return { stopped: true, pid }
}

/** Whether the broker of `dataDir` runs and whether a broker answers on its port. Changes nothing. */
export async function kafkaStatus(options: KafkaOptions & { libDir?: string }): Promise<KafkaStatus> {
  const paths = kafkaPaths(options.dataDir)
  const ports = portsFor(paths, options)
  const pid = ourBrokerPid(paths)
  return statusOf(paths, ports, pid, await probeKafka(KAFKA_HOST, ports.port), options.libDir)
}

/** The ports asked for; without a port, those of the data directory's last start, else 9092 and 9093. */
function portsFor(paths: KafkaPaths, options: KafkaOptions): KafkaPorts {
  const last = options.port === undefined ? readConfiguredPorts(paths.config) : undefined
  return kafkaPorts(options.port ?? last?.port, options.controllerPort ?? last?.controllerPort)
}

function statusOf(paths: KafkaPaths, ports: KafkaPorts, pid: number | undefined, probe: KafkaProbe, libDir: string | undefined): KafkaStatus {
  const answering = probe.state === 'ready'
  const version = pid === undefined ? undefined : (runningVersion(pid) ?? readKafkaLibs(libDir ?? DEFAULT_KAFKA_LIB_DIR)?.version)
  return {
    running: pid !== undefined,
    ...(pid !== undefined && { pid }),
    answering,
    external: answering && pid === undefined,
    host: KAFKA_HOST,
    port: ports.port,
    controllerPort: ports.controllerPort,
    address: `${KAFKA_HOST}:${ports.port}`,
    ...(version !== undefined && { version }),
    ...(probe.state === 'ready' && probe.clusterId !== null && { clusterId: probe.clusterId }),
    kafkaDir: paths.root,
    logFile: paths.serverLog,
    consoleLogFile: paths.consoleLog,
  }
}

/**
 * The pid from the pid file when that process is alive and is this data
 * directory's broker: after a reboot the pid may belong to anything, and we
 * must neither report it nor SIGTERM it. Without /proc, liveness alone decides.
 */
function ourBrokerPid(paths: KafkaPaths): number | undefined {
  const pid = readPidFile(paths.pidFile)
  if (pid === undefined || !isAlive(pid)) return undefined
  const args = commandLineOf(pid)
  if (args !== undefined && !(args.includes(MAIN_CLASS) && args.includes(paths.config))) return undefined
  return pid
}

/** The version the broker was started with: we pass it as a system property, so it shows in its command line. */
function runningVersion(pid: number): string | undefined {
  const arg = commandLineOf(pid)?.find((a) => a.startsWith('-Dkoober.kafka.version='))
  return arg?.slice('-Dkoober.kafka.version='.length)
}

function brokerArgs(libs: KafkaLibs, paths: KafkaPaths): string[] {
  return [
    ...KAFKA_HEAP,
    // The GC settings of Kafka's own kafka-server-start.sh.
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-XX:InitiatingHeapOccupancyPercent=35',
    '-XX:+ExplicitGCInvokesConcurrent',
    // Out of memory, a broker limps; better to exit and show up as stopped.
    '-XX:+ExitOnOutOfMemoryError',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${LOG4J2_CONFIG}`,
    `-Dkafka.logs.dir=${paths.logs}`,
    `-Dkoober.kafka.version=${libs.version}`,
    // The JVM expands `dir/*` to the jars itself (no shell involved).
    '-cp',
    join(libs.dir, '*'),
    MAIN_CLASS,
    paths.config,
  ]
}

/**
 * Formats the KRaft storage with a new cluster id. Runs once per data
 * directory (meta.properties marks it done); `--ignore-formatted` makes a
 * repeat harmless anyway. With a static `controller.quorum.voters` the format
 * takes no `--standalone`.
 */
async function formatStorage(java: string, libs: KafkaLibs, paths: KafkaPaths, progress: (line: string) => void, env: NodeJS.ProcessEnv | undefined): Promise<void> {
  const clusterId = newClusterId()
  progress(`formatting Kafka storage in ${paths.data} (cluster id ${clusterId})`)
  const args = [
    '-Xmx256m',
    `-Dlog4j2.configurationFile=${LOG4J2_CONFIG}`,
    `-Dkafka.logs.dir=${paths.logs}`,
    '-cp',
    join(libs.dir, '*'),
    'kafka.tools.StorageTool',
    'format',
    '--ignore-formatted',
    '--cluster-id',
    clusterId,
    '--config',
    paths.config,
  ]
  const result = await runCommand(java, args, { cwd: paths.root, env, timeoutMs: 120_000 })
  if (result.code !== 0 || !existsSync(paths.metaProperties)) {
    throw kooberError(
      'KOOBER_INFRA_SERVER_FAILED',
      `formatting Kafka storage in ${paths.data} failed (exit ${result.code}${result.timedOut ? ', timed out' : ''}):\n${lastLines(result.stdout + result.stderr, 20)}\n${describeTails([{ path: paths.serverLog, lines: 20 }])}`,
    )
  }
}

/** A KRaft cluster id: 16 random bytes in URL-safe base64 without padding, as Kafka's Uuid; never starting with '-', which a command line would read as an option. */
function newClusterId(): string {
  while (true) {
    const id = randomBytes(16).toString('base64url')
    if (!id.startsWith('-')) return id
  }
}

/**
 * Polls the broker until a Metadata request lists it, failing fast if its
 * process exits and with the log's tail on timeout. Reports the last log
 * line every 10 s so a slow start shows what it is doing.
 */
async function waitUntilReady(
  paths: KafkaPaths,
  ports: KafkaPorts,
  pid: number,
  timeoutMs: number,
  progress: (line: string) => void,
  logStart: { server: number; console: number } = { server: 0, console: 0 },
): Promise<Extract<KafkaProbe, { state: 'ready' }>> {
  const started = Date.now()
  let nextNotice = started + 10_000
  const tails = (): string =>
    describeTails([
      { path: paths.serverLog, lines: 30, from: logStart.server },
      { path: paths.consoleLog, lines: 15, from: logStart.console },
    ])
  while (true) {
    const probe = await probeKafka(KAFKA_HOST, ports.port, 2_000)
    if (probe.state === 'ready') return probe
    if (!isAlive(pid)) {
      throw kooberError('KOOBER_INFRA_SERVER_FAILED', `the Kafka broker (pid ${pid}) exited while starting on ${KAFKA_HOST}:${ports.port}\n${tails()}`)
    }
    const elapsed = Date.now() - started
    if (elapsed >= timeoutMs) {
      const last = probe.state === 'refused' ? 'the port is not open' : probe.reason
      throw kooberError(
        'KOOBER_INFRA_SERVER_FAILED',
        `the Kafka broker (pid ${pid}) did not answer on ${KAFKA_HOST}:${ports.port} within ${seconds(timeoutMs)} (last: ${last}); stopping it\n${tails()}`,
      )
    }
    if (Date.now() >= nextNotice) {
      nextNotice = Date.now() + 10_000
      progress(`still waiting for the broker (${Math.round(elapsed / 1000)} s): ${tailFile(paths.serverLog, 1, logStart.server) || 'no log yet'}`)
    }
    await sleep(250)
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)} s`
}

/** SIGTERM, wait, then SIGKILL. Resolves true when it had to kill. */
async function terminate(pid: number, timeoutMs: number, progress: (line: string) => void = () => undefined): Promise<boolean> {
  if (!signal(pid, 'SIGTERM')) return false
  if (await waitForExit(pid, timeoutMs)) return false
  progress(`Kafka (pid ${pid}) still runs ${seconds(timeoutMs)} after SIGTERM; sending SIGKILL`)
  signal(pid, 'SIGKILL')
  if (!(await waitForExit(pid, 10_000))) throw kooberError('KOOBER_INFRA_SERVER_FAILED', `Kafka (pid ${pid}) still runs after SIGKILL`)
  return true
}

/** Sends a signal; false when the process is already gone. */
function signal(pid: number, name: NodeJS.Signals): boolean {
  try {
    process.kill(pid, name)
    return true
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false
    throw err
  }
}

/** Fails early, with a message naming the port, instead of a BindException deep in the broker's log. */
async function assertPortFree(port: number, what: string): Promise<void> {
  const server = createServer()
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen({ host: KAFKA_HOST, port, exclusive: true }, resolve)
    })
  } catch (err) {
    throw kooberError('KOOBER_INFRA_SERVER_FAILED', `Kafka's ${what} ${KAFKA_HOST}:${port} is in use by another program; choose another`, err)
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
}
