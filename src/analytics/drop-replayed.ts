import { kooberError } from '../errors.js'
import { Flow, type Transformer } from '../streams/index.js'
import type { Element } from './elements.js'

export interface DropReplayedOptions<T> {
  /** Where a record came from upstream (e.g. the source partition of the job that wrote it). */
  source: (value: T) => string
  /** Its place in that source, rising: each source's records arrive in this order, replays included. */
  position: (value: T) => number
  /** The operator's name in checkpoints: the last position of each source is saved at each barrier. */
  name?: string
  restored?: unknown
}

/**
 * Drops the records an upstream job wrote twice. A job that writes to a
 * topic (a repartition topic, say) and crashes writes again what came after
 * its last checkpoint; the records of one upstream source keep their order
 * in a partition, so a record at or before the last position seen from its
 * source is a replay. With the positions checkpointed with the rest of the
 * downstream state, the pair is exactly once end to end.
 *
 * Demand: one output chunk per input chunk. Completion: passes it on.
 *
 * @example
 * ```ts
 * facts.via(withWatermarks({ ... })).via(dropReplayed({ name: 'replays', restored: restored.replays, source: (f) => f.source, position: (f) => f.position }))
 * ```
 */
export function dropReplayed<T>(options: DropReplayedOptions<T>): Flow<Element<T>, Element<T>> {
  return Flow.fromTransformer((): Transformer<Element<T>, Element<T>> => {
    const last = new Map<string, number>(options.restored !== undefined ? restoredPositions(options.restored, options.name) : [])
    return {
      push(chunk, out) {
        for (const element of chunk) {
          if (element.kind === 'record') {
            const source = options.source(element.value)
            const position = options.position(element.value)
            const seen = last.get(source)
            if (seen !== undefined && position <= seen) continue
            last.set(source, position)
          } else if (element.kind === 'barrier' && options.name !== undefined) {
            element.checkpoint.states[options.name] = [...last]
          }
          out.push(element)
        }
        return false
      },
    }
  })
}

/** A saved state: pairs of a source and its last position. */
function restoredPositions(saved: unknown, name: string | undefined): Array<[string, number]> {
  const fits = Array.isArray(saved) && saved.every((pair) => Array.isArray(pair) && pair.length === 2 && typeof pair[0] === 'string' && Number.isFinite(pair[1]))
  if (!fits) throw kooberError('KOOBER_ANALYTICS_CHECKPOINT', `the saved state of ${name ?? 'dropReplayed'} is not a list of [source, position] pairs`)
  return saved as Array<[string, number]>
}
