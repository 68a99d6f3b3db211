import { kooberError } from '../errors.js'
import { Flow, type Transformer } from '../streams/index.js'
import type { Aggregate } from './aggregates.js'
import { snapshotOf, type Element } from './elements.js'
import { maxTimestamp, type Window, type WindowAssigner } from './windows.js'

export type Key = string | number

/** One firing of one (key, window). `id` is the same for every firing of it, so a later one overwrites an earlier one downstream. */
export interface WindowResult<K extends Key, R> {
  id: string
  key: K
  window: Window
  value: R
  /** early: a partial result before the watermark; on-time: at the watermark; late: updated by a record within the allowed lateness. */
  firing: 'early' | 'on-time' | 'late'
}

export interface WindowOptions<T, K extends Key, Acc, R> {
  key: (value: T) => K
  /** An assigner, or a function giving each record its windows (several specs at once: a 1-minute and a 5-minute view of the same metric). */
  window: WindowAssigner | ((time: number, value: T) => Window[])
  aggregate: Aggregate<T, Acc, R>
  /** How long after a window fired records may still update it (ms, default 0); later ones go to the side output. */
  allowedLatenessMs?: number
  /** Partial results of open windows every this many ms of processing time (needs ticks), for live views. */
  earlyFiringsMs?: number
  /** The operator's name in checkpoints: with it, its state is saved at each barrier. Unique within a job. */
  name?: string
  /** A saved state to start from (this operator's entry of the checkpoint being restored). */
  restored?: unknown
}

/** The id of a (key, window) result: deterministic, so a replay overwrites rather than adds. */
export const resultId = (key: Key, window: Window): string => `${key}@${window.start}-${window.end}`

interface Pane<Acc> {
  accs: Map<Key, Acc>
  /** Keys changed since the last early firing. */
  dirty: Set<Key>
}

/**
 * Keyed event-time windows with incremental aggregates (Flink's
 * `keyBy(...).window(...).aggregate(...)`): each record is added to the
 * accumulator of its key in each of its windows; a window fires, once per
 * key, when the watermark passes its end, and is kept for
 * `allowedLatenessMs` more, during which each late record refires it
 * (`late`). A record too late for all its windows leaves as a `late`
 * element: the side output. Session windows merge per key as records
 * bridge them.
 *
 * Demand: output follows input chunk by chunk (results go out with the
 * watermark that fired them, before it). Completion: what is still open
 * stays unfired unless a watermark at the end of time came (a bounded input).
 *
 * @example
 * ```ts
 * elements.via(windowAggregate({ key: (r) => r.area, window: tumbling(60_000), aggregate: count() }))
 * ```
 */
export function windowAggregate<T, K extends Key, Acc, R>(options: WindowOptions<T, K, Acc, R>): Flow<Element<T>, Element<WindowResult<K, R>>> {
  const lateness = options.allowedLatenessMs ?? 0
  if (!(lateness >= 0)) throw kooberError('KOOBER_INVALID_ARGUMENT', `allowedLatenessMs must be >= 0, got ${lateness}`)
  if (options.earlyFiringsMs !== undefined && !(options.earlyFiringsMs > 0)) {
    throw kooberError('KOOBER_INVALID_ARGUMENT', `earlyFiringsMs must be > 0, got ${options.earlyFiringsMs}`)
  }
  const { window } = options
  return Flow.fromTransformer(() => (typeof window !== 'function' && window.kind === 'session' ? new SessionWindows(options, lateness) : new AlignedWindows(options, lateness)).start())
}

/** What both kinds of windows share: the dispatch of elements, in order, and the clocks. */
abstract class WindowTransformer<T, K extends Key, Acc, R> implements Transformer<Element<T>, Element<WindowResult<K, R>>> {
  protected watermark = -Infinity
  protected lastEarly = -Infinity

  constructor(
    protected readonly options: WindowOptions<T, K, Acc, R>,
    protected readonly lateness: number,
  ) {}

  /** Restores a saved state; called once, before the first element. */
  start(): this {
    if (this.options.restored !== undefined) {
      const saved = this.options.restored as { watermark: number | null; state: unknown }
      this.watermark = saved.watermark ?? -Infinity
      this.load(saved.state)
    }
    return this
  }

