import { cellOf, distanceMeters } from '../geo.js'
import type { DriverMessage, LatLon } from '../protocol.js'
import { connect, type Connection } from './connection.js'
import type { SimContext } from './context.js'
import type { Ride, ServerMessage } from './messages.js'
import { boundsAround, randomPointIn, wander } from './places.js'
import type { Random } from './random.js'

/** How long a driver waits for the answer to an accept before looking for another ride. */
const ACCEPT_ANSWER_MS = 10_000

/**
 * One simulated driver: connects, shows the server its map and position,
 * goes available, wanders while idle, and accepts a requested ride near it
 * (first come: a `ride-taken` just sends it back to looking). While on a ride
 * it is quiet: the server drives the car.
 */
export class SimDriver {
  private connection: Connection | undefined
  private position: LatLon
  private viewCell = ''
  private state: 'idle' | 'accepting' | 'onRide' = 'idle'
  /** The ride being accepted or driven. */
  private rideId: string | undefined
  /** Requests in view, by ride id. */
  private readonly openRides = new Map<string, Ride>()
  private wanderTimer: NodeJS.Timeout | undefined
  private acceptTimer: NodeJS.Timeout | undefined
  private starting: Promise<void> | undefined

  constructor(
    private readonly sim: SimContext,
    private readonly random: Random,
  ) {
    this.position = randomPointIn(sim.options.area, random)
  }

  get id(): string | undefined {
    return this.connection?.id
  }

  /** Connects and goes available; rejects with a ConnectError when the server cannot be reached. */
  start(): Promise<void> {
    this.starting = this.connectAndGo()
    return this.starting
  }

  private async connectAndGo(): Promise<void> {
    const { options, counters } = this.sim
    await connect(options.url, 'driver', {
      timeoutMs: options.connectTimeoutMs,
      onOpen: (connection) => {
        this.connection = connection
        counters.connected++
        counters.drivers++
      },
      onMessage: (message) => this.onMessage(message),
      onBadMessage: () => this.sim.countError('bad-message'),
      onClose: () => this.onClose(),
    })
    if (this.sim.stopping) return // stop() is waiting for this start, and closes the socket
    this.sendView()
    this.send({ type: 'position', position: this.position })
    this.send({ type: 'status', status: 'available' })
    this.scheduleWander()
  }

  /** Goes offline by closing the socket (once a start under way has finished); the server cancels a ride it was driving. */
  async stop(): Promise<void> {
    await this.starting?.catch(() => undefined)
    this.clearTimers()
    await this.connection?.close()
  }

  /** Called when the socket closes: by the server (counted) or by stop(). */
  onClosed: (unexpected: boolean) => void = () => undefined

  private onClose(): void {
    this.sim.counters.connected--
    this.sim.counters.drivers--
    this.clearTimers()
    const unexpected = !this.sim.stopping
    if (unexpected) this.sim.countError('closed')
    this.onClosed(unexpected)
  }

  private clearTimers(): void {
    clearTimeout(this.wanderTimer)
    clearTimeout(this.acceptTimer)
  }

  private send(message: DriverMessage): void {
    this.connection?.send(message)
  }

  private sendView(): void {
    this.viewCell = cellOf(this.position)
    this.send({ type: 'view', bounds: boundsAround(this.position, this.sim.options.driverViewMeters) })
  }

  private scheduleWander(): void {
    const every = this.sim.options.wanderEveryMs
    this.wanderTimer = setTimeout(() => {
      if (this.state === 'idle') {
        this.position = wander(this.position, this.random, this.sim.options.area, this.sim.options.wanderMeters)
        this.send({ type: 'position', position: this.position })
        // A map follows its car: a new view once the car has moved to another cell.
        if (cellOf(this.position) !== this.viewCell) this.sendView()
      }
      this.scheduleWander()
    }, this.random.between(every * 0.8, every * 1.2))
  }

  private onMessage(message: ServerMessage): void {
    switch (message.type) {
      case 'snapshot':
        this.openRides.clear()
        for (const ride of message.rides ?? []) if (ride.status === 'requested') this.openRides.set(ride.id, ride)
        this.lookForRide()
        return
      case 'ride':
        return this.onRide(message.ride)
      case 'gone':
        if (message.kind === 'ride') this.openRides.delete(message.id)
        return
      case 'driver':
        if (message.driver.id !== this.id) return
        this.position = message.driver.position
        // The server makes the driver available again at drop-off; this catches a missed ride message.
        if (this.state === 'onRide' && message.driver.status === 'available') this.endRide()
        return
      case 'error':
        this.sim.countError(message.code)
        if (this.state === 'accepting' && message.request === 'accept') {
          // ride-taken (another driver was first, or the rider cancelled), not-available, unavailable: look again.
          this.state = 'idle'
          if (this.rideId !== undefined) this.openRides.delete(this.rideId)
          this.rideId = undefined
          clearTimeout(this.acceptTimer)
          this.lookForRide()
        }
        return
      default:
        return
    }
  }

  private onRide(ride: Ride): void {
    if (ride.driverId !== undefined && ride.driverId === this.id) {
      if (ride.status === 'accepted' && this.state !== 'onRide') {
        clearTimeout(this.acceptTimer)
        this.state = 'onRide'
        this.rideId = ride.id
        this.sim.counters.accepted++
      } else if ((ride.status === 'completed' || ride.status === 'cancelled') && this.state === 'onRide' && this.rideId === ride.id) {
        this.endRide()
      }
      this.openRides.delete(ride.id)
      return
    }
    if (ride.status === 'requested') {
      this.openRides.set(ride.id, ride)
      this.lookForRide()
    } else {
      this.openRides.delete(ride.id)
    }
  }

  private endRide(): void {
    this.state = 'idle'
    this.rideId = undefined
    // The car is somewhere else now: a new view brings a fresh snapshot of the requests around it.
    this.sendView()
  }

  /** Picks the nearest request within reach and accepts it after a human moment. */
  private lookForRide(): void {
    if (this.state !== 'idle' || this.sim.stopping) return
    let best: Ride | undefined
    let bestMeters = this.sim.options.acceptRadiusMeters
    for (const ride of this.openRides.values()) {
      const meters = distanceMeters(this.position, ride.pickup)
      if (meters <= bestMeters) {
        best = ride
        bestMeters = meters
      }
    }
    if (!best) return
    const rideId = best.id
    this.state = 'accepting'
    this.rideId = rideId
    const [min, max] = this.sim.options.reactionMs
    clearTimeout(this.acceptTimer)
    this.acceptTimer = setTimeout(() => {
      if (this.state !== 'accepting' || this.rideId !== rideId) return
      if (!this.openRides.has(rideId)) {
        // Taken or cancelled while we looked at it.
        this.state = 'idle'
        this.rideId = undefined
        return this.lookForRide()
      }
      this.send({ type: 'accept', rideId })
      this.acceptTimer = setTimeout(() => {
        if (this.state !== 'accepting' || this.rideId !== rideId) return
        this.sim.countError('timeout')
        this.openRides.delete(rideId)
        this.state = 'idle'
        this.rideId = undefined
        this.lookForRide()
      }, ACCEPT_ANSWER_MS)
    }, this.random.between(min, max))
  }
}
