import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { kooberError } from '../errors.js'
import { withFileLock } from './file-lock.js'
import { lastLines, runCommand, stripAnsi } from './run.js'

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
/** Written last into a complete lib folder; ties it to the pom it came from. */
const STAMP = 'koober-libs.json'

export interface KafkaLibs {
  dir: string
  /** The Kafka version of the jars, from kafka_2.13-<version>.jar. */
  version: string
  jars: string[]
  /** Total size of the jars, bytes. */
  bytes: number
}

interface Stamp {
  pomSha256: string
  version: string
  jars: string[]
}

/** The lib folder when it is complete and made from this very pom; undefined otherwise. */
export function readKafkaLibs(libDir: string, pomPath = KAFKA_POM): KafkaLibs | undefined {
  let stamp: Stamp
  try {
    stamp = JSON.parse(readFileSync(join(libDir, STAMP), 'utf8')) as Stamp
  } catch {
    return undefined
  }
  if (stamp.pomSha256 !== sha256(readFileSync(pomPath))) return undefined
  let bytes = 0
  for (const jar of stamp.jars) {
    try {
      bytes += statSync(join(libDir, jar)).size
    } catch {
      return undefined
    }
  }
  return { dir: libDir, version: stamp.version, jars: stamp.jars, bytes }
}

/** The Kafka version the pom asks for (for progress messages before Maven has run). */
export function pomKafkaVersion(pomPath = KAFKA_POM): string {
  return /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(readFileSync(pomPath, 'utf8'))?.[1] ?? '4.x'
}

export interface EnsureKafkaLibsOptions {
  libDir?: string
  pomPath?: string
  onProgress?: (line: string) => void
  env?: NodeJS.ProcessEnv
}

/**
 * Makes sure the lib folder holds the pom's jars, running Maven only when it
 * does not (first run, pom edited, folder deleted or damaged). Maven copies
 * into a temporary folder that is renamed into place once complete, so an
 * interrupted run never leaves a lib folder that looks ready.
 */
export async function ensureKafkaLibs(options: EnsureKafkaLibsOptions = {}): Promise<KafkaLibs> {
  const libDir = options.libDir ?? DEFAULT_KAFKA_LIB_DIR
  const pomPath = options.pomPath ?? KAFKA_POM
  const progress = options.onProgress ?? (() => undefined)
  const ready = readKafkaLibs(libDir, pomPath)
  if (ready !== undefined) return ready
  mkdirSync(dirname(libDir), { recursive: true })
  return withFileLock(
    `${libDir}.lock`,
    async () => {
      // Another process may have finished the job while we waited for the lock.
      const done = readKafkaLibs(libDir, pomPath)
      if (done !== undefined) return done
      return await resolveWithMaven(libDir, pomPath, progress, options.env ?? process.env)
    },
    {
      what: `the Kafka jars in ${libDir}`,
      timeoutMs: 15 * 60_000,
      onWait: (holder) => progress(`another process (${holder ?? '?'}) is resolving the Kafka jars into ${libDir}; waiting for it`),
    },
  )
}

async function resolveWithMaven(libDir: string, pomPath: string, progress: (line: string) => void, env: NodeJS.ProcessEnv): Promise<KafkaLibs> {
  const started = Date.now()
  progress(`resolving Kafka ${pomKafkaVersion(pomPath)} artifacts with Maven into ${libDir} (the first run downloads ~65 MB into ~/.m2)...`)
  const tmp = `${libDir}.tmp-${process.pid}`
  rmSync(tmp, { recursive: true, force: true })
  const downloads = downloadCounter(progress)
  const args = ['-B', '-Dstyle.color=never', '-f', pomPath, 'dependency:copy-dependencies', `-Dkoober.kafka.lib=${tmp}`]
  let result
  try {
    result = await runCommand('mvn', args, { cwd: dirname(pomPath), env, timeoutMs: 15 * 60_000, onLine: downloads.line })
  } catch (err) {
    throw kooberError('KOOBER_INFRA_SERVER_FAILED', `could not run Maven (mvn ${args.join(' ')}): ${(err as Error).message}`, err)
  }
  if (result.code !== 0) {
    rmSync(tmp, { recursive: true, force: true })
    const output = stripAnsi(result.stdout + result.stderr)
      .split('\n')
      .filter((l) => !/Download(ing|ed) from/.test(l))
      .join('\n')
    const why = result.timedOut ? 'timed out after 15 minutes' : `failed (exit ${result.code})`
    throw kooberError('KOOBER_INFRA_SERVER_FAILED', `Maven ${why} resolving the Kafka jars (mvn ${args.join(' ')} in ${dirname(pomPath)}):\n${lastLines(output, 25)}`)
  }
  const jars = existsSync(tmp) ? readdirSync(tmp).filter((f) => f.endsWith('.jar')).sort() : []
  const version = jars.map((j) => /^kafka_2\.13-(.+)\.jar$/.exec(j)?.[1]).find((v) => v !== undefined)
  if (version === undefined) {
    rmSync(tmp, { recursive: true, force: true })
    throw kooberError('KOOBER_INFRA_SERVER_FAILED', `Maven succeeded but copied no kafka_2.13 jar into ${tmp} (${jars.length} jars); check ${pomPath}`)
  }
  const stamp: Stamp = { pomSha256: sha256(readFileSync(pomPath)), version, jars }
  writeFileSync(join(tmp, STAMP), `${JSON.stringify(stamp, null, 2)}\n`)
  rmSync(libDir, { recursive: true, force: true })
  renameSync(tmp, libDir)
  const libs = readKafkaLibs(libDir, pomPath)!
  progress(`resolved Kafka ${version}: ${jars.length} jars, ${(libs.bytes / 1e6).toFixed(1)} MB in ${libDir} (${((Date.now() - started) / 1000).toFixed(1)} s)`)
  return libs
}

/** Counts Maven's "Downloaded from" lines and reports the running total every few seconds. */
function downloadCounter(progress: (line: string) => void): { line: (line: string) => void } {
  let files = 0
  let bytes = 0
  let lastReport = Date.now()
  return {
    line: (raw) => {
      const match = /Downloaded from \S+ \S+ \((\d+(?:\.\d+)?) (B|kB|KB|MB|GB) at/.exec(stripAnsi(raw))
      if (match === null) return
      files++
      bytes += Number(match[1]) * ({ B: 1, kB: 1e3, KB: 1e3, MB: 1e6, GB: 1e9 } as Record<string, number>)[match[2]!]!
      if (Date.now() - lastReport >= 3_000) {
        lastReport = Date.now()
        progress(`Maven: ${files} files downloaded (${(bytes / 1e6).toFixed(1)} MB) so far...`)
      }
    },
  }
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex')
}
