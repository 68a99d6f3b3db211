/**
 * A real single-node Apache Cassandra 5.0 on loopback, for tests and local
 * clusters: assembled from Maven Central jars (infra/cassandra/pom.xml) and
 * run with the local JDK 17. No Docker, no download from apache.org.
 *
 * The node outlives the process that starts it (the CLI starts it and
 * exits; a test suite may share one). What identifies it is its data
 * directory: `<dataDir>/cassandra/` holds the generated cassandra.yaml, the
 * node's data, commit log, caches and hints, its logs and its pid file.
 * Every function here is safe to call again: a second start finds the
 * running node, a stop with nothing running does nothing.
 *
 * @example
 * ```ts
 * const cassandra = await startCassandra({ dataDir: './data', onProgress: console.log })
 * // ... connect a driver to cassandra.address ('127.0.0.1:9042'), localDataCenter 'datacenter1' ...
 * await stopCassandra({ dataDir: './data' })
 * ```
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  CASSANDRA_CLUSTER_NAME,
  CASSANDRA_DATA_CENTER,
  CASSANDRA_HEAP,
  CASSANDRA_HOST,
  cassandraPaths,
  cassandraPorts,
  cassandraYaml,
  configUrl,
  readConfiguredPorts,
  type CassandraPaths,
  type CassandraPorts,
} from './cassandra-config.js'
import { requireCassandraTools } from './cassandra-java.js'
import { CASSANDRA_LOGBACK, ensureCassandraLibs, jammAgent, readCassandraLibs, type CassandraLibs } from './cassandra-libs.js'
import { probeCassandra, type CassandraProbe } from './cql-wire.js'
import { LocalServer, type LocalServerOptions, type LocalServerStatus, type StartLocalServerOptions, type StopLocalServerOptions } from './local-server.js'
import { withoutMemoryLock } from './memory-lock.js'

export { CASSANDRA_CLUSTER_NAME, CASSANDRA_DATA_CENTER, CASSANDRA_HOST, DEFAULT_CASSANDRA_PORT, DEFAULT_CASSANDRA_STORAGE_PORT } from './cassandra-config.js'

const MAIN_CLASS = 'org.apache.cassandra.service.CassandraDaemon'
const VERSION_PROPERTY = 'koober.cassandra.version'

export interface CassandraOptions extends LocalServerOptions {
  /** The data directory; the node lives in `<dataDir>/cassandra/`. */
  dataDir: string
  /** The CQL native port. Default: the port the node of this data directory was last started on, else 9042. */
  port?: number
  /** The internode port. Default: as for `port`, else 7000 with the native port 9042 and `port + 1` with any other. */
  storagePort?: number
}

export interface StartCassandraOptions extends CassandraOptions, StartLocalServerOptions {
  /** How long to wait for the started node to answer. Default 120 s. */
  timeoutMs?: number
}

export interface StopCassandraOptions extends StopLocalServerOptions {
  /** How long to wait after SIGTERM before SIGKILL. Default 60 s. */
  timeoutMs?: number
}

export interface CassandraStatus extends LocalServerStatus, CassandraPorts {
  /** A Cassandra node answers `SELECT release_version FROM system.local` at `address` (it may be starting when `running` and not `answering`). */
  answering: boolean
  /** `host:port`: the contact point for a driver. */
  address: string
  /** The Cassandra version: what the node answers, else what the node of this data directory was started with. */
  version?: string
  /** The driver's `localDataCenter`. */
  dataCenter: string
  clusterName: string
  /** `<dataDir>/cassandra`. */
  cassandraDir: string
}

