import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { kooberError } from '../errors.js'
import { withFileLock } from './file-lock.js'
import { lastLines, runCommand, stripAnsi } from './run.js'

/**
 * A folder of jars copied by Maven from the dependencies of one pom
 * (`mvn dependency:copy-dependencies`), resolved only when it is not
 * complete, for any server (kafka-libs.ts, cassandra-libs.ts): a stamp file,
 * written last, ties the folder to the hash of the pom it came from; Maven
 * copies into a temporary folder renamed into place, so an interrupted run
 * never leaves a folder that looks ready; a lock beside the folder makes
 * concurrent starts resolve once.
 */

/** Written last into a complete lib folder; ties it to the pom it came from. */
const STAMP = 'koober-libs.json'

export interface MavenLibs {
  dir: string
  /** The server's version, read from its main jar's name. */
  version: string
  jars: string[]
  /** Total size of the jars, bytes. */
  bytes: number
}

/** One server's jars. */
export interface MavenLibsSpec {
  /** For messages: "Cassandra". */
  name: string
  /** The pom, unless a caller names another. */
  pomPath: string
  /** The lib folder, unless a caller names another. */
  libDir: string
  /** The pom property that names the output folder (the pom's default is its lib/ folder). */
  outputProperty: string
  /** The pom property that names the server's version, for messages before Maven has run: "cassandra.version". */
  versionProperty: string
  /** Finds the server's version in one jar file name, e.g. /^cassandra-all-(.+)\.jar$/. */
  mainJar: RegExp
  /** For the first-run message: "~95 MB". */
  downloadSize: string
}

export interface EnsureMavenLibsOptions {
  /** Default: the spec's. */
  libDir?: string
  /** Default: the spec's. */
  pomPath?: string
  onProgress?: (line: string) => void
  env?: NodeJS.ProcessEnv
}

interface Stamp {
  pomSha256: string
  version: string
  jars: string[]
}

/** The lib folder when it is complete and made from this very pom; undefined otherwise. */
export function readMavenLibs(libDir: string, pomPath: string): MavenLibs | undefined {
  let stamp: Stamp
  try {
    stamp = JSON.parse(readFileSync(join(libDir, STAMP), 'utf8')) as Stamp
  } catch {
    return undefined
  }
  let pom: Buffer
  try {
    pom = readFileSync(pomPath)
  } catch {
    return undefined
  }
  if (stamp.pomSha256 !== sha256(pom)) return undefined
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

/** A `<name>` property of a pom, for messages before Maven has run. */
export function pomProperty(pomPath: string, property: string): string | undefined {
  const escaped = property.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  return new RegExp(`<${escaped}>([^<]+)</${escaped}>`).exec(readFileSync(pomPath, 'utf8'))?.[1]
}

/**
 * Makes sure the lib folder holds the pom's jars, running Maven only when it
 * does not (first run, pom edited, folder deleted or damaged).
 */
export async function ensureMavenLibs(spec: MavenLibsSpec, options: EnsureMavenLibsOptions = {}): Promise<MavenLibs> {
  const libDir = options.libDir ?? spec.libDir
  const pomPath = options.pomPath ?? spec.pomPath
  const progress = options.onProgress ?? (() => undefined)
  const ready = readMavenLibs(libDir, pomPath)
  if (ready !== undefined) return ready
  mkdirSync(dirname(libDir), { recursive: true })
  return withFileLock(
    `${libDir}.lock`,
    async () => {
      // Another process may have finished the job while we waited for the lock.
      const done = readMavenLibs(libDir, pomPath)
      if (done !== undefined) return done
      return await resolveWithMaven(spec, libDir, pomPath, progress, options.env ?? process.env)
    },
    {
      what: `the ${spec.name} jars in ${libDir}`,
      timeoutMs: 15 * 60_000,
      onWait: (holder) => progress(`another process (${holder ?? '?'}) is resolving the ${spec.name} jars into ${libDir}; waiting for it`),
    },
  )
}

async function resolveWithMaven(spec: MavenLibsSpec, libDir: string, pomPath: string, progress: (line: string) => void, env: NodeJS.ProcessEnv): Promise<MavenLibs> {
  const started = Date.now()
  const version = pomProperty(pomPath, spec.versionProperty)
  progress(`resolving ${spec.name}${version === undefined ? '' : ` ${version}`} artifacts with Maven into ${libDir} (the first run downloads ${spec.downloadSize} into ~/.m2)...`)
  const tmp = `${libDir}.tmp-${process.pid}`
  rmSync(tmp, { recursive: true, force: true })
  const downloads = downloadCounter(progress)
  const args = ['-B', '-Dstyle.color=never', '-f', pomPath, 'dependency:copy-dependencies', `-D${spec.outputProperty}=${tmp}`]
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
    throw kooberError('KOOBER_INFRA_SERVER_FAILED', `Maven ${why} resolving the ${spec.name} jars (mvn ${args.join(' ')} in ${dirname(pomPath)}):\n${lastLines(output, 25)}`)
  }
  const jars = existsSync(tmp) ? readdirSync(tmp).filter((f) => f.endsWith('.jar')).sort() : []
  const found = jars.map((j) => spec.mainJar.exec(j)?.[1]).find((v) => v !== undefined)
  if (found === undefined) {
    rmSync(tmp, { recursive: true, force: true })
    throw kooberError('KOOBER_INFRA_SERVER_FAILED', `Maven succeeded but copied no ${spec.name} jar (${spec.mainJar.source}) into ${tmp} (${jars.length} jars); check ${pomPath}`)
  }
  const stamp: Stamp = { pomSha256: sha256(readFileSync(pomPath)), version: found, jars }
  writeFileSync(join(tmp, STAMP), `${JSON.stringify(stamp, null, 2)}\n`)
  rmSync(libDir, { recursive: true, force: true })
  renameSync(tmp, libDir)
  const libs = readMavenLibs(libDir, pomPath)!
  progress(`resolved ${spec.name} ${found}: ${jars.length} jars, ${(libs.bytes / 1e6).toFixed(1)} MB in ${libDir} (${((Date.now() - started) / 1000).toFixed(1)} s)`)
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