  push(chunk: readonly Element<T>[], out: Element<WindowResult<K, R>>[]): boolean {
    for (const element of chunk) {
      if (element.kind === 'record') this.add(element.value, element.time, out)
      else if (element.kind === 'barrier') {
        if (this.options.name !== undefined) {
          element.checkpoint.states[this.options.name] = snapshotOf({ watermark: Number.isFinite(this.watermark) ? this.watermark : null, state: this.save() })
        }
        out.push(element)
      }
      else if (element.kind === 'watermark') {
        if (element.time > this.watermark) {
          this.watermark = element.time
          this.fire(element.time, out)
          out.push(element)
        }
      } else {
        if (element.kind === 'tick' && this.options.earlyFiringsMs !== undefined && element.now - this.lastEarly >= this.options.earlyFiringsMs) {
          this.lastEarly = element.now
          this.early(out)
        }
        out.push(element)
      }
    }
    return false
  }

  protected abstract add(value: T, time: number, out: Element<WindowResult<K, R>>[]): void
  /** Fires and purges what the new watermark reached. */
  protected abstract fire(watermark: number, out: Element<WindowResult<K, R>>[]): void
  /** Partial results of the open windows that changed since the last early firing. */
  protected abstract early(out: Element<WindowResult<K, R>>[]): void
  /** The windows' state as JSON (accumulators through the aggregate's save). */
  protected abstract save(): unknown
  protected abstract load(saved: unknown): void

  protected saveAcc(acc: Acc): unknown {
    return this.options.aggregate.save ? this.options.aggregate.save(acc) : acc
  }

  protected loadAcc(saved: unknown): Acc {
    return this.options.aggregate.load ? this.options.aggregate.load(saved) : (saved as Acc)
  }

  protected result(key: K, window: Window, acc: Acc, firing: WindowResult<K, R>['firing']): Element<WindowResult<K, R>> {
    return { kind: 'record', value: { id: resultId(key, window), key, window, value: this.options.aggregate.result(acc), firing }, time: maxTimestamp(window) }
  }
}

/** Tumbling and sliding windows: the same windows for every key, so panes are shared by window. */
class AlignedWindows<T, K extends Key, Acc, R> extends WindowTransformer<T, K, Acc, R> {
  /** Panes by window end, then start: windows that end together fire together. */
  private readonly byEnd = new Map<number, Map<number, Pane<Acc>>>()
  /** Window ends, ascending, of panes not yet purged; `fired` counts the leading ones that fired. */
  private ends: number[] = []
  private fired = 0
  private readonly assign: (time: number, value: T) => Window[]
  /** Only early firings need to know what changed since the last one (bench:analytics: q5 8 % faster without it). */
  private readonly tracksChanges: boolean

  constructor(options: WindowOptions<T, K, Acc, R>, lateness: number) {
    super(options, lateness)
    this.tracksChanges = options.earlyFiringsMs !== undefined
    const { window } = options
    this.assign = typeof window === 'function' ? window : (time) => window.assign(time)
  }

  protected add(value: T, time: number, out: Element<WindowResult<K, R>>[]): void {
    const { aggregate, key: keyOf } = this.options
    const windows = this.assign(time, value)
    const key = keyOf(value)
    let taken = false
    for (const window of windows) {
      const last = maxTimestamp(window)
      if (last + this.lateness <= this.watermark) continue
      taken = true
      let group = this.byEnd.get(window.end)
      if (!group) {
        group = new Map()
        this.byEnd.set(window.end, group)
        this.insertEnd(window.end, last <= this.watermark)
      }
      let pane = group.get(window.start)
      if (!pane) group.set(window.start, (pane = { accs: new Map(), dirty: new Set() }))
      const acc = pane.accs.get(key)
      pane.accs.set(key, aggregate.add(acc === undefined ? aggregate.create() : acc, value))
      if (last <= this.watermark) out.push(this.result(key as K, window, pane.accs.get(key)!, 'late'))
      else if (this.tracksChanges) pane.dirty.add(key)
    }
    if (!taken) out.push({ kind: 'late', value, time })
  }

  protected fire(watermark: number, out: Element<WindowResult<K, R>>[]): void {
    while (this.fired < this.ends.length && this.ends[this.fired]! - 1 <= watermark) {
      const end = this.ends[this.fired]!
      for (const [start, pane] of this.byEnd.get(end)!) {
        for (const [key, acc] of pane.accs) out.push(this.result(key as K, { start, end }, acc, 'on-time'))
        pane.dirty.clear()
      }
      this.fired++
    }
    let purged = 0
    while (purged < this.fired && this.ends[purged]! - 1 + this.lateness <= watermark) this.byEnd.delete(this.ends[purged++]!)
    if (purged > 0) {
      this.ends = this.ends.slice(purged)
      this.fired -= purged
    }
  }

  protected early(out: Element<WindowResult<K, R>>[]): void {
    for (let i = this.fired; i < this.ends.length; i++) {
      const end = this.ends[i]!
      for (const [start, pane] of this.byEnd.get(end)!) {
        for (const key of pane.dirty) out.push(this.result(key as K, { start, end }, pane.accs.get(key)!, 'early'))
        pane.dirty.clear()
      }
    }
  }

