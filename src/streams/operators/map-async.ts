import { cancelAndFail, DONE, type Chunk, type Pulled, type Stage } from '../stage.js'

interface Task<Out> {
  settled: boolean
  value?: Out
  error?: { error: unknown }
}

/** The most results one pull hands downstream. */
const MAX_OUT = 1024

/**
 * Runs `f` on up to `parallelism` elements at once. Ordered: results leave in
 * input order (mapAsync); unordered: as they complete (mapAsyncUnordered).
 * Demand: it keeps `parallelism` calls running while there is input, pulling
 * upstream as calls finish, and hands downstream whatever results are ready.
 * A failed call cancels upstream and fails the stream; the calls still
 * running are left to finish, unobserved.
 */
export function mapAsyncStage<In, Out>(
  upstream: Stage<In>,
  parallelism: number,
  f: (element: In) => Promise<Out> | Out,
  ordered: boolean,
): Stage<Out> {
  let input: Chunk<In> = []
  let next = 0
  let upstreamDone = false
  let pendingUpstream: Promise<void> | undefined
  let upstreamFailure: { error: unknown } | undefined
  let finished = false
  const running: Task<Out>[] = []
  let wake: (() => void) | undefined

  const start = (element: In): void => {
    const task: Task<Out> = { settled: false }
    running.push(task)
    let result: Promise<Out> | Out
    try {
      result = f(element)
    } catch (error) {
      task.settled = true
      task.error = { error }
      return
    }
    if (!(result instanceof Promise)) {
      task.settled = true
      task.value = result
      return
    }
    result.then(
      (value) => {
        task.value = value
        task.settled = true
        wake?.()
      },
      (error: unknown) => {
        task.error = { error }
        task.settled = true
        wake?.()
      },
    )
  }

  const fill = (): void => {
    while (running.length < parallelism && next < input.length) start(input[next++]!)
    if (running.length < parallelism && next >= input.length && !upstreamDone && !pendingUpstream && !upstreamFailure) {
      pendingUpstream = Promise.resolve()
        .then(() => (finished ? DONE : upstream.pull())) // a failure or a cancel may have come first
        .then(
          (pulled: Pulled<In>) => {
            if (pulled === DONE) upstreamDone = true
            else {
              input = pulled
              next = 0
            }
          },
          (error: unknown) => {
            upstreamFailure = { error }
            upstreamDone = true
          },
        )
        .finally(() => {
          pendingUpstream = undefined
          wake?.()
        })
    }
  }

  /** Takes settled results off the running list: from the head only when ordered. */
  const harvest = (out: Out[]): unknown => {
    if (ordered) {
      while (running.length > 0 && running[0]!.settled && out.length < MAX_OUT) {
        const task = running.shift()!
        if (task.error) return task.error
        out.push(task.value as Out)
      }
      return undefined
    }
    for (let i = 0; i < running.length && out.length < MAX_OUT; ) {
      const task = running[i]!
      if (!task.settled) {
        i++
        continue
      }
      running.splice(i, 1)
      if (task.error) return task.error
      out.push(task.value as Out)
    }
    return undefined
  }

  const pull = async (): Promise<Pulled<Out>> => {
    if (finished) return DONE
    const out: Out[] = []
    while (true) {
      fill()
      const failed = harvest(out) as { error: unknown } | undefined
      if (failed) {
        finished = true
        return cancelAndFail(upstream, failed.error)
      }
      if (out.length >= MAX_OUT) return out
      fill()
      if (running.length === 0 && upstreamDone && next >= input.length) {
        finished = true
        if (upstreamFailure) throw upstreamFailure.error
        return out.length > 0 ? out : DONE
      }
      // Nothing more to hand out now: results ready are returned rather than held until upstream answers.
      const waitingOnHead = ordered ? running[0]?.settled !== true : running.every((t) => !t.settled)
      if (out.length > 0 && waitingOnHead) return out
      await new Promise<void>((resolve) => {
        wake = resolve
        // Something may have settled between the check and now.
        const harvestable = ordered ? running[0]?.settled === true : running.some((t) => t.settled)
        const canRefill = !pendingUpstream && !upstreamDone && running.length < parallelism
        if (harvestable || canRefill) resolve()
      })
      wake = undefined
      if (finished) return DONE
    }
  }

  return {
    pull,
    cancel: async (reason) => {
      if (finished) return
      finished = true
      wake?.()
      await upstream.cancel(reason)
    },
  }
}
