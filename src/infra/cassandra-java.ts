import { existsSync, readdirSync, realpathSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { kooberError } from '../errors.js'
import { checkMaven, javaCommand, parseJavaMajor, type ToolCheck } from './java.js'
import { runCommand } from './run.js'
import { readTextFile } from './text-file.js'

/**
 * Cassandra 5.0 runs on Java 11 and 17, and on nothing newer: it installs a
 * security manager at start, which Java 18+ refuses without a flag and Java
 * 24+ no longer has ("Setting a system-wide Policy object is not supported").
 * Its JPMS flags (cassandra.ts) are those of its jvm17-server.options, so
 * Java 17 it is.
 */
export const CASSANDRA_JAVA = 17

/** Where JDKs are usually installed; each one has a `release` file naming its version. */
const JDK_ROOTS = ['/usr/lib/jvm', '/usr/java', '/opt/java', '/opt/jdk', join(homedir(), '.sdkman', 'candidates', 'java'), join(homedir(), '.jdks'), '/Library/Java/JavaVirtualMachines']

export interface CassandraJava extends ToolCheck {
  /** Set when the `java` of JAVA_HOME or PATH is not Java 17 and another installed JDK is used instead: says so. */
  note?: string
}

export interface CassandraTools {
  java: CassandraJava
  maven: ToolCheck
  ok: boolean
  /** One sentence naming everything missing; absent when `ok`. */
  problem?: string
}

/**
 * The java to run Cassandra with: $JAVA_HOME/bin/java, else `java` on PATH,
 * when it is Java 17; when that one is another version (a Java 21 or 25 as
 * the default is common), an installed Java 17 found in the usual places.
 * Never throws.
 */
export async function checkCassandraJava(env: NodeJS.ProcessEnv = process.env): Promise<CassandraJava> {
  const command = javaCommand(env)
  let ran
  try {
    ran = await runCommand(command, ['-version'], { env, timeoutMs: 60_000 })
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code !== 'ENOENT' && code !== 'EACCES') throw err
    return {
      ok: false,
      command,
      problem: `${command} was not found${command === 'java' ? ' on PATH' : ''} (install a JDK ${CASSANDRA_JAVA}, e.g. \`apt-get install openjdk-${CASSANDRA_JAVA}-jdk-headless\`, or set JAVA_HOME to one)`,
    }
  }
  const output = ran.stderr + ran.stdout
  const major = parseJavaMajor(output)
  if (ran.code !== 0 || major === undefined) {
    return { ok: false, command, problem: `\`${command} -version\` failed (exit ${ran.code}): ${output.trim().split(/\r?\n/)[0] ?? ''}` }
  }
  const version = /version "([^"]+)"/.exec(output)?.[1] ?? String(major)
  if (major === CASSANDRA_JAVA) return { ok: true, command, version }
  const other = findInstalledJdk(CASSANDRA_JAVA)
  if (other !== undefined) {
    return {
      ok: true,
      command: other.java,
      version: other.version,
      note: `${command} is Java ${version}; Cassandra 5.0 runs on Java ${CASSANDRA_JAVA}: using ${other.java}`,
    }
  }
  return {
    ok: false,
    command,
    version,
    problem: `${command} is Java ${version}, and Cassandra 5.0 runs on Java ${CASSANDRA_JAVA} only (install it, e.g. \`apt-get install openjdk-${CASSANDRA_JAVA}-jdk-headless\`, or point JAVA_HOME at it)`,
  }
}

/** An installed JDK of that major version, from the `release` files of the usual install folders; the newest update first. */
export function findInstalledJdk(major: number, roots: readonly string[] = JDK_ROOTS): { home: string; java: string; version: string } | undefined {
  const found: Array<{ home: string; java: string; version: string }> = []
  const seen = new Set<string>()
  for (const root of roots) {
    let names: string[]
    try {
      names = readdirSync(root)
    } catch {
      continue
    }
    for (const name of names) {
      for (const folder of [join(root, name), join(root, name, 'Contents', 'Home')]) {
        if (!existsSync(join(folder, 'bin', 'java'))) continue
        // Debian links java-1.17.0-openjdk-amd64 to java-17-openjdk-amd64: one JDK, named by its real folder.
        const home = realpathSync(folder)
        if (seen.has(home)) continue
        seen.add(home)
        const java = join(home, 'bin', 'java')
        const release = readTextFile(join(home, 'release'))
        if (release === undefined) continue
        const version = /^JAVA_VERSION="([^"]+)"/m.exec(release)?.[1]
        if (version !== undefined && parseJavaMajor(`version "${version}"`) === major) found.push({ home, java, version })
      }
    }
  }
  const numbers = (v: string): number[] => v.split(/[^\d]+/).filter((p) => p !== '').map(Number)
  found.sort((a, b) => {
    const x = numbers(a.version)
    const y = numbers(b.version)
    for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (y[i] ?? 0) - (x[i] ?? 0)
    return a.home.localeCompare(b.home)
  })
  return found[0]
}

/** Checks Java 17 and Maven at once (each starts a JVM, so in parallel) and never throws. */
export async function checkCassandraTools(env: NodeJS.ProcessEnv = process.env): Promise<CassandraTools> {
  const [java, maven] = await Promise.all([checkCassandraJava(env), checkMaven(env)])
  const problems = [java.problem, maven.problem].filter((p): p is string => p !== undefined)
  const ok = problems.length === 0
  return ok ? { java, maven, ok } : { java, maven, ok, problem: `Cassandra needs Java ${CASSANDRA_JAVA} and Maven: ${problems.join('; ')}` }
}

/** Like `checkCassandraTools`, but throws one error naming everything missing. */
export async function requireCassandraTools(env: NodeJS.ProcessEnv = process.env): Promise<CassandraTools> {
  const tools = await checkCassandraTools(env)
  if (!tools.ok) throw kooberError('KOOBER_INFRA_TOOLS_MISSING', tools.problem!)
  return tools
}
