import { connect } from './connection.js'
import { emptyCounters, resolveOptions, type ResolvedOptions, type SimContext, type SimulatorCounters, type SimulatorOptions } from './context.js'
import { SimDriver } from './driver.js'
import { Random } from './random.js'
import { SimRider } from './rider.js'

/** The label space of the random streams: one per driver, one per rider, one for arrivals. */
const RIDER_STREAMS = 1 << 24
const ARRIVAL_STREAM = 0x7fffffff
/** A driver the server dropped comes back after this long (doubling up to 30 s while the server stays away). */
const RECONNECT_MS = 1000

/** A running simulation. */
export interface Simulator {
  /** A copy of the counters now. */
  counters(): SimulatorCounters
  /** Stops arrivals and closes every socket (the server cancels open rides); resolves once all are closed. */
  stop(): Promise<void>
}

/**
 * Starts a simulation against the web server at `options.url`: connects the
 * drivers (rejecting with a ConnectError, after closing what it opened, when
 * the server cannot be reached), then lets riders arrive. With no drivers, one
 * rider socket is opened and closed first to check the server is there.
 *
 * @example
 * ```ts
 * const sim = await startSimulator({ url: 'http://127.0.0.1:8080', drivers: 20, ridersPerMinute: 30, seed: 7 })
 * setInterval(() => console.log(sim.counters()), 5000)
 * process.once('SIGINT', () => void sim.stop())
 * ```
 */
export async function startSimulator(options: SimulatorOptions): Promise<Simulator> {
  const simulation = new Simulation(resolveOptions(options))
  await simulation.start()
  return simulation
}

class Simulation implements Simulator {
  private readonly live = emptyCounters()
  private stopping = false
  private readonly random: Random
  private readonly arrivals: Random
  private readonly drivers = new Set<SimDriver>()
  private readonly riders = new Set<SimRider>()
  private readonly timers = new Set<NodeJS.Timeout>()
  private driversStarted = 0
  private ridersStarted = 0
  /** What drivers and riders see of the simulation: the live counters, not copies. */
  private readonly context: SimContext

  constructor(private readonly options: ResolvedOptions) {
    this.random = new Random(options.seed)
    this.arrivals = this.random.fork(ARRIVAL_STREAM)
    const isStopping = (): boolean => this.stopping
    this.context = {
      options,
      counters: this.live,
      get stopping() {
        return isStopping()
      },
      countError: (code) => {
        this.live.errors[code] = (this.live.errors[code] ?? 0) + 1
      },
    }
  }

  counters(): SimulatorCounters {
    return { ...this.live, errors: { ...this.live.errors } }
  }

  async start(): Promise<void> {
    try {
      if (this.options.drivers === 0) await this.probe()
      await this.startDrivers()
    } catch (err) {
      await this.stop()
      throw err
    }
    this.scheduleArrival()
  }

  async stop(): Promise<void> {
    this.stopping = true
    for (const timer of this.timers) clearTimeout(timer)
    this.timers.clear()
    // Riders first: a driver leaving mid-ride would cancel its rider's ride.
    await Promise.all([...this.riders].map((r) => r.stop()))
    await Promise.all([...this.drivers].map((d) => d.stop()))
  }

  private later(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      run()
    }, ms)
    this.timers.add(timer)
  }

  private async probe(): Promise<void> {
    const probe = await connect(this.options.url, 'rider', { timeoutMs: this.options.connectTimeoutMs, onMessage: () => undefined })
    await probe.close()
  }

  /** Connects the drivers, a few at a time; the first failure stops the rest. */
  private async startDrivers(): Promise<void> {
    let next = 0
    let failure: unknown
    const worker = async (): Promise<void> => {
      while (next < this.options.drivers && failure === undefined && !this.stopping) {
        next++
        try {
          await this.startDriver()
        } catch (err) {
          failure ??= err
        }
      }
    }
    await Promise.all(Array.from({ length: Math.min(this.options.connectConcurrency, this.options.drivers) }, worker))
    if (failure !== undefined) throw failure
  }

  /** A new driver (a new id on the server), with a random stream of its own. */
  private async startDriver(): Promise<void> {
    const driver = new SimDriver(this.context, this.random.fork(this.driversStarted++))
    driver.onClosed = (unexpected) => {
      this.drivers.delete(driver)
      if (unexpected) this.replaceDriver(RECONNECT_MS)
    }
    this.drivers.add(driver)
    try {
      await driver.start()
    } catch (err) {
      this.drivers.delete(driver)
      throw err
    }
  }

  private replaceDriver(afterMs: number): void {
    if (this.stopping) return
    this.later(afterMs, () => {
      // Anything but a ConnectError would be a bug here; a long simulation counts it rather than dies of it.
      this.startDriver().catch(() => {
        this.context.countError('connect')
        this.replaceDriver(Math.min(afterMs * 2, 30_000))
      })
    })
  }

  private scheduleArrival(): void {
    if (this.options.ridersPerMinute <= 0 || this.stopping) return
    this.later(this.arrivals.exponential(this.options.ridersPerMinute / 60_000), () => {
      this.arrive()
      this.scheduleArrival()
    })
  }

  private arrive(): void {
    const rider = new SimRider(this.context, this.random.fork(RIDER_STREAMS + this.ridersStarted++))
    this.riders.add(rider)
    void rider.done.then(() => this.riders.delete(rider))
    rider.start().catch(() => this.context.countError('connect'))
  }
}
