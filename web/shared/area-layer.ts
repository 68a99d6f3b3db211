import * as L from 'leaflet'
import { areaName, DEMAND_BINS, demandBin, formatKm, formatRatio, formatSeconds, NO_DRIVER_COLOR, windowText, type AreaResult } from './analytics.js'
import { element } from './dom.js'

/*
 * The map's areas: each grid cell of the newest minute as a rectangle shaded
 * by demand over supply, with its figures in a tooltip. A click (or Enter on
 * a focused cell) picks the area for the charts. Rectangles are kept by area
 * and restyled in place, so a refresh does not flicker or drop the hover.
 */

const toBounds = (area: AreaResult): L.LatLngBounds => L.latLngBounds([area.bounds.south, area.bounds.west], [area.bounds.north, area.bounds.east])

/** What the tooltip says about an area: every figure of its window. */
function describe(area: AreaResult): HTMLElement {
  const box = element('div', 'area-tip')
  const when = windowText(area.windowStart, area.windowEnd) + (area.firing === 'early' ? ' (still counting)' : '')
  box.append(element('strong', undefined, areaName(area.area)), element('div', 'area-tip-when', when))
  const facts = element('dl', 'area-tip-facts')
  const rows: Array<[string, string]> = [
    ['Demand / supply', formatRatio(area.demandSupply)],
    ['Ride requests', String(area.requests)],
    ['Available drivers', String(area.availableDrivers)],
    ['Pickup wait (mean / p90)', `${formatSeconds(area.waitAvgSeconds)} / ${formatSeconds(area.waitP90Seconds)}`],
    ['Trips completed', String(area.tripsCompleted)],
    ['Trip (mean)', area.tripsCompleted === 0 ? '–' : `${formatSeconds(area.tripSecondsAvg)}, ${formatKm(area.tripMetersAvg)}`],
  ]
  for (const [name, value] of rows) facts.append(element('dt', undefined, name), element('dd', undefined, value))
  box.append(facts, element('div', 'area-tip-hint', 'Click for its charts'))
  return box
}

const SVG_NS = 'http://www.w3.org/2000/svg'
export const HATCH_ID = 'no-driver-hatch'

