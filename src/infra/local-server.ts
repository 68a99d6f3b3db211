/**
 * The life of one local server, whichever it is (Kafka, Cassandra): a JVM
 * launched detached on loopback that outlives the process that starts it
 * (the CLI starts it and exits; a test suite may share one). What identifies
 * it is its data directory: `<dataDir>/<server>/` holds its generated
 * configuration, its data, its logs and its pid file. Starting, stopping
 * and asking for the status are safe to repeat: a second start finds the
 * running server, a stop with nothing running does nothing.
 *
 * A `LocalServerSpec` says what differs between servers: their paths and
 * ports, how to prepare and launch them, and the probe that tells whether
 * one serves requests (an open port alone proves nothing).
 */
import { appendFileSync, existsSync, mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { kooberError } from '../errors.js'
import { withFileLock } from './file-lock.js'
import { clipLine, describeTails, fileSize, tailFile } from './log-tail.js'
import { assertPortFree } from './ports.js'
import { commandLineOf, isAlive, readPidFile, removePidFile, signalProcess, sleep, spawnDetached, waitForExit, writePidFile } from './process.js'

/** Where one data directory keeps its server: everything under `<dataDir>/<server>/`. */
export interface LocalServerPaths {
  root: string
  /** The server's configuration file, written by every start (the ports may change). */
  config: string
  logs: string
  /** The server's own log. */
  serverLog: string
  /** The JVM's standard output and error (crashes before logging starts end up here). */
  consoleLog: string
  pidFile: string
  /** Held while a start runs, so two starts on one data directory make one server. */
  startLock: string
}

/** The paths every server has: `<dataDir>/<dir>/` with its config, `logs/`, `<dir>.pid` and `start.lock`. */
export function localServerPaths(dataDir: string, dir: string, files: { config: string; serverLog: string }): LocalServerPaths {
  const root = resolve(dataDir, dir)
  const logs = join(root, 'logs')
  return {
    root,
    config: join(root, files.config),
    logs,
    serverLog: join(logs, files.serverLog),
    consoleLog: join(logs, 'console.log'),
    pidFile: join(root, `${dir}.pid`),
    startLock: join(root, 'start.lock'),
  }
}

export interface LocalServerOptions {
  /** The data directory; the server lives in a folder of it. */
  dataDir: string
  /** The client port. Default: the port the server of this data directory was last started on, else the server's default. */
  port?: number
}

export interface StartLocalServerOptions {
  onProgress?: (line: string) => void
  /** How long to wait for the started server to answer. */
  timeoutMs?: number
  /** Where the jars go. Default infra/<server>/lib, shared by every data directory. */
  libDir?: string
  /** The environment for java and mvn (JAVA_HOME, PATH, MAVEN_OPTS). Default process.env. */
  env?: NodeJS.ProcessEnv
}

export interface StopLocalServerOptions {
  dataDir: string
  onProgress?: (line: string) => void
  /** How long to wait after SIGTERM before SIGKILL. */
  timeoutMs?: number
}

/** What a server's probe may find; servers add their own fields, and their own name for "answered, but not in my protocol". */
export type ServerProbe = { state: 'ready' } | { state: 'refused' } | { state: string; reason: string }
export type ReadyProbe<P extends ServerProbe> = Extract<P, { state: 'ready' }>

export interface LocalServerStatus {
  /** The server of this data directory (its pid file names a live process of it) runs. */
  running: boolean
  pid?: number
  /** A server answers its probe at `address` (it may be starting when `running` and not `answering`). */
  answering: boolean
  /** A server answers at `address`, but not one started from this data directory. */
  external: boolean
  host: string
  /** The client port (the server's other ports follow it). */
  port: number
  /** `host:port`: what a client connects to. */
  address: string
  /** The server's version: what it answers when its probe tells, else what the server of this data directory was started with. */
  version?: string
  /** The server's log. */
  logFile: string
  /** The JVM's standard output and error (crashes before logging starts end up here). */
  consoleLogFile: string
}

/** A prepared launch: the command line, and what the "starting" line tells. */
export interface Launch {
  command: string
  args: string[]
  /** The version of the jars launched. */
  version: string
  /** The parenthesis of "starting Kafka 4.4.0 on 127.0.0.1:9092 (...)": the other ports, the heap... */
  about: string
}

export interface LocalServerSpec<Options extends LocalServerOptions, Paths extends LocalServerPaths, Ports extends { port: number }, Probe extends ServerProbe, Details> {
  /** For messages: "Kafka". */
  name: string
  /** What one server is called, for messages: "broker", "node". */
  noun: string
  host: string
  paths(dataDir: string): Paths
  /** Fills in the defaults and checks the ports; `last` holds those the data directory's server was last started with, if it was. */
  ports(options: Options, last: Ports | undefined): Ports
  /** The ports of a configuration file an earlier start wrote; undefined when there is none. */
  readConfiguredPorts(configFile: string): Ports | undefined
  /** The ports besides the client port, named for messages ("controller port"): checked free before a launch. */
  otherPorts(ports: Ports): Array<{ name: string; port: number }>
  /** Asks a server whether it serves requests; never throws. Without a timeout, the probe's own default. */
  probe(host: string, port: number, timeoutMs?: number): Promise<Probe>
  /** While waiting for a start: each probe's timeout, and the pause between probes. */
  probeTimeoutMs: number
  pollIntervalMs: number
  startTimeoutMs: number
  stopTimeoutMs: number
  /** How long a start that failed gives its server after SIGTERM. */
  abortTimeoutMs: number
  /** The main class and an argument naming this data directory's configuration: together they identify our server in /proc. */
  mainClass: string
  configArg(paths: Paths): string
  /** The system property the launch sets to the version (`koober.kafka.version`): it shows in the command line. */
  versionProperty: string
  /** The version of the jars in the lib folder, if resolved. */
  installedVersion(libDir: string | undefined): string | undefined
  /** The version the server told its probe, when its protocol tells. */
  answeredVersion?(probe: ReadyProbe<Probe>): string
  /** Everything before the launch: checks the tools, resolves the jars, writes the configuration, makes the folders (`logs` included). */
  prepare(context: { paths: Paths; ports: Ports; options: Options & StartLocalServerOptions; progress: (line: string) => void }): Promise<Launch>
  /** The server's own status fields, after `version`. */
  details(paths: Paths, probe: Probe): Details
}

/** The status a spec yields: the common fields, its ports and its details. */
export type StatusOf<Ports, Details> = LocalServerStatus & Ports & Details

/** Where the logs stood when a launch began, so failures show this run's lines, not the last run's. */
interface LogStart {
  server: number
  console: number
}

const START_LOCK_TIMEOUT_MS = 20 * 60_000
const NOTICE_EVERY_MS = 10_000
/** How long a process may take to go after SIGKILL (it is the kernel's job, but a zombie takes its parent's time). */
const KILL_TIMEOUT_MS = 10_000

export class LocalServer<Options extends LocalServerOptions, Paths extends LocalServerPaths, Ports extends { port: number }, Probe extends ServerProbe, Details> {
  constructor(private readonly spec: LocalServerSpec<Options, Paths, Ports, Probe, Details>) {}

  /**
   * Starts the server of `dataDir` unless one already answers on the port,
   * and resolves once it answers its probe. Throws with the tail of its log
   * when it exits or does not answer in time (and then stops it, so no
   * half-started server is left behind).
   */
  async start(options: Options & StartLocalServerOptions): Promise<StatusOf<Ports, Details>> {
    const paths = this.spec.paths(options.dataDir)
    const progress = options.onProgress ?? (() => undefined)
    this.portsFor(paths, options) // bad ports fail here, before anything is created
    mkdirSync(paths.root, { recursive: true })
    return withFileLock(paths.startLock, () => this.startLocked(paths, options, progress), {
      what: `the ${this.spec.name} start in ${paths.root}`,
      timeoutMs: START_LOCK_TIMEOUT_MS,
      onWait: (holder) => progress(`another process (${holder ?? '?'}) is starting ${this.spec.name} in ${paths.root}; waiting for it`),
    })
  }

  /**
   * Stops the server of `dataDir`: SIGTERM (a clean shutdown), then SIGKILL
   * if it still runs after `timeoutMs`. Does nothing when none runs.
   * Resolves with the pid it stopped.
   */
  async stop(options: StopLocalServerOptions): Promise<{ stopped: boolean; pid?: number }> {
    const { name, noun } = this.spec
    const paths = this.spec.paths(options.dataDir)
    const progress = options.onProgress ?? (() => undefined)
    const pid = this.ourPid(paths)
    if (pid === undefined) {
      if (existsSync(paths.pidFile)) progress(`no ${name} ${noun} runs from ${paths.root}; removing its stale pid file`)
      removePidFile(paths.pidFile)
      return { stopped: false }
    }
    progress(`stopping ${name} (pid ${pid})...`)
    const started = Date.now()
    const killed = await this.terminate(pid, options.timeoutMs ?? this.spec.stopTimeoutMs, progress)
    removePidFile(paths.pidFile)
    progress(killed ? `${name} (pid ${pid}) was killed` : `${name} stopped (pid ${pid}) after ${seconds(Date.now() - started)}`)
    return { stopped: true, pid }
  }

  /** Whether the server of `dataDir` runs and whether a server answers on its port. Changes nothing. */
  async status(options: Options & { libDir?: string }): Promise<StatusOf<Ports, Details>> {
    const paths = this.spec.paths(options.dataDir)
    const ports = this.portsFor(paths, options)
    const pid = this.ourPid(paths)
    return this.statusOf(paths, ports, pid, await this.spec.probe(this.spec.host, ports.port), options.libDir)
  }

  private async startLocked(paths: Paths, options: Options & StartLocalServerOptions, progress: (line: string) => void): Promise<StatusOf<Ports, Details>> {
    const { name, noun, host } = this.spec
    const timeoutMs = options.timeoutMs ?? this.spec.startTimeoutMs
    const runningPid = this.ourPid(paths)
    if (runningPid !== undefined) {
      const ports = this.spec.readConfiguredPorts(paths.config) ?? this.spec.ports(options, undefined)
      if (options.port !== undefined && options.port !== ports.port) {
        throw kooberError(
          'KOOBER_INVALID_ARGUMENT',
          `the ${name} ${noun} of ${paths.root} already runs on port ${ports.port} (pid ${runningPid}), not ${options.port}; stop it first or use another data directory`,
        )
      }
      progress(`${name} already runs from ${paths.root} (pid ${runningPid}); checking that it answers on ${host}:${ports.port}...`)
      const probe = await this.waitUntilReady(paths, ports, runningPid, timeoutMs, progress)
      return this.statusOf(paths, ports, runningPid, probe, options.libDir)
    }
    removePidFile(paths.pidFile) // stale: its process is gone (or is not our server any more)

    const ports = this.portsFor(paths, options)
    const existing = await this.spec.probe(host, ports.port)
    if (isReady(existing)) {
      progress(`a ${name} ${noun} not started from ${paths.root} already answers on ${host}:${ports.port}; using it`)
      return this.statusOf(paths, ports, undefined, existing, options.libDir)
    }
    if (existing.state !== 'refused') {
      throw kooberError(
        'KOOBER_INFRA_SERVER_FAILED',
        `port ${ports.port} on ${host} is taken by a program that is not a ready ${name} ${noun} (${reasonOf(existing)}); stop it or choose another port`,
      )
    }
    for (const other of this.spec.otherPorts(ports)) await assertPortFree(host, other.port, `${name}'s ${other.name}`)

    const launch = await this.spec.prepare({ paths, ports, options, progress })
    progress(`starting ${name} ${launch.version} on ${host}:${ports.port} (${launch.about})`)
    const logStart = { server: fileSize(paths.serverLog), console: fileSize(paths.consoleLog) }
    appendFileSync(paths.consoleLog, `--- started by koober (process ${process.pid}) at ${new Date().toISOString()} ---\n`)
    const started = Date.now()
    const pid = await spawnDetached(launch.command, launch.args, { cwd: paths.root, logFile: paths.consoleLog, env: options.env })
    writePidFile(paths.pidFile, pid)
    progress(`waiting for the ${noun} on ${host}:${ports.port} (pid ${pid})...`)
    let probe: ReadyProbe<Probe>
    try {
      probe = await this.waitUntilReady(paths, ports, pid, timeoutMs, progress, logStart)
    } catch (err) {
      await this.terminate(pid, this.spec.abortTimeoutMs)
      removePidFile(paths.pidFile)
      throw err
    }
    const version = this.spec.answeredVersion?.(probe) ?? launch.version
    progress(`${name} ${version} is up on ${host}:${ports.port} after ${seconds(Date.now() - started)} (pid ${pid}, log: ${paths.serverLog})`)
    return this.statusOf(paths, ports, pid, probe, options.libDir)
  }

  /** The ports asked for; without a port, those of the data directory's last start, else the server's defaults. */
  private portsFor(paths: Paths, options: Options): Ports {
    const last = options.port === undefined ? this.spec.readConfiguredPorts(paths.config) : undefined
    return this.spec.ports(options, last)
  }

  /** The status, its keys in a fixed order (`status --json` prints it): the common fields, the server's ports after `port`, its details after `version`. */
  private statusOf(paths: Paths, ports: Ports, pid: number | undefined, probe: Probe, libDir: string | undefined): StatusOf<Ports, Details> {
    const answering = isReady(probe)
    const answered = isReady(probe) ? this.spec.answeredVersion?.(probe) : undefined
    const version = answered ?? (pid === undefined ? undefined : (this.runningVersion(pid) ?? this.spec.installedVersion(libDir)))
    return {
      running: pid !== undefined,
      ...(pid !== undefined && { pid }),
      answering,
      external: answering && pid === undefined,
      host: this.spec.host,
      ...ports,
      address: `${this.spec.host}:${ports.port}`,
      ...(version !== undefined && { version }),
      ...this.spec.details(paths, probe),
      logFile: paths.serverLog,
      consoleLogFile: paths.consoleLog,
    }
  }

  /**
   * The pid from the pid file when that process is alive and is this data
   * directory's server: after a reboot the pid may belong to anything, and we
   * must neither report it nor SIGTERM it. Without /proc, liveness alone decides.
   */
  private ourPid(paths: Paths): number | undefined {
    const pid = readPidFile(paths.pidFile)
    if (pid === undefined || !isAlive(pid)) return undefined
    const args = commandLineOf(pid)
    if (args !== undefined && !(args.includes(this.spec.mainClass) && args.includes(this.spec.configArg(paths)))) return undefined
    return pid
  }

  /** The version the server was started with: the launch passes it as a system property, so it shows in its command line. */
  private runningVersion(pid: number): string | undefined {
    const prefix = `-D${this.spec.versionProperty}=`
    return commandLineOf(pid)
      ?.find((a) => a.startsWith(prefix))
      ?.slice(prefix.length)
  }

  /**
   * Polls the server until its probe says ready, failing fast if its process
   * exits and with the log's tail on timeout. Reports the last log line every
   * 10 s so a slow start shows what it is doing.
   */
  private async waitUntilReady(
    paths: Paths,
    ports: Ports,
    pid: number,
    timeoutMs: number,
    progress: (line: string) => void,
    logStart: LogStart = { server: 0, console: 0 },
  ): Promise<ReadyProbe<Probe>> {
    const { name, noun, host } = this.spec
    const started = Date.now()
    let nextNotice = started + NOTICE_EVERY_MS
    const tails = (): string =>
      describeTails(
        [
          { path: paths.serverLog, lines: 30, from: logStart.server },
          { path: paths.consoleLog, lines: 15, from: logStart.console },
        ],
        noun,
      )
    while (true) {
      const probe = await this.spec.probe(host, ports.port, this.spec.probeTimeoutMs)
      if (isReady(probe)) return probe
      if (!isAlive(pid)) {
        throw kooberError('KOOBER_INFRA_SERVER_FAILED', `the ${name} ${noun} (pid ${pid}) exited while starting on ${host}:${ports.port}\n${tails()}`)
      }
      const elapsed = Date.now() - started
      if (elapsed >= timeoutMs) {
        const last = probe.state === 'refused' ? 'the port is not open' : reasonOf(probe)
        throw kooberError(
          'KOOBER_INFRA_SERVER_FAILED',
          `the ${name} ${noun} (pid ${pid}) did not answer on ${host}:${ports.port} within ${seconds(timeoutMs)} (last: ${last}); stopping it\n${tails()}`,
        )
      }
      if (Date.now() >= nextNotice) {
        nextNotice = Date.now() + NOTICE_EVERY_MS
        const line = tailFile(paths.serverLog, 1, logStart.server)
        progress(`still waiting for the ${noun} (${Math.round(elapsed / 1000)} s): ${line === '' ? 'no log yet' : clipLine(line, 200)}`)
      }
      await sleep(this.spec.pollIntervalMs)
    }
  }

  /** SIGTERM, wait, then SIGKILL. Resolves true when it had to kill. */
  private async terminate(pid: number, timeoutMs: number, progress: (line: string) => void = () => undefined): Promise<boolean> {
    const { name } = this.spec
    if (!signalProcess(pid, 'SIGTERM')) return false
    if (await waitForExit(pid, timeoutMs)) return false
    progress(`${name} (pid ${pid}) still runs ${seconds(timeoutMs)} after SIGTERM; sending SIGKILL`)
    signalProcess(pid, 'SIGKILL')
    if (!(await waitForExit(pid, KILL_TIMEOUT_MS))) throw kooberError('KOOBER_INFRA_SERVER_FAILED', `${name} (pid ${pid}) still runs after SIGKILL`)
    return true
  }
}

function isReady<P extends ServerProbe>(probe: P): probe is ReadyProbe<P> {
  return probe.state === 'ready'
}

/** Why a probe found no ready server, for messages. */
function reasonOf(probe: ServerProbe): string {
  return 'reason' in probe ? probe.reason : probe.state
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)} s`
}
