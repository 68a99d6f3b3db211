import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { localServerPaths, type LocalServerPaths } from './local-server.js'
import { checkPorts } from './ports.js'
import { readTextFile } from './text-file.js'

/** Servers listen on loopback only (DESIGN.md: 127.0.0.1 unless told otherwise). */
export const CASSANDRA_HOST = '127.0.0.1'
export const DEFAULT_CASSANDRA_PORT = 9042
/** Cassandra's own default internode port; with any other native port the default storage port is native port + 1. */
export const DEFAULT_CASSANDRA_STORAGE_PORT = 7000
/**
 * The cluster name is saved in system.local on the first start and checked
 * at every later one ("Saved cluster name ... != configured name ..." stops
 * the node), so it is a constant, not a setting.
 */
export const CASSANDRA_CLUSTER_NAME = 'Koober'
/** SimpleSnitch puts the node in this data center: the Node.js driver's `localDataCenter`. */
export const CASSANDRA_DATA_CENTER = 'datacenter1'
/**
 * Heap for a 2-core machine shared with tests and a Kafka broker. Measured
 * with 200,000 inserts from the Node.js driver: a 512 MB cap serves them as
 * fast as 768 MB or 1 GB, and the node stays around 400 MB resident idle and
 * 620 MB under that load (heap plus ~230 MB of metaspace, code, threads and
 * Netty's direct buffers). Memtables get a quarter of it (memtable_heap_space).
 */
export const CASSANDRA_HEAP = ['-Xms256m', '-Xmx512m']

/** Where one data directory keeps its node: everything under `<dataDir>/cassandra/`; its config is cassandra.yaml, its log system.log. */
export interface CassandraPaths extends LocalServerPaths {
  /** The sstables (data_file_directories). */
  data: string
  commitlog: string
  savedCaches: string
  hints: string
  /** Where Cassandra looks for trigger jars; empty, but it warns every minute when it is missing. */
  triggers: string
  /** Written by the first start (the system keyspace): its presence means "has data". */
  systemKeyspace: string
}

export function cassandraPaths(dataDir: string): CassandraPaths {
  const paths = localServerPaths(dataDir, 'cassandra', { config: 'cassandra.yaml', serverLog: 'system.log' })
  const { root } = paths
  const data = join(root, 'data')
  return {
    ...paths,
    data,
    commitlog: join(root, 'commitlog'),
    savedCaches: join(root, 'saved_caches'),
    hints: join(root, 'hints'),
    triggers: join(root, 'triggers'),
    systemKeyspace: join(data, 'system'),
  }
}

export interface CassandraPorts {
  /** The CQL native transport port clients use. */
  port: number
  /** The internode (gossip, streaming) port: unused by a single node, but bound, so it must not clash with another node on the machine. */
  storagePort: number
}

/** Fills in the defaults (9042 and 7000; another native port gets its storage port on the next port) and checks the ports. */
export function cassandraPorts(port: number | undefined, storagePort: number | undefined): CassandraPorts {
  const p = port ?? DEFAULT_CASSANDRA_PORT
  const s = storagePort ?? (p === DEFAULT_CASSANDRA_PORT ? DEFAULT_CASSANDRA_STORAGE_PORT : p + 1)
  checkPorts('Cassandra', [
    ['port', p],
    ['storage port', s],
  ])
  return { port: p, storagePort: s }
}

/** The yaml form of a string: JSON's double-quoted strings are valid YAML, escapes and all. */
function q(text: string): string {
  return JSON.stringify(text)
}

/**
 * cassandra.yaml for one node that is its own seed, on loopback, sized for
 * a 2-core machine shared with other servers and tests. Only what differs
 * from Cassandra 5.0's built-in defaults (org.apache.cassandra.config.Config)
 * or what it requires is written; every start rewrites the file.
 */
export function cassandraYaml(ports: CassandraPorts, paths: CassandraPaths): string {
  const lines = [
    '# Written by src/infra/cassandra.ts at every start; edits here are lost.',
    `cluster_name: ${q(CASSANDRA_CLUSTER_NAME)}`,
    // One node, one token: the whole ring. initial_token makes it the same at every fresh start.
    'num_tokens: 1',
    'initial_token: 0',
    'partitioner: org.apache.cassandra.dht.Murmur3Partitioner',
    // Data center "datacenter1", rack "rack1": what the Node.js driver expects as localDataCenter.
    'endpoint_snitch: SimpleSnitch',
    'seed_provider:',
    '  - class_name: org.apache.cassandra.locator.SimpleSeedProvider',
    '    parameters:',
    `      - seeds: ${q(`${CASSANDRA_HOST}:${ports.storagePort}`)}`,
    `listen_address: ${CASSANDRA_HOST}`,
    `rpc_address: ${CASSANDRA_HOST}`,
    `storage_port: ${ports.storagePort}`,
    'start_native_transport: true',
    `native_transport_port: ${ports.port}`,
    // A local node for tests: no passwords, no permissions.
    'authenticator: AllowAllAuthenticator',
    'authorizer: AllowAllAuthorizer',
    // A new cluster, never upgraded from 4.x: the 5.0 storage format and features from the start.
    'storage_compatibility_mode: NONE',
    `data_file_directories:`,
    `  - ${q(paths.data)}`,
    `commitlog_directory: ${q(paths.commitlog)}`,
    `saved_caches_directory: ${q(paths.savedCaches)}`,
    `hints_directory: ${q(paths.hints)}`,
    // Periodic fsync of the commit log (every 10 s, Cassandra's default): a
    // local node trades the last seconds on a power cut for write speed; a
    // clean stop (SIGTERM) drains everything.
    'commitlog_sync: periodic',
    'commitlog_sync_period: 10000ms',
    'commitlog_segment_size: 16MiB',
    'commitlog_total_space: 256MiB',
    // Index files mmapped, data read with buffered I/O (5.0's default, said
    // out loud): full mmap would map every sstable into the address space.
    'disk_access_mode: mmap_index_only',
    // Two cores: the defaults (32 readers, 32 writers, 128 native threads)
    // only queue on each other here.
    'concurrent_reads: 8',
    'concurrent_writes: 8',
    'concurrent_counter_writes: 4',
    'concurrent_materialized_view_writes: 4',
    'concurrent_compactors: 1',
    'concurrent_index_builders: 1',
    'memtable_flush_writers: 1',
    'native_transport_max_threads: 16',
    'memtable_heap_space: 128MiB',
    'key_cache_size: 16MiB',
    // One node: nobody to hand hints to, nothing to snapshot for on DROP/TRUNCATE (tests drop tables all the time).
    'hinted_handoff_enabled: false',
    'auto_snapshot: false',
    'incremental_backups: false',
  ]
  return `${lines.join('\n')}\n`
}

/** -Dcassandra.config takes a URL, not a path. */
export function configUrl(paths: CassandraPaths): string {
  return pathToFileURL(paths.config).href
}

/** The ports an existing cassandra.yaml was written with, or undefined when there is none. */
export function readConfiguredPorts(configPath: string): CassandraPorts | undefined {
  const text = readTextFile(configPath)
  if (text === undefined) return undefined
  const port = /^native_transport_port:\s*(\d+)\s*$/m.exec(text)?.[1]
  const storagePort = /^storage_port:\s*(\d+)\s*$/m.exec(text)?.[1]
  if (port === undefined || storagePort === undefined) return undefined
  return { port: Number(port), storagePort: Number(storagePort) }
}