/** The hatch for cells with no available driver, in the map's own SVG: the layer needs nothing from the page. */
function addHatch(root: SVGSVGElement): void {
  if (root.querySelector(`#${HATCH_ID}`)) return
  const make = (tag: string, attributes: Record<string, string>, parent: Element): Element => {
    const node = document.createElementNS(SVG_NS, tag)
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value)
    parent.appendChild(node)
    return node
  }
  const defs = document.createElementNS(SVG_NS, 'defs')
  const pattern = make('pattern', { id: HATCH_ID, width: '6', height: '6', patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' }, defs)
  make('rect', { width: '6', height: '6', fill: '#e5e7eb' }, pattern)
  make('line', { x1: '0', y1: '0', x2: '0', y2: '6', stroke: '#9ca3af', 'stroke-width': '3' }, pattern)
  root.prepend(defs)
}

const label = (area: AreaResult): string =>
  `${areaName(area.area)}: demand over supply ${formatRatio(area.demandSupply)}, ${area.requests} requests, ${area.availableDrivers} available drivers`

export class AreaLayer {
  private readonly cells = new Map<string, { rect: L.Rectangle; area: AreaResult }>()
  private readonly layer: L.FeatureGroup
  private selected: string | undefined

  constructor(
    map: L.Map,
    private readonly onSelect: (area: string) => void,
  ) {
    this.layer = L.featureGroup().addTo(map)
  }

  /** The cells of the newest window: new ones drawn, known ones restyled, the rest removed. */
  update(areas: AreaResult[]): void {
    const seen = new Set<string>()
    for (const area of areas) {
      seen.add(area.area)
      const known = this.cells.get(area.area)
      if (known) {
        known.area = area
        known.rect.setBounds(toBounds(area))
        known.rect.setTooltipContent(describe(area))
        this.style(known.rect, area)
        continue
      }
      const rect = L.rectangle(toBounds(area), { className: 'area-cell', weight: 1, color: '#ffffff', fillOpacity: 0.7 })
      // Opaque: under Leaflet's default translucent tooltip, Chromium skipped painting the hatch of an outlined cell.
      rect.bindTooltip(describe(area), { sticky: true, className: 'area-tooltip', direction: 'top', offset: [0, -8], opacity: 1 })
      rect.on('click', () => this.onSelect(area.area))
      rect.addTo(this.layer)
      const path = rect.getElement() as SVGPathElement | undefined
      if (path) {
        if (path.ownerSVGElement) addHatch(path.ownerSVGElement)
        path.setAttribute('data-testid', 'area-cell')
        path.setAttribute('data-area', area.area)
        path.setAttribute('tabindex', '0')
        path.setAttribute('role', 'button')
        path.addEventListener('keydown', (event) => {
          if ((event as KeyboardEvent).key === 'Enter' || (event as KeyboardEvent).key === ' ') {
            event.preventDefault()
            this.onSelect(area.area)
          }
        })
      }
      this.cells.set(area.area, { rect, area })
      this.style(rect, area)
    }
    for (const [id, cell] of this.cells) {
      if (seen.has(id)) continue
      cell.rect.remove()
      this.cells.delete(id)
    }
  }

  /** Outlines the area the charts show (none for citywide). */
  select(area: string | undefined): void {
    this.selected = area
    for (const cell of this.cells.values()) this.style(cell.rect, cell.area)
  }

  bounds(): L.LatLngBounds | undefined {
    return this.cells.size > 0 ? this.layer.getBounds() : undefined
  }

  private style(rect: L.Rectangle, area: AreaResult): void {
    const bin = demandBin(area.demandSupply)
    const selected = area.area === this.selected
    rect.setStyle({ fillColor: bin === undefined ? NO_DRIVER_COLOR : DEMAND_BINS[bin]!.color, weight: selected ? 3 : 1, color: selected ? '#111827' : '#ffffff' })
    if (selected) rect.bringToFront()
    const path = rect.getElement()
    if (!path) return
    path.setAttribute('data-shade', bin === undefined ? 'no-driver' : String(bin))
    path.setAttribute('data-demand-supply', area.demandSupply === null ? '' : String(area.demandSupply))
    path.setAttribute('aria-label', label(area))
    path.setAttribute('aria-pressed', String(selected))
    path.classList.toggle('no-driver', bin === undefined)
    path.classList.toggle('selected', selected)
  }
}

/** The color scale's key, in the map's corner: the bins in a row, their bounds between them, and the hatch for no driver. */
export function addDemandLegend(map: L.Map): void {
  const legend = new L.Control({ position: 'bottomright' })
  legend.onAdd = () => {
    const box = element('div', 'demand-legend')
    box.dataset.testid = 'legend'
    box.setAttribute('role', 'img')
    box.setAttribute('aria-label', `Color scale of requests per available driver: ${DEMAND_BINS.map((bin) => bin.label).join(', ')}; hatched gray: no available driver`)
    box.append(element('div', 'demand-legend-title', 'Requests per available driver'))
    const scale = element('div', 'demand-scale')
    DEMAND_BINS.forEach((bin, i) => {
      const swatch = element('span', 'swatch')
      swatch.style.background = bin.color
      // Each bin's lower bound, under the line between it and the bin before.
      if (i > 0) swatch.append(element('small', undefined, String(DEMAND_BINS[i - 1]!.below)))
      scale.append(swatch)
    })
    const none = element('span', 'demand-none')
    none.append(element('span', 'swatch swatch-no-driver'), 'no driver')
    box.append(scale, none)
    return box
  }
  legend.addTo(map)
}
