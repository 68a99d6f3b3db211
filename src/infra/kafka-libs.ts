import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ensureMavenLibs, pomProperty, readMavenLibs, type EnsureMavenLibsOptions, type MavenLibs, type MavenLibsSpec } from './maven-libs.js'

/** infra/kafka/ in the repository: the pom and the log4j2 configuration (from src/infra or dist/infra alike). */
export const KAFKA_INFRA_DIR = fileURLToPath(new URL('../../infra/kafka/', import.meta.url))
export const KAFKA_POM = join(KAFKA_INFRA_DIR, 'pom.xml')
/**
 * The jars live beside the pom that lists them, not in a data directory:
 * every data directory (each test makes its own) shares one copy, and a new
 * data directory starts without copying ~45 MB. Maven's own cache (~/.m2)
 * keeps the downloads, so a deleted lib folder comes back in seconds, offline.
 */
export const DEFAULT_KAFKA_LIB_DIR = join(KAFKA_INFRA_DIR, 'lib')

export type KafkaLibs = MavenLibs
export type EnsureKafkaLibsOptions = EnsureMavenLibsOptions

const KAFKA_LIBS: MavenLibsSpec = {
  name: 'Kafka',
  pomPath: KAFKA_POM,
  libDir: DEFAULT_KAFKA_LIB_DIR,
  outputProperty: 'koober.kafka.lib',
  versionProperty: 'kafka.version',
  mainJar: /^kafka_2\.13-(.+)\.jar$/,
  downloadSize: '~65 MB',
}

/** The lib folder when it is complete and made from this very pom; undefined otherwise. */
export function readKafkaLibs(libDir = DEFAULT_KAFKA_LIB_DIR, pomPath = KAFKA_POM): KafkaLibs | undefined {
  return readMavenLibs(libDir, pomPath)
}

/** The Kafka version the pom asks for (for progress messages before Maven has run). */
export function pomKafkaVersion(pomPath = KAFKA_POM): string {
  return pomProperty(pomPath, KAFKA_LIBS.versionProperty) ?? '4.x'
}

/** Makes sure the lib folder holds the pom's jars, running Maven only when it does not. */
export function ensureKafkaLibs(options: EnsureKafkaLibsOptions = {}): Promise<KafkaLibs> {
  return ensureMavenLibs(KAFKA_LIBS, options)
}
