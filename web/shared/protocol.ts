/*
 * The protocol's types (docs/protocol.md), imported from the server's own
 * definitions as types only, so a message the server would reject, or one
 * it does not send, does not compile here.
 */
import type { Bounds, Driver, DriverMessage, LatLon, Ride, Rider, RiderMessage, Role, ServerMessage } from '../../src/koober/protocol.js'

export type { Bounds, Driver, DriverMessage, LatLon, Ride, Rider, RiderMessage, Role, ServerMessage }

export type DriverStatus = Driver['status']
export type RiderStatus = Rider['status']
export type RideStatus = Ride['status']
export type Welcome = Extract<ServerMessage, { type: 'welcome' }>
export type Limits = Welcome['limits']

/** A ride still under way: the rider may not request another. */
export const isOpen = (ride: Ride | undefined): boolean => ride?.status === 'requested' || ride?.status === 'accepted' || ride?.status === 'pickedUp'
