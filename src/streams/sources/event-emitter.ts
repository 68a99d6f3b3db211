import type { EventEmitter } from 'node:events'
import type { OverflowStrategy } from '../operators/buffer.js'
import type { Stage } from '../stage.js'
import { queueStage } from './queue.js'

export interface EventSourceOptions {
  /** Elements buffered for a slow consumer (default 1024). */
  capacity?: number
  /** An emitter cannot be paused, so a full buffer drops or fails (default `dropHead`: keep the newest). */
  overflow?: Exclude<OverflowStrategy, 'backpressure'>
  /** The event that completes the stream (e.g. 'end', 'close'). */
  endEvent?: string
  /** The event that fails the stream (default 'error'). */
  errorEvent?: string
}

/**
 * The payloads of `event` on `emitter`, through a bounded queue. Cancelling
 * (or completing) removes every listener it added.
 */
export function eventEmitterStage<T>(emitter: EventEmitter, event: string, options: EventSourceOptions = {}): Stage<T> {
  const { stage, queue } = queueStage<T>(options.capacity ?? 1024, options.overflow ?? 'dropHead')
  const errorEvent = options.errorEvent ?? 'error'
  const onEvent = (payload: T): void => void queue.offer(payload).catch(() => undefined)
  const onEnd = (): void => queue.complete()
  const onError = (error: unknown): void => queue.fail(error)
  emitter.on(event, onEvent)
  if (options.endEvent) emitter.on(options.endEvent, onEnd)
  emitter.on(errorEvent, onError)
  void queue.closed.then(() => {
    emitter.off(event, onEvent)
    if (options.endEvent) emitter.off(options.endEvent, onEnd)
    emitter.off(errorEvent, onError)
  })
  return stage
}
