/**
 * Koober's stream DSL (the Akka Streams role): typed sources, flows and sinks
 * with pulled demand, so a slow stage slows everything before it and memory
 * stays bounded. Independent of Koober.
 */
export { Source, type RunningGraph } from './source.js'
export { Flow } from './flow.js'
export { Sink } from './sink.js'
export type { KillSwitch } from './run-control.js'
export type { OverflowStrategy } from './operators/buffer.js'
export type { BackoffOptions } from './operators/restart.js'
export type { SourceQueue, OfferResult } from './sources/queue.js'
export type { EventSourceOptions } from './sources/event-emitter.js'
export type { Transformer } from './operators/transform.js'
export { DONE, type Stage, type Chunk, type Pulled } from './stage.js'
export * from './connectors/index.js'