  protected save(): unknown {
    return {
      fired: this.fired,
      ends: this.ends.map((end) => [end, [...this.byEnd.get(end)!].map(([start, pane]) => [start, [...pane.accs].map(([key, acc]) => [key, this.saveAcc(acc)]), [...pane.dirty]])]),
    }
  }

  protected load(saved: unknown): void {
    const state = saved as { fired: number; ends: Array<[number, Array<[number, Array<[Key, unknown]>, Key[]]>]> }
    this.fired = state.fired
    this.ends = state.ends.map(([end]) => end)
    for (const [end, panes] of state.ends) {
      this.byEnd.set(end, new Map(panes.map(([start, accs, dirty]) => [start, { accs: new Map(accs.map(([key, acc]) => [key, this.loadAcc(acc)])), dirty: new Set(dirty) }])))
    }
  }

  /** Keeps `ends` sorted; a window whose time already passed (a late record's) counts among the fired. */
  private insertEnd(end: number, alreadyFired: boolean): void {
    // Ends arrive nearly in order: search from the back.
    let i = this.ends.length
    while (i > 0 && this.ends[i - 1]! > end) i--
    this.ends.splice(i, 0, end)
    if (alreadyFired) this.fired++
  }
}

interface Session<Acc> {
  window: Window
  acc: Acc
  fired: boolean
  dirty: boolean
}

/** Session windows: per key, merged as records bridge the gaps between them. */
class SessionWindows<T, K extends Key, Acc, R> extends WindowTransformer<T, K, Acc, R> {
  private readonly sessions = new Map<Key, Session<Acc>[]>()


  protected add(value: T, time: number, out: Element<WindowResult<K, R>>[]): void {
    const { aggregate } = this.options
    const key = this.options.key(value)
    let window = (this.options.window as WindowAssigner).assign(time)[0]!
    const list = this.sessions.get(key) ?? []
    // Merge every session the new one touches (Flink's MergingWindowSet: overlapping windows merge).
    const merged: Session<Acc>[] = []
    const kept: Session<Acc>[] = []
    for (const s of list) (s.window.start < window.end && window.start < s.window.end ? merged : kept).push(s)
    for (const s of merged) window = { start: Math.min(window.start, s.window.start), end: Math.max(window.end, s.window.end) }
    if (maxTimestamp(window) + this.lateness <= this.watermark) {
      out.push({ kind: 'late', value, time })
      return
    }
    let acc = aggregate.create()
    for (const s of merged) acc = aggregate.merge(acc, s.acc)
    acc = aggregate.add(acc, value)
    // The merged window is a new window: it fires when the watermark passes its end, or now if it already has.
    const session: Session<Acc> = { window, acc, fired: false, dirty: true }
    kept.push(session)
    kept.sort((a, b) => a.window.start - b.window.start)
    this.sessions.set(key, kept)
    if (maxTimestamp(window) <= this.watermark) {
      session.dirty = false
      session.fired = true
      out.push(this.result(key as K, session.window, session.acc, 'late'))
    }
  }

  protected fire(watermark: number, out: Element<WindowResult<K, R>>[]): void {
    for (const [key, list] of this.sessions) {
      for (const s of list) {
        if (!s.fired && maxTimestamp(s.window) <= watermark) {
          s.fired = true
          s.dirty = false
          out.push(this.result(key as K, s.window, s.acc, 'on-time'))
        }
      }
      const left = list.filter((s) => maxTimestamp(s.window) + this.lateness > watermark)
      if (left.length === 0) this.sessions.delete(key)
      else if (left.length !== list.length) this.sessions.set(key, left)
    }
  }

  protected early(out: Element<WindowResult<K, R>>[]): void {
    for (const [key, list] of this.sessions) {
      for (const s of list) {
        if (s.dirty && !s.fired) {
          s.dirty = false
          out.push(this.result(key as K, s.window, s.acc, 'early'))
        }
      }
    }
  }


  protected save(): unknown {
    return [...this.sessions].map(([key, list]) => [key, list.map((x) => ({ window: x.window, acc: this.saveAcc(x.acc), fired: x.fired, dirty: x.dirty }))])
  }

  protected load(saved: unknown): void {
    for (const [key, list] of saved as Array<[Key, Array<{ window: Window; acc: unknown; fired: boolean; dirty: boolean }>]>) {
      this.sessions.set(key, list.map((x) => ({ window: x.window, acc: this.loadAcc(x.acc), fired: x.fired, dirty: x.dirty })))
    }
  }
}
