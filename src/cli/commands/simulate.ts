import { Command, InvalidArgumentError, Option } from 'commander'
import { kooberError } from '../../errors.js'
import { ConnectError, openFileLimit, startSimulator, type SimulatorCounters } from '../../koober/simulator/index.js'
import { EXIT_FAILURE } from '../exit-codes.js'
import { integerArg } from '../options.js'

export const DEFAULT_URL = 'http://127.0.0.1:8080'
/** Seconds between progress lines. */
const PROGRESS_EVERY_S = 5
/** Files a process holds besides its sockets (stdio, modules, the event loop's own). */
const SPARE_FILES = 64

interface SimulateOptions {
  drivers: number
  ridersPerMinute: number
  url: string
  seed?: number
  duration?: number
  patience: number
}

/** A commander parser for a number (fractions allowed) within bounds. */
function numberArg(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value.trim())
    if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`expected a number, got ${JSON.stringify(value)}`)
    if (n < min || n > max) throw new InvalidArgumentError(`expected a number from ${min} to ${max}, got ${value}`)
    return n
  }
}

function urlArg(value: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new InvalidArgumentError(`expected a URL such as ${DEFAULT_URL}, got ${JSON.stringify(value)}`)
  }
  if (!['http:', 'https:', 'ws:', 'wss:'].includes(url.protocol)) {
    throw new InvalidArgumentError(`expected an http(s) or ws(s) URL, got ${JSON.stringify(value)}`)
  }
  return value
}

export function simulateCommand(): Command {
  return new Command('simulate')
    .summary('drive the city with simulated drivers and riders over the web API')
    .description(
      'simulated drivers and riders that use the web server\'s WebSockets as browsers do (docs/protocol.md): drivers go available, ' +
        'wander and accept rides near them; riders arrive at random in Manhattan, request a ride 1 to 5 km away and wait for it ' +
        '(cancelling after --patience). Prints progress every few seconds on standard error and, at the end, the counters as one ' +
        'JSON line on standard output. Runs until Ctrl-C or --duration.',
    )
    .requiredOption('--drivers <n>', 'drivers online from the start', integerArg(0, 50_000))
    .requiredOption('--riders-per-minute <n>', 'riders arriving per minute on average (fractions allowed)', numberArg(0, 60_000))
    .addOption(new Option('--url <url>', 'the web server').env('KOOBER_URL').default(DEFAULT_URL).argParser(urlArg))
    .option('--seed <n>', 'the same seed repeats the same places, destinations, arrivals and reaction times (default: random, printed)', integerArg(0, 2 ** 32 - 1))
    .option('--duration <seconds>', 'stop after this many seconds (default: until Ctrl-C)', integerArg(1))
    .option('--patience <seconds>', 'a rider not picked up this long after requesting cancels', integerArg(1), 180)
    .action(async (options: SimulateOptions) => {
      if (options.drivers === 0 && options.ridersPerMinute === 0) {
        throw kooberError('KOOBER_CLI_USAGE', 'nothing to simulate: give --drivers or --riders-per-minute more than 0')
      }
      const limit = openFileLimit()
      if (limit !== undefined && options.drivers + SPARE_FILES > limit) {
        throw kooberError(
          'KOOBER_CLI_USAGE',
          `${options.drivers} drivers need ${options.drivers} sockets, but this process may open only ${limit} files: raise it (ulimit -n ${options.drivers + 1000}) or simulate fewer drivers`,
        )
      }
      await simulate(options)
    })
}

async function simulate(options: SimulateOptions): Promise<void> {
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 32)
  const started = Date.now()
  const say = (line: string): void => void process.stderr.write(`${line}\n`)
  say(
    `simulating ${options.drivers} drivers and ${options.ridersPerMinute} riders per minute against ${options.url} ` +
      `(seed ${seed}${options.duration === undefined ? '; Ctrl-C to stop' : `; for ${options.duration} s`})`,
  )
  // Listening from the start: Ctrl-C while the drivers connect stops too (once they are connected, so all get closed).
  const stop = stopRequested()
  let simulator
  try {
    simulator = await startSimulator({
      url: options.url,
      drivers: options.drivers,
      ridersPerMinute: options.ridersPerMinute,
      seed,
      riderPatienceMs: options.patience * 1000,
    })
  } catch (err) {
    stop.dispose()
    if (!(err instanceof ConnectError)) throw err
    say(`koober: cannot reach the Koober web server at ${options.url}: ${err.message}. Is it running (and is --url or KOOBER_URL right)?`)
    process.exitCode = EXIT_FAILURE
    return
  }
  const elapsed = (): number => Math.round((Date.now() - started) / 1000)
  // The progress timer also keeps Node running: signal listeners alone do not.
  const progress = setInterval(() => say(progressLine(elapsed(), simulator.counters())), PROGRESS_EVERY_S * 1000)
  const timer = options.duration === undefined ? undefined : setTimeout(() => stop.dispose(), options.duration * 1000)
  await stop.requested
  clearTimeout(timer)
  clearInterval(progress)
  say(`stopping: closing ${simulator.counters().connected} sockets`)
  await simulator.stop()
  const counters = simulator.counters()
  say(progressLine(elapsed(), counters))
  process.stdout.write(`${JSON.stringify({ seconds: elapsed(), seed, ...counters })}\n`)
}

/** Resolves on SIGINT, SIGTERM or dispose(), whichever comes first, and then stops listening. */
function stopRequested(): { requested: Promise<void>; dispose: () => void } {
  let dispose!: () => void
  const requested = new Promise<void>((resolve) => {
    dispose = () => {
      process.off('SIGINT', dispose)
      process.off('SIGTERM', dispose)
      resolve()
    }
    process.once('SIGINT', dispose)
    process.once('SIGTERM', dispose)
  })
  return { requested, dispose }
}

/** One line of counters, e.g. `15 s: 20 drivers and 3 riders connected; 14 requests, 12 accepted, ...`. */
export function progressLine(seconds: number, c: SimulatorCounters): string {
  const errors = Object.entries(c.errors)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([code, n]) => `${code} ${n}`)
    .join(', ')
  return (
    `${seconds} s: ${c.drivers} drivers and ${c.connected - c.drivers} riders connected (${c.riders} riders so far); ` +
    `${c.requests} requests, ${c.accepted} accepted, ${c.completed} completed, ${c.cancelled} cancelled (${c.gaveUp} gave up)` +
    `; errors: ${errors || 'none'}`
  )
}
