import type { LatLon, RiderMessage } from '../protocol.js'
import { connect, type Connection } from './connection.js'
import type { SimContext } from './context.js'
import type { Ride, ServerMessage } from './messages.js'
import { boundsAround, randomDestination, randomPointIn } from './places.js'
import type { Random } from './random.js'

/** How long a rider waits for the server to confirm a cancel before leaving anyway. */
const CANCEL_ANSWER_MS = 10_000
/** Tries of a request the log refused (`unavailable`) before the rider gives up. */
const REQUEST_TRIES = 3

/**
 * One simulated rider: appears somewhere in the area, requests a ride to a
 * place 1 to 5 km away, waits for it to end (or, not picked up within their
 * patience, cancels), then closes their socket and is gone.
 */
export class SimRider {
  private connection: Connection | undefined
  private readonly position: LatLon
  private readonly destination: LatLon
  private state: 'waiting' | 'riding' | 'cancelling' | 'done' = 'waiting'
  private rideId: string | undefined
  private timer: NodeJS.Timeout | undefined
  private requestTries = 0
  private starting: Promise<void> | undefined
  private finished!: () => void
  /** Settles when the rider has left (socket closed), whatever happened. */
  readonly done = new Promise<void>((resolve) => (this.finished = resolve))

  constructor(
    private readonly sim: SimContext,
    random: Random,
  ) {
    this.position = randomPointIn(sim.options.area, random)
    this.destination = randomDestination(this.position, random, sim.options.area)
  }

  get id(): string | undefined {
    return this.connection?.id
  }

  /** Connects and requests; rejects with a ConnectError when the server cannot be reached. */
  start(): Promise<void> {
    this.starting = this.connectAndRequest()
    return this.starting
  }

  private async connectAndRequest(): Promise<void> {
    const { options, counters } = this.sim
    counters.riders++
    try {
      await connect(options.url, 'rider', {
        timeoutMs: options.connectTimeoutMs,
        onOpen: (connection) => {
          this.connection = connection
          counters.connected++
        },
        onMessage: (message) => this.onMessage(message),
        onBadMessage: () => this.sim.countError('bad-message'),
        onClose: () => this.onClose(),
      })
    } catch (err) {
      this.state = 'done'
      this.finished()
      throw err
    }
    if (this.sim.stopping) return // stop() is waiting for this start, and closes the socket
    this.send({ type: 'view', bounds: boundsAround(this.position, options.riderViewMeters) })
    this.send({ type: 'position', position: this.position })
    this.request()
    this.setTimer(options.riderPatienceMs, () => this.giveUp())
  }

  /** Leaves now (once a start under way has finished): the server cancels a ride still open (`rider-left`). */
  async stop(): Promise<void> {
    await this.starting?.catch(() => undefined)
    clearTimeout(this.timer)
    await this.connection?.close()
  }

  private request(): void {
    this.requestTries++
    this.sim.counters.requests++
    this.send({ type: 'request', destination: this.destination })
  }

  private send(message: RiderMessage): void {
    this.connection?.send(message)
  }

  private setTimer(ms: number, then: () => void): void {
    clearTimeout(this.timer)
    this.timer = setTimeout(then, ms)
  }

  private onClose(): void {
    this.sim.counters.connected--
    clearTimeout(this.timer)
    if (this.state !== 'done' && !this.sim.stopping) this.sim.countError('closed')
    this.state = 'done'
    this.finished()
  }

  private leave(): void {
    this.state = 'done'
    clearTimeout(this.timer)
    void this.connection?.close()
  }

  private giveUp(): void {
    if (this.state !== 'waiting') return
    this.state = 'cancelling'
    this.sim.counters.gaveUp++
    this.send({ type: 'cancel' })
    this.setTimer(CANCEL_ANSWER_MS, () => this.leave())
  }

  private onMessage(message: ServerMessage): void {
    // Once stopping, what the shutdown itself causes (rides cancelled as drivers leave) is not the city's doing.
    if (this.state === 'done' || this.sim.stopping) return
    if (message.type === 'ride') return this.onRide(message.ride)
    if (message.type !== 'error') return
    this.sim.countError(message.code)
    if (message.request === 'request') {
      if (message.code === 'unavailable' && this.requestTries < REQUEST_TRIES) this.setTimer(1000, () => this.retryRequest())
      else this.leave()
    } else if (message.request === 'cancel') {
      // too-late: picked up meanwhile, so ride on; no-ride: the ride ended meanwhile, nothing to wait for.
      if (message.code === 'too-late') this.state = 'riding'
      else if (message.code === 'no-ride') this.leave()
    }
  }

  private retryRequest(): void {
    if (this.state !== 'waiting') return
    this.request()
    this.setTimer(this.sim.options.riderPatienceMs, () => this.giveUp())
  }

  private onRide(ride: Ride): void {
    if (ride.riderId !== this.id) return
    this.rideId ??= ride.id
    if (ride.id !== this.rideId) return
    switch (ride.status) {
      case 'pickedUp':
        if (this.state === 'waiting' || this.state === 'cancelling') {
          this.state = 'riding'
          this.setTimer(this.sim.options.rideTimeoutMs, () => {
            this.sim.countError('timeout')
            this.leave()
          })
        }
        return
      case 'completed':
        this.sim.counters.completed++
        return this.leave()
      case 'cancelled':
        this.sim.counters.cancelled++
        return this.leave()
      default:
        return
    }
  }
}
