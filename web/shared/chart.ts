import { element } from './dom.js'

/*
 * A small time-series chart drawn as plain SVG: lines, bars and wide
 * translucent trend lines over one or two value axes, with a hover readout.
 * Plain SVG rather than a chart library: an hour of minutes is at most a
 * few hundred marks, every mark can carry data attributes the tests read,
 * and "still counting" needs its own style per point (dashed, hollow),
 * which is one class here and a plugin elsewhere.
 */

const SVG_NS = 'http://www.w3.org/2000/svg'

export interface ChartPoint {
  /** Where the point sits on the time axis (ms). */
  time: number
  value: number
  /** Still being counted: drawn hollow, and joined by a dashed line. */
  provisional: boolean
}

export interface ChartSeries {
  id: string
  label: string
  /** `trend`: a wide translucent line behind the others (a smoother, longer window). */
  kind: 'line' | 'bar' | 'trend'
  axis?: 'left' | 'right'
  color: string
  points: ChartPoint[]
  format: (value: number) => string
}

export interface ChartAxis {
  format: (value: number) => string
  /** The scale reaches at least this high (a ratio chart always shows 1). */
  atLeast?: number
}

export interface ChartSpec {
  domain: [number, number]
  left: ChartAxis
  right?: ChartAxis
  series: ChartSeries[]
  /** A dashed horizontal line on the left axis, e.g. a ratio of 1. */
  reference?: { value: number; label: string }
  /** Points further apart than this are not joined: no window between them. */
  gapMs: number
  /** How wide a bar is, in time (its window). */
  barMs: number
  /** The hover readout's heading for a point's time, e.g. its window. */
  timeLabel: (time: number) => string
  /** Shown across the plot when no series has a point. */
  emptyText: string
  /** Where the time axis ticks and what it says there; default every ten minutes, on the clock's tens. */
  ticks?: { at: (domain: [number, number]) => number[]; label: (time: number) => string }
}

/** A time as the clock on the wall shows it: 14:05. */
export const clock = (time: number): string => new Date(time).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })

const MARGIN = { top: 10, bottom: 22, left: 44, right: 12, rightAxis: 48 }

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Record<string, string | number> = {}, parent?: Element): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG_NS, tag)
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value))
  parent?.appendChild(node)
  return node
}

/** A round step near `raw`: 1, 2 or 5 times a power of ten. */
function niceStep(raw: number): number {
  const power = 10 ** Math.floor(Math.log10(raw))
  const fraction = raw / power
  return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power
}

/** A scale from 0 to a round top above `max`, and its ticks (about four). */
function scaleFor(max: number): { top: number; ticks: number[] } {
  const step = niceStep(max > 0 ? max / 4 : 0.25)
  const top = Math.max(step, Math.ceil(max / step - 1e-9) * step)
  const ticks: number[] = []
  for (let i = 0; i * step <= top + step / 1e6; i++) ticks.push(i * step)
  return { top, ticks }
}

/** A tick every ten minutes, on the clock's tens. */
function tenMinuteTicks(t0: number, t1: number): number[] {
  const tickMs = 10 * 60_000
  const ticks: number[] = []
  for (let t = Math.ceil(t0 / tickMs) * tickMs; t <= t1; t += tickMs) ticks.push(t)
  return ticks
}

/** A line and its provisional part: pairs of neighbours, dashed when either is still counting, broken at gaps. */
function linePaths(points: ChartPoint[], x: (t: number) => number, y: (v: number) => number, gapMs: number): { solid: string; dashed: string } {
  const parts = { solid: '', dashed: '' }
  let last: { style: 'solid' | 'dashed'; index: number } | undefined
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1]!
    const b = points[i]!
    if (b.time - a.time > gapMs) continue
    const style = a.provisional || b.provisional ? 'dashed' : 'solid'
    const to = `L${x(b.time).toFixed(1)},${y(b.value).toFixed(1)}`
    // Continue the current stroke when it is the same style and ends where this pair starts.
    if (last && last.style === style && last.index === i - 1) parts[style] += to
    else parts[style] += `M${x(a.time).toFixed(1)},${y(a.value).toFixed(1)}${to}`
    last = { style, index: i }
  }
  return parts
}

/** One chart in a `.chart-plot` element; `draw` replaces what it shows, and it redraws itself on resize. */
export class TimeChart {
  readonly svg: SVGSVGElement
  private readonly hover: HTMLDivElement
  private readonly legend: HTMLUListElement
  private guide: SVGLineElement | undefined
  private spec: ChartSpec | undefined
  private geometry: { x: (t: number) => number; time: (px: number) => number; top: number; bottom: number } | undefined

