import type { RideEvent } from '../events.js'

export type RideStatus = RideEvent['status']

/** The steps a ride may take from each status; the first step of a ride is `requested`. */
const NEXT: Readonly<Record<RideStatus, readonly RideStatus[]>> = {
  requested: ['accepted', 'cancelled'],
  accepted: ['pickedUp', 'cancelled'],
  pickedUp: ['completed', 'cancelled'],
  completed: [],
  cancelled: [],
}

export const isFinal = (status: RideStatus): boolean => NEXT[status].length === 0

/**
 * Whether `event` is a step the ride (as the log has it so far) may take. The
 * log is the arbiter: every reader applies the same rule to the same order,
 * so of two accepts the first in the log wins on every web process, and the
 * second is ignored everywhere. Once accepted, only the accepting driver
 * moves the ride on (pickup, drop-off); a cancel is allowed until pickup,
 * and after it only when the driver left (the rider is not left in a car
 * nobody drives).
 *
 * @example
 * ```ts
 * rideStepAllowed(undefined, requested) // true
 * rideStepAllowed(acceptedByA, { ...acceptedByA, driverId: 'B' }) // false: already accepted
 * ```
 */
export function rideStepAllowed(current: RideEvent | undefined, event: RideEvent): boolean {
  if (!current) return event.status === 'requested'
  if (event.riderId !== current.riderId || !NEXT[current.status].includes(event.status)) return false
  if (event.status === 'accepted') return event.driverId !== undefined
  if (event.status === 'pickedUp' || event.status === 'completed') return event.driverId === current.driverId
  return current.status !== 'pickedUp' || event.reason === 'driver-left'
}
