/**
 * Simulated riders and drivers that use the web role's WebSocket API
 * (docs/protocol.md) exactly as browsers do: `koober simulate`, the tests and
 * the demo drive the city with them.
 */
export { startSimulator, type Simulator } from './simulator.js'
export type { SimulatorCounters, SimulatorOptions } from './context.js'
export { connect, ConnectError, socketUrl, type Connection, type ConnectOptions } from './connection.js'
export type { Driver, Ride, Rider, ServerMessage, Welcome } from './messages.js'
export { MANHATTAN, boundsAround, offset, randomDestination, randomPointIn, roundPosition } from './places.js'
export { Random } from './random.js'
export { openFileLimit } from './limits.js'