  constructor(
    private readonly plot: HTMLElement,
    legend: HTMLUListElement,
  ) {
    this.legend = legend
    this.svg = svg('svg', { role: 'img', class: 'chart-svg' }, plot)
    this.hover = element('div', 'chart-hover')
    this.hover.hidden = true
    plot.appendChild(this.hover)
    this.svg.addEventListener('pointermove', (event) => this.showHover(event))
    this.svg.addEventListener('pointerleave', () => this.hideHover())
    new ResizeObserver(() => this.render()).observe(plot)
  }

  draw(spec: ChartSpec, ariaLabel: string): void {
    this.spec = spec
    this.svg.setAttribute('aria-label', ariaLabel)
    this.renderLegend(spec)
    this.render()
  }

  private renderLegend(spec: ChartSpec): void {
    const items = spec.series.map((series) => {
      const item = element('li', `legend-${series.kind}`)
      const swatch = element('span', 'swatch')
      swatch.style.setProperty('--color', series.color)
      const twoAxes = spec.right !== undefined
      item.append(swatch, `${series.label}${twoAxes ? (series.axis === 'right' ? ' (right)' : ' (left)') : ''}`)
      return item
    })
    this.legend.replaceChildren(...items)
  }

  private render(): void {
    const spec = this.spec
    const width = this.plot.clientWidth
    const height = this.plot.clientHeight
    if (!spec || width === 0 || height === 0) return
    this.svg.setAttribute('width', String(width))
    this.svg.setAttribute('height', String(height))
    this.svg.setAttribute('viewBox', `0 0 ${width} ${height}`)
    this.svg.replaceChildren()
    this.hideHover()

    const [t0, t1] = spec.domain
    const left = MARGIN.left
    const right = width - (spec.right ? MARGIN.rightAxis : MARGIN.right)
    const top = MARGIN.top
    const bottom = height - MARGIN.bottom
    const x = (t: number): number => left + ((t - t0) / (t1 - t0)) * (right - left)
    this.geometry = { x, time: (px) => t0 + ((px - left) / (right - left)) * (t1 - t0), top, bottom }

    const inDomain = spec.series.map((series) => ({ ...series, points: series.points.filter((p) => p.time >= t0 && p.time <= t1) }))
    const maxOn = (axis: 'left' | 'right'): number =>
      Math.max(0, ...inDomain.filter((s) => (s.axis ?? 'left') === axis).flatMap((s) => s.points.map((p) => p.value)))
    const leftScale = scaleFor(Math.max(maxOn('left'), spec.left.atLeast ?? 0, spec.reference?.value ?? 0))
    const rightScale = spec.right ? scaleFor(Math.max(maxOn('right'), spec.right.atLeast ?? 0)) : undefined
    const yOf = (scale: { top: number }) => (v: number) => bottom - (v / scale.top) * (bottom - top)

    // Grid and left ticks, then the right axis's ticks at its own values.
    const axes = svg('g', { class: 'chart-axes', 'aria-hidden': 'true' }, this.svg)
    const yLeft = yOf(leftScale)
    for (const tick of leftScale.ticks) {
      svg('line', { x1: left, x2: right, y1: yLeft(tick), y2: yLeft(tick), class: tick === 0 ? 'baseline' : 'grid' }, axes)
      svg('text', { x: left - 6, y: yLeft(tick) + 4, 'text-anchor': 'end' }, axes).textContent = spec.left.format(tick)
    }
    if (spec.right && rightScale) {
      const yRight = yOf(rightScale)
      for (const tick of rightScale.ticks) svg('text', { x: right + 6, y: yRight(tick) + 4, 'text-anchor': 'start' }, axes).textContent = spec.right.format(tick)
    }
    for (const t of spec.ticks ? spec.ticks.at(spec.domain) : tenMinuteTicks(t0, t1)) {
      svg('line', { x1: x(t), x2: x(t), y1: bottom, y2: bottom + 4, class: 'tick' }, axes)
      svg('text', { x: x(t), y: height - 6, 'text-anchor': 'middle' }, axes).textContent = (spec.ticks?.label ?? clock)(t)
    }
    if (spec.reference) {
      const y = yLeft(spec.reference.value)
      svg('line', { x1: left, x2: right, y1: y, y2: y, class: 'reference' }, axes)
      // At the left end (the newest minutes, on the right, matter most), below the line when it runs along the top.
      const labelY = y - top < 14 ? y + 12 : y - 4
      svg('text', { x: left + 4, y: labelY, 'text-anchor': 'start', class: 'reference-label' }, axes).textContent = spec.reference.label
    }

    if (inDomain.every((s) => s.points.length === 0)) {
      svg('text', { x: (left + right) / 2, y: (top + bottom) / 2, 'text-anchor': 'middle', class: 'chart-empty' }, this.svg).textContent = spec.emptyText
    }

    const barWidth = Math.max(1, x(t0 + spec.barMs) - x(t0) - 1)
    const order = { bar: 0, trend: 1, line: 2 }
    for (const series of [...inDomain].sort((a, b) => order[a.kind] - order[b.kind])) {
      const y = series.axis === 'right' && rightScale ? yOf(rightScale) : yLeft
      const group = svg('g', { class: `series series-${series.kind}`, 'data-series': series.id, style: `--color: ${series.color}` }, this.svg)
      if (series.kind === 'bar') {
        for (const p of series.points) {
          const bar = svg('rect', { x: x(p.time) - barWidth / 2, y: y(p.value), width: barWidth, height: Math.max(0, bottom - y(p.value)) }, group)
          this.mark(bar, series, p)
        }
        continue
      }
      const paths = linePaths(series.points, x, y, spec.gapMs)
      if (paths.solid) svg('path', { d: paths.solid, class: 'stroke' }, group)
      if (paths.dashed) svg('path', { d: paths.dashed, class: 'stroke provisional' }, group)
      for (const p of series.points) this.mark(svg('circle', { cx: x(p.time), cy: y(p.value), r: series.kind === 'trend' ? 2 : 2.5 }, group), series, p)
    }
    this.guide = svg('line', { class: 'guide', y1: top, y2: bottom, visibility: 'hidden' }, this.svg)
  }

