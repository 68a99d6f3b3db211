import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ensureMavenLibs, pomProperty, readMavenLibs, type EnsureMavenLibsOptions, type MavenLibs, type MavenLibsSpec } from './maven-libs.js'

/** infra/cassandra/ in the repository: the pom and the logback configuration (from src/infra or dist/infra alike). */
export const CASSANDRA_INFRA_DIR = fileURLToPath(new URL('../../infra/cassandra/', import.meta.url))
export const CASSANDRA_POM = join(CASSANDRA_INFRA_DIR, 'pom.xml')
export const CASSANDRA_LOGBACK = join(CASSANDRA_INFRA_DIR, 'logback.xml')
/**
 * The jars live beside the pom that lists them, not in a data directory:
 * every data directory (each test makes its own) shares one copy (~67 MB),
 * and its own folder, never Kafka's: their Netty, Jackson and SLF4J
 * versions differ. Maven's cache (~/.m2) keeps the downloads, so a deleted
 * lib folder comes back in seconds, offline.
 */
export const DEFAULT_CASSANDRA_LIB_DIR = join(CASSANDRA_INFRA_DIR, 'lib')

export type CassandraLibs = MavenLibs
export type EnsureCassandraLibsOptions = EnsureMavenLibsOptions

const CASSANDRA_LIBS: MavenLibsSpec = {
  name: 'Cassandra',
  pomPath: CASSANDRA_POM,
  libDir: DEFAULT_CASSANDRA_LIB_DIR,
  outputProperty: 'koober.cassandra.lib',
  versionProperty: 'cassandra.version',
  mainJar: /^cassandra-all-(.+)\.jar$/,
  downloadSize: '~95 MB',
}

/** The lib folder when it is complete and made from this very pom; undefined otherwise. */
export function readCassandraLibs(libDir = DEFAULT_CASSANDRA_LIB_DIR, pomPath = CASSANDRA_POM): CassandraLibs | undefined {
  return readMavenLibs(libDir, pomPath)
}

/** The Cassandra version the pom asks for (for progress messages before Maven has run). */
export function pomCassandraVersion(pomPath = CASSANDRA_POM): string {
  return pomProperty(pomPath, CASSANDRA_LIBS.versionProperty) ?? '5.0.x'
}

/** Makes sure the lib folder holds the pom's jars, running Maven only when it does not. */
export function ensureCassandraLibs(options: EnsureCassandraLibsOptions = {}): Promise<CassandraLibs> {
  return ensureMavenLibs(CASSANDRA_LIBS, options)
}

/** jamm, the library Cassandra measures object sizes with: run as a Java agent, as Cassandra's own scripts do. */
export function jammAgent(libs: CassandraLibs): string | undefined {
  const jar = libs.jars.find((j) => /^jamm-[\d.]+\.jar$/.test(j))
  return jar === undefined ? undefined : join(libs.dir, jar)
}
