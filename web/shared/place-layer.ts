import * as L from 'leaflet'
import { element } from './dom.js'
import { PICKUP_BINS, formatDemand, pickupBin, radiusFor, type PlaceFeature } from './forecast.js'

/*
 * The forecast's places on the map: a circle at each place's centre, sized
 * and shaded by its predicted demand, its figure in a tooltip. A click (or
 * Enter on a focused circle) picks the place for the chart. Circles are
 * kept by place and restyled in place, so a refresh does not flicker or
 * drop the hover.
 */

const label = (place: number, demand: number, when: string): string => `Place ${place}: ${formatDemand(demand)} pickups predicted, ${when}`

function describe(place: number, demand: number, when: string): HTMLElement {
  const box = element('div', 'area-tip')
  box.append(element('strong', undefined, `Place ${place}`), element('div', 'area-tip-when', when))
  const facts = element('dl', 'area-tip-facts')
  facts.append(element('dt', undefined, 'Predicted pickups'), element('dd', undefined, formatDemand(demand)))
  box.append(facts, element('div', 'area-tip-hint', 'Click to chart it'))
  return box
}

export class PlaceLayer {
  private readonly circles = new Map<number, { circle: L.CircleMarker; demand: number }>()
  private readonly layer: L.FeatureGroup
  private selected: number | undefined

  constructor(
    map: L.Map,
    private readonly onSelect: (place: number) => void,
  ) {
    this.layer = L.featureGroup().addTo(map)
  }

  /** The places of a forecast: new ones drawn, known ones restyled, the rest removed. `when` names the slot, for the tooltips. */
  update(features: PlaceFeature[], when: string): void {
    const seen = new Set<number>()
    for (const feature of features) {
      const { place, demand } = feature.properties
      const [lng, lat] = feature.geometry.coordinates
      seen.add(place)
      let known = this.circles.get(place)
      if (known) {
        known.demand = demand
        known.circle.setLatLng([lat, lng])
        known.circle.setTooltipContent(describe(place, demand, when))
      } else {
        const circle = L.circleMarker([lat, lng], { className: 'place-circle', weight: 1, color: '#374151', fillOpacity: 0.8 })
        circle.bindTooltip(describe(place, demand, when), { className: 'area-tooltip', direction: 'top', offset: [0, -6], opacity: 1 })
        circle.on('click', () => this.onSelect(place))
        circle.addTo(this.layer)
        const path = circle.getElement() as SVGPathElement | undefined
        path?.setAttribute('data-testid', 'place')
        path?.setAttribute('data-place', String(place))
        path?.setAttribute('tabindex', '0')
        path?.setAttribute('role', 'button')
        path?.addEventListener('keydown', (event) => {
          if ((event as KeyboardEvent).key === 'Enter' || (event as KeyboardEvent).key === ' ') {
            event.preventDefault()
            this.onSelect(place)
          }
        })
        known = { circle, demand }
        this.circles.set(place, known)
      }
      this.style(place, known.circle, demand, when)
    }
    for (const [place, known] of this.circles) {
      if (seen.has(place)) continue
      known.circle.remove()
      this.circles.delete(place)
    }
    // The quietest on top: a big circle drawn over the small ones near it would hide them.
    const biggestFirst = [...this.circles.values()].sort((a, b) => b.demand - a.demand)
    for (const { circle } of biggestFirst) circle.bringToFront()
    if (this.selected !== undefined) this.circles.get(this.selected)?.circle.bringToFront()
  }

  /** Outlines the place the chart shows (none: no outline). */
  select(place: number | undefined): void {
    const before = this.selected
    this.selected = place
    for (const id of [before, place]) {
      const known = id === undefined ? undefined : this.circles.get(id)
      if (!known) continue
      known.circle.setStyle(id === place ? { weight: 3, color: '#111827' } : { weight: 1, color: '#374151' })
      known.circle.getElement()?.setAttribute('aria-pressed', String(id === place))
      if (id === place) known.circle.bringToFront()
    }
  }

  has(place: number): boolean {
    return this.circles.has(place)
  }

  bounds(): L.LatLngBounds | undefined {
    return this.circles.size > 0 ? this.layer.getBounds() : undefined
  }

  private style(place: number, circle: L.CircleMarker, demand: number, when: string): void {
    const bin = pickupBin(demand)
    const selected = place === this.selected
    circle.setRadius(radiusFor(demand))
    circle.setStyle({ fillColor: PICKUP_BINS[bin]!.color, weight: selected ? 3 : 1, color: selected ? '#111827' : '#374151' })
    const path = circle.getElement()
    if (!path) return
    path.setAttribute('data-demand', String(demand))
    path.setAttribute('data-shade', String(bin))
    path.setAttribute('aria-label', label(place, demand, when))
    path.setAttribute('aria-pressed', String(selected))
  }
}

/** The color scale's key, in the map's corner: the bins in a row with their bounds between them. */
export function addPickupLegend(map: L.Map): void {
  const legend = new L.Control({ position: 'bottomright' })
  legend.onAdd = () => {
    const box = element('div', 'demand-legend')
    box.dataset.testid = 'legend'
    box.setAttribute('role', 'img')
    box.setAttribute('aria-label', `Color scale of predicted pickups per half hour: ${PICKUP_BINS.map((bin) => bin.label).join(', ')}; bigger circles, more pickups`)
    box.append(element('div', 'demand-legend-title', 'Predicted pickups per half hour'))
    const scale = element('div', 'demand-scale')
    PICKUP_BINS.forEach((bin, i) => {
      const swatch = element('span', 'swatch')
      swatch.style.background = bin.color
      if (i > 0) swatch.append(element('small', undefined, String(PICKUP_BINS[i - 1]!.below)))
      scale.append(swatch)
    })
    box.append(scale, element('div', 'demand-legend-note', 'Circle area grows with demand'))
    return box
  }
  legend.addTo(map)
}
