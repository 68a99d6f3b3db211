import type { CityChange, CityView } from '../koober/city/city-view.js'
import type { Session } from './session.js'

/**
 * Fan-out by place (docs/protocol.md, "Who hears what"): each change goes to
 * the sockets watching the cell it happened in (or left), plus the sockets
 * it concerns wherever they look: a ride's rider and driver, and a driver's
 * rider. A message is serialized once, however many sockets get it.
 */
export class CityHub {
  private readonly sessions = new Map<string, Session>()
  private readonly watchers = new Map<string, Set<Session>>()

  constructor(private readonly city: CityView) {}

  add(session: Session): void {
    this.sessions.set(session.id, session)
  }

  remove(session: Session): void {
    this.sessions.delete(session.id)
    this.watch(session, [])
  }

  session(id: string | undefined): Session | undefined {
    return id === undefined ? undefined : this.sessions.get(id)
  }

  get size(): number {
    return this.sessions.size
  }

  /** Moves a session's view to `cells`. */
  watch(session: Session, cells: Iterable<string>): void {
    for (const cell of session.cells) {
      const set = this.watchers.get(cell)
      set?.delete(session)
      if (set?.size === 0) this.watchers.delete(cell)
    }
    const next = new Set(cells)
    for (const cell of next) {
      let set = this.watchers.get(cell)
      if (!set) this.watchers.set(cell, (set = new Set()))
      set.add(session)
    }
    session.cells = next
  }

  deliver(change: CityChange): void {
    switch (change.kind) {
      case 'driver': {
        const { driver } = change
        const text = JSON.stringify({ type: 'driver', driver })
        const gone = JSON.stringify({ type: 'gone', kind: 'driver', id: driver.id })
        // Its own socket, and the rider it drives, hear of it wherever they look, offline included.
        const sent = new Set<Session>()
        const send = (s: Session, message: string): void => {
          sent.add(s)
          s.sendText(message)
        }
        for (const s of [this.session(driver.id), this.session(this.riderOfRide(driver.rideId))]) if (s && !sent.has(s)) send(s, text)
        if (!change.removed) {
          for (const s of this.watchers.get(change.cell) ?? []) if (!sent.has(s)) send(s, text)
        }
        if (change.previousCell !== undefined && (change.removed || change.previousCell !== change.cell)) {
          for (const s of this.watchers.get(change.previousCell) ?? []) if (!sent.has(s)) send(s, gone)
        }
        return
      }
      case 'rider': {
        const { rider } = change
        const text = JSON.stringify({ type: 'rider', rider })
        const gone = JSON.stringify({ type: 'gone', kind: 'rider', id: rider.id })
        const sent = new Set<Session>()
        const send = (s: Session, message: string): void => {
          sent.add(s)
          s.sendText(message)
        }
        const own = this.session(rider.id)
        if (own) send(own, text)
        // Riders are shown to drivers only.
        if (!change.removed) {
          for (const s of this.watchers.get(change.cell) ?? []) if (s.role === 'driver') send(s, text)
        }
        if (change.previousCell !== undefined && (change.removed || change.previousCell !== change.cell)) {
          for (const s of this.watchers.get(change.previousCell) ?? []) if (s.role === 'driver' && !sent.has(s)) send(s, gone)
        }
        return
      }
      case 'ride': {
        const { ride } = change
        const text = JSON.stringify({ type: 'ride', ride })
        const rider = this.session(ride.riderId)
        const driver = this.session(ride.driverId)
        rider?.sendText(text)
        if (driver && driver !== rider) driver.sendText(text)
        // Drivers watching the pickup see a request while it is open, and its end.
        const gone = JSON.stringify({ type: 'gone', kind: 'ride', id: ride.id })
        for (const s of this.watchers.get(change.cell) ?? []) {
          if (s.role !== 'driver' || s === driver) continue
          s.sendText(ride.status === 'requested' ? text : gone)
        }
        return
      }
      case 'ride-refused':
        return
    }
  }

  private riderOfRide(rideId: string | undefined): string | undefined {
    return rideId === undefined ? undefined : this.city.ride(rideId)?.riderId
  }
}