const cassandra = new LocalServer<CassandraOptions, CassandraPaths, CassandraPorts, CassandraProbe, Pick<CassandraStatus, 'dataCenter' | 'clusterName' | 'cassandraDir'>>({
  name: 'Cassandra',
  noun: 'node',
  host: CASSANDRA_HOST,
  paths: cassandraPaths,
  ports: (options, last) => cassandraPorts(options.port ?? last?.port, options.storagePort ?? last?.storagePort),
  readConfiguredPorts,
  otherPorts: (ports) => [{ name: 'storage port', port: ports.storagePort }],
  probe: probeCassandra,
  probeTimeoutMs: 5_000,
  pollIntervalMs: 500,
  /** Measured on 2 cores: 5-12 s from launch to the first answer, new or existing data, two nodes starting at once included. */
  startTimeoutMs: 120_000,
  /** A SIGTERM drains the node (flushes every memtable): under 1 s measured with test data, ~5 s with Cassandra's default peer waits. */
  stopTimeoutMs: 60_000,
  abortTimeoutMs: 15_000,
  mainClass: MAIN_CLASS,
  configArg: (paths) => `-Dcassandra.config=${configUrl(paths)}`,
  versionProperty: VERSION_PROPERTY,
  installedVersion: (libDir) => readCassandraLibs(libDir)?.version,
  answeredVersion: (probe) => probe.releaseVersion,
  prepare: async ({ paths, ports, options, progress }) => {
    const tools = await requireCassandraTools(options.env)
    if (tools.java.note !== undefined) progress(tools.java.note)
    const libs = await ensureCassandraLibs({ libDir: options.libDir, onProgress: progress, env: options.env })
    for (const dir of [paths.data, paths.commitlog, paths.savedCaches, paths.hints, paths.triggers, paths.logs]) mkdirSync(dir, { recursive: true })
    writeFileSync(paths.config, cassandraYaml(ports, paths))
    const fresh = !existsSync(paths.systemKeyspace)
    return {
      ...(await withoutMemoryLock(tools.java.command, nodeArgs(libs, paths), options.env)),
      version: libs.version,
      about: `storage port ${ports.storagePort}, heap ${CASSANDRA_HEAP.join(' ')}, ${fresh ? 'new data' : 'existing data'} in ${paths.root}`,
    }
  },
  details: (paths) => ({ dataCenter: CASSANDRA_DATA_CENTER, clusterName: CASSANDRA_CLUSTER_NAME, cassandraDir: paths.root }),
})

/**
 * Starts the node of `dataDir` unless a node already answers on the port,
 * and resolves once it answers `SELECT release_version FROM system.local`.
 * Checks Java 17 and Maven first and names what is missing; resolves the jars
 * with Maven only when the lib folder is not complete. Throws with the tail
 * of the node's log when it exits or does not answer in time (and then stops
 * it, so no half-started node is left behind).
 */
export function startCassandra(options: StartCassandraOptions): Promise<CassandraStatus> {
  return cassandra.start(options)
}

/**
 * Stops the node of `dataDir`: SIGTERM (Cassandra drains: flushes its
 * memtables, so the next start replays no commit log), then SIGKILL if it
 * still runs after `timeoutMs`. Does nothing when none runs. Resolves with
 * the pid it stopped.
 */
export function stopCassandra(options: StopCassandraOptions): Promise<{ stopped: boolean; pid?: number }> {
  return cassandra.stop(options)
}

/** Whether the node of `dataDir` runs and whether a node answers on its port. Changes nothing. */
export function cassandraStatus(options: CassandraOptions & { libDir?: string }): Promise<CassandraStatus> {
  return cassandra.status(options)
}

/**
 * The JDK 17 flags of Cassandra 5.0's conf/jvm17-server.options (JPMS
 * section): Cassandra, Netty, Chronicle and jamm reach into JDK internals,
 * and without these the node fails at start with InaccessibleObjectException.
 * Plus the two --add-exports that bin/cassandra.in.sh adds on a full JDK.
 */
