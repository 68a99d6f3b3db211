import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { kooberError } from '../errors.js'
import { runCommand, stripAnsi } from './run.js'

/** Kafka 4 brokers need Java 17 (the 4.0 release dropped Java 11 for servers). */
export const MIN_JAVA = 17
/** maven-dependency-plugin 3.8 needs Maven 3.6.3. */
export const MIN_MAVEN: readonly [number, number, number] = [3, 6, 3]

export interface ToolCheck {
  ok: boolean
  /** The command that was run, e.g. `java` or `/usr/lib/jvm/x/bin/java`. */
  command: string
  /** The version found, when the command ran. */
  version?: string
  /** Why it is not usable, written for a person; absent when `ok`. */
  problem?: string
}

export interface JavaAndMaven {
  java: ToolCheck
  maven: ToolCheck
  ok: boolean
  /** One sentence naming everything missing; absent when `ok`. */
  problem?: string
}

/**
 * The `java` to run: $JAVA_HOME/bin/java when JAVA_HOME is set (Maven uses
 * that one too, so both agree), else `java` on PATH.
 */
export function javaCommand(env: NodeJS.ProcessEnv = process.env): string {
  const home = env.JAVA_HOME
  if (home !== undefined && home !== '' && existsSync(join(home, 'bin', 'java'))) return join(home, 'bin', 'java')
  return 'java'
}

/** Parses the major version from `java -version` output: `"17.0.15"` → 17, `"1.8.0_392"` → 8, `"21-ea"` → 21. */
export function parseJavaMajor(output: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?[^"]*"/.exec(output)
  if (match === null) return undefined
  const first = Number(match[1])
  return first === 1 && match[2] !== undefined ? Number(match[2]) : first
}

/** Parses `Apache Maven 3.8.7 (...)` from `mvn -v` output. */
export function parseMavenVersion(output: string): [number, number, number] | undefined {
  const match = /Apache Maven (\d+)\.(\d+)(?:\.(\d+))?/.exec(stripAnsi(output))
  if (match === null) return undefined
  return [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)]
}

export async function checkJava(env: NodeJS.ProcessEnv = process.env): Promise<ToolCheck> {
  const command = javaCommand(env)
  const ran = await tryRun(command, ['-version'], env)
  if ('missing' in ran) {
    return { ok: false, command, problem: `${command} was not found${command === 'java' ? ' on PATH' : ''} (install a JDK ${MIN_JAVA} or newer, e.g. \`apt-get install openjdk-${MIN_JAVA}-jdk-headless\`, or set JAVA_HOME)` }
  }
  // `java -version` prints to standard error.
  const major = parseJavaMajor(ran.stderr + ran.stdout)
  if (ran.code !== 0 || major === undefined) {
    return { ok: false, command, problem: `\`${command} -version\` failed (exit ${ran.code}): ${firstLine(ran.stderr + ran.stdout)}` }
  }
  const version = /version "([^"]+)"/.exec(ran.stderr + ran.stdout)?.[1] ?? String(major)
  if (major < MIN_JAVA) {
    return { ok: false, command, version, problem: `${command} is Java ${version}; Kafka needs Java ${MIN_JAVA} or newer (install it, or point JAVA_HOME at it)` }
  }
  return { ok: true, command, version }
}

export async function checkMaven(env: NodeJS.ProcessEnv = process.env): Promise<ToolCheck> {
  const command = 'mvn'
  const ran = await tryRun(command, ['-B', '-v'], env)
  if ('missing' in ran) {
    return { ok: false, command, problem: `mvn was not found on PATH (install Maven ${MIN_MAVEN.join('.')} or newer, e.g. \`apt-get install maven\`)` }
  }
  const version = parseMavenVersion(ran.stdout + ran.stderr)
  if (ran.code !== 0 || version === undefined) {
    return { ok: false, command, problem: `\`mvn -v\` failed (exit ${ran.code}): ${firstLine(stripAnsi(ran.stdout + ran.stderr))}` }
  }
  const text = version.join('.')
  if (compareVersions(version, MIN_MAVEN) < 0) {
    return { ok: false, command, version: text, problem: `mvn is Maven ${text}; Maven ${MIN_MAVEN.join('.')} or newer is needed` }
  }
  return { ok: true, command, version: text }
}

/** Checks both tools at once (each starts a JVM, so in parallel) and never throws. */
export async function checkJavaAndMaven(env: NodeJS.ProcessEnv = process.env): Promise<JavaAndMaven> {
  const [java, maven] = await Promise.all([checkJava(env), checkMaven(env)])
  const problems = [java.problem, maven.problem].filter((p): p is string => p !== undefined)
  const ok = problems.length === 0
  return ok ? { java, maven, ok } : { java, maven, ok, problem: `Kafka needs Java ${MIN_JAVA}+ and Maven: ${problems.join('; ')}` }
}

/** Like `checkJavaAndMaven`, but throws one error naming everything missing. */
export async function requireJavaAndMaven(env: NodeJS.ProcessEnv = process.env): Promise<JavaAndMaven> {
  const tools = await checkJavaAndMaven(env)
  if (!tools.ok) throw kooberError('KOOBER_INFRA_TOOLS_MISSING', tools.problem!)
  return tools
}

async function tryRun(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string } | { missing: true }> {
  try {
    return await runCommand(command, args, { env, timeoutMs: 60_000 })
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'EACCES') return { missing: true }
    throw err
  }
}

function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0)
    if (d !== 0) return d
  }
  return 0
}

function firstLine(text: string): string {
  return text.trim().split(/\r?\n/)[0] ?? ''
}
