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
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { kooberError } from '../errors.js'
import { requireJavaAndMaven } from './java.js'
import { KAFKA_HEAP, KAFKA_HOST, kafkaPaths, kafkaPorts, readConfiguredPorts, serverProperties, type KafkaPaths, type KafkaPorts } from './kafka-config.js'
import { ensureKafkaLibs, KAFKA_INFRA_DIR, readKafkaLibs, type KafkaLibs } from './kafka-libs.js'
import { probeKafka, type KafkaProbe } from './kafka-wire.js'
import { LocalServer, type LocalServerOptions, type LocalServerStatus, type StartLocalServerOptions, type StopLocalServerOptions } from './local-server.js'
import { describeTails } from './log-tail.js'
import { lastLines, runCommand } from './run.js'

export { DEFAULT_KAFKA_PORT, KAFKA_HOST } from './kafka-config.js'

const LOG4J2_CONFIG = join(KAFKA_INFRA_DIR, 'log4j2.properties')
const MAIN_CLASS = 'kafka.Kafka'
const VERSION_PROPERTY = 'koober.kafka.version'

export interface KafkaOptions extends LocalServerOptions {
  /** The data directory; the broker lives in `<dataDir>/kafka/`. */
  dataDir: string
  /** The client port. Default: the port the broker of this data directory was last started on, else 9092. */
  port?: number
  /** The KRaft controller port. Default: as for `port`, else `port + 1`. */
  controllerPort?: number
}

export interface StartKafkaOptions extends KafkaOptions, StartLocalServerOptions {
  /** How long to wait for the started broker to answer. Default 90 s. */
  timeoutMs?: number
}

export interface StopKafkaOptions extends StopLocalServerOptions {
  /** How long to wait after SIGTERM before SIGKILL. Default 30 s. */
  timeoutMs?: number
}

export interface KafkaStatus extends LocalServerStatus, KafkaPorts {
  /** A Kafka broker answers a Metadata request at `address` (it may be starting when `running` and not `answering`). */
  answering: boolean
  /** `host:port`: the bootstrap servers for a client. */
  address: string
  /** The Kafka version of the broker of this data directory, when known. */
  version?: string
  clusterId?: string
  /** `<dataDir>/kafka`. */
  kafkaDir: string
}

const kafka = new LocalServer<KafkaOptions, KafkaPaths, KafkaPorts, KafkaProbe, Pick<KafkaStatus, 'clusterId' | 'kafkaDir'>>({
  name: 'Kafka',
  noun: 'broker',
  host: KAFKA_HOST,
  paths: kafkaPaths,
  ports: (options, last) => kafkaPorts(options.port ?? last?.port, options.controllerPort ?? last?.controllerPort),
  readConfiguredPorts,
  otherPorts: (ports) => [{ name: 'controller port', port: ports.controllerPort }],
  probe: probeKafka,
  probeTimeoutMs: 2_000,
  pollIntervalMs: 250,
  startTimeoutMs: 90_000,
  stopTimeoutMs: 30_000,
  abortTimeoutMs: 10_000,
  mainClass: MAIN_CLASS,
  configArg: (paths) => paths.config,
  versionProperty: VERSION_PROPERTY,
  installedVersion: (libDir) => readKafkaLibs(libDir)?.version,
  prepare: async ({ paths, ports, options, progress }) => {
    const tools = await requireJavaAndMaven(options.env)
    const libs = await ensureKafkaLibs({ libDir: options.libDir, onProgress: progress, env: options.env })
    mkdirSync(paths.data, { recursive: true })
    mkdirSync(paths.logs, { recursive: true })
    writeFileSync(paths.config, serverProperties(ports, paths.data))
    if (!existsSync(paths.metaProperties)) await formatStorage(tools.java.command, libs, paths, progress, options.env)
    return {
      command: tools.java.command,
      args: brokerArgs(libs, paths),
      version: libs.version,
      about: `controller on ${ports.controllerPort}, heap ${KAFKA_HEAP.join(' ')}`,
    }
  },
  details: (paths, probe) => ({
    ...(probe.state === 'ready' && probe.clusterId !== null && { clusterId: probe.clusterId }),
    kafkaDir: paths.root,
  }),
})

/**
 * Starts the broker of `dataDir` unless a broker already answers on the port,
 * and resolves once it answers a Metadata request. Checks Java 17+ and Maven
 * first and names what is missing; resolves the jars with Maven only when the
 * lib folder is not complete; formats the storage on first start. Throws with
 * the tail of the broker's log when it exits or does not answer in time (and
 * then stops it, so no half-started broker is left behind).
 */
export function startKafka(options: StartKafkaOptions): Promise<KafkaStatus> {
  return kafka.start(options)
}

/**
 * Stops the broker of `dataDir`: SIGTERM (a clean, controlled shutdown), then
 * SIGKILL if it still runs after `timeoutMs`. Does nothing when none runs.
 * Resolves with the pid it stopped.
 */
export function stopKafka(options: StopKafkaOptions): Promise<{ stopped: boolean; pid?: number }> {
  return kafka.stop(options)
}

/** Whether the broker of `dataDir` runs and whether a broker answers on its port. Changes nothing. */
export function kafkaStatus(options: KafkaOptions & { libDir?: string }): Promise<KafkaStatus> {
  return kafka.status(options)
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
    `-D${VERSION_PROPERTY}=${libs.version}`,
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
      `formatting Kafka storage in ${paths.data} failed (exit ${result.code}${result.timedOut ? ', timed out' : ''}):\n${lastLines(result.stdout + result.stderr, 20)}\n${describeTails([{ path: paths.serverLog, lines: 20 }], 'broker')}`,
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