export const CASSANDRA_JVM17_MODULE_FLAGS = [
  '-Djdk.attach.allowAttachSelf=true',
  '--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED',
  '--add-exports=java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED',
  '--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED',
  '--add-exports=java.rmi/sun.rmi.server=ALL-UNNAMED',
  '--add-exports=java.sql/java.sql=ALL-UNNAMED',
  '--add-exports=java.base/java.lang.ref=ALL-UNNAMED',
  '--add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED',
  '--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED',
  '--add-exports=jdk.attach/sun.tools.attach=ALL-UNNAMED',
  '--add-opens=java.base/java.lang.module=ALL-UNNAMED',
  '--add-opens=java.base/jdk.internal.loader=ALL-UNNAMED',
  '--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED',
  '--add-opens=java.base/jdk.internal.reflect=ALL-UNNAMED',
  '--add-opens=java.base/jdk.internal.math=ALL-UNNAMED',
  '--add-opens=java.base/jdk.internal.module=ALL-UNNAMED',
  '--add-opens=java.base/jdk.internal.util.jar=ALL-UNNAMED',
  '--add-opens=jdk.management/com.sun.management.internal=ALL-UNNAMED',
  '--add-opens=java.base/sun.nio.ch=ALL-UNNAMED',
  '--add-opens=java.base/java.io=ALL-UNNAMED',
  '--add-opens=java.base/java.lang.reflect=ALL-UNNAMED',
  '--add-opens=jdk.compiler/com.sun.tools.javac=ALL-UNNAMED',
  '--add-opens=java.base/java.lang=ALL-UNNAMED',
  '--add-opens=java.base/java.util=ALL-UNNAMED',
  '--add-opens=java.base/java.nio=ALL-UNNAMED',
  // Netty: direct buffers through Unsafe, and the allocator defaults of 4.1.75 (conf/jvm17-server.options).
  '-Dio.netty.tryReflectionSetAccessible=true',
  '-Dio.netty.allocator.useCacheForAllThreads=true',
  '-Dio.netty.allocator.maxOrder=11',
]

function nodeArgs(libs: CassandraLibs, paths: CassandraPaths): string[] {
  const jamm = jammAgent(libs)
  return [
    ...CASSANDRA_HEAP,
    // conf/jvm-server.options and jvm17-server.options, minus what only pays on big machines.
    '-Xss256k',
    '-XX:+UseG1GC',
    '-XX:+ParallelRefProcEnabled',
    '-XX:MaxTenuringThreshold=1',
    '-XX:G1RSetUpdatingPauseTimePercent=5',
    '-XX:MaxGCPauseMillis=300',
    '-XX:InitiatingHeapOccupancyPercent=70',
    '-XX:+UseThreadPriorities',
    '-XX:+PerfDisableSharedMem',
    // Out of memory, a node limps; better to exit and show up as stopped.
    '-XX:+ExitOnOutOfMemoryError',
    '-Djava.net.preferIPv4Stack=true',
    '-Djava.awt.headless=true',
    '-Dchronicle.analytics.disable=true',
    ...CASSANDRA_JVM17_MODULE_FLAGS,
    ...(jamm === undefined ? [] : [`-javaagent:${jamm}`]),
    `-Dcassandra.config=${configUrl(paths)}`,
    // Without it Cassandra closes standard output and error once started, and console.log would miss a late crash.
    '-Dcassandra-foreground=yes',
    `-Dcassandra.storagedir=${paths.root}`,
    `-Dcassandra.logdir=${paths.logs}`,
    `-Dcassandra.triggers_dir=${paths.triggers}`,
    `-Dlogback.configurationFile=${CASSANDRA_LOGBACK}`,
    // One node, its own seed, no peers: nothing to wait for at start (~10 s of
    // "waiting for gossip to settle") nor at stop (2 s announcing the shutdown
    // to peers, 2 s letting internode connections quiesce). The stop still
    // drains: every memtable is flushed before the JVM exits.
    '-Dcassandra.skip_wait_for_gossip_to_settle=0',
    '-Dcassandra.shutdown_announce_in_ms=0',
    '-Dcassandra.test.messagingService.nonGracefulShutdown=true',
    `-D${VERSION_PROPERTY}=${libs.version}`,
    // The JVM expands `dir/*` to the jars itself (no shell involved).
    '-cp',
    join(libs.dir, '*'),
    MAIN_CLASS,
  ]
}