  /** The data attributes the tests (and the hover) read. */
  private mark(node: SVGElement, series: ChartSeries, p: ChartPoint): void {
    node.setAttribute('data-testid', 'point')
    node.setAttribute('data-series', series.id)
    node.setAttribute('data-time', String(p.time))
    node.setAttribute('data-value', String(p.value))
    node.setAttribute('data-provisional', String(p.provisional))
    if (p.provisional) node.classList.add('provisional')
  }

  /** The readout for the point time nearest the pointer: every series' value there. */
  private showHover(event: PointerEvent): void {
    const spec = this.spec
    const geometry = this.geometry
    if (!spec || !geometry || !this.guide) return
    const box = this.svg.getBoundingClientRect()
    const px = event.clientX - box.left
    const at = geometry.time(px)
    let nearest: number | undefined
    for (const series of spec.series) {
      for (const p of series.points) if (p.time >= spec.domain[0] && p.time <= spec.domain[1] && (nearest === undefined || Math.abs(p.time - at) < Math.abs(nearest - at))) nearest = p.time
    }
    if (nearest === undefined || Math.abs(geometry.x(nearest) - px) > 24) return this.hideHover()
    const rows = spec.series.flatMap((series) => {
      const p = series.points.find((q) => q.time === nearest)
      if (!p) return []
      const row = element('div', 'hover-row')
      const swatch = element('span', 'swatch')
      swatch.style.setProperty('--color', series.color)
      row.append(swatch, `${series.label}: `, element('strong', undefined, series.format(p.value)))
      return [row]
    })
    const provisional = spec.series.some((s) => s.points.some((p) => p.time === nearest && p.provisional))
    this.hover.replaceChildren(element('div', 'hover-time', spec.timeLabel(nearest) + (provisional ? ' · still counting' : '')), ...rows)
    this.hover.hidden = false
    const gx = geometry.x(nearest)
    this.guide.setAttribute('x1', String(gx))
    this.guide.setAttribute('x2', String(gx))
    this.guide.setAttribute('visibility', 'visible')
    // Beside the guide, on whichever side has room.
    const onLeft = gx > box.width / 2
    this.hover.style.left = onLeft ? '' : `${gx + 10}px`
    this.hover.style.right = onLeft ? `${box.width - gx + 10}px` : ''
  }

  private hideHover(): void {
    this.hover.hidden = true
    this.guide?.setAttribute('visibility', 'hidden')
  }
}
