import * as L from 'leaflet'
import type { DriverStatus, LatLon } from './protocol.js'
import { toLatLng } from './map.js'

/*
 * Markers drawn as HTML (divIcon) rather than images, so a car's colour can
 * say its status and each marker carries data-testid for the tests. The
 * rider's own pin is Leaflet's default image marker.
 */

const CAR_SVG =
  '<svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">' +
  '<path fill="currentColor" d="M5 11l1.5-4.5A2 2 0 0 1 8.4 5h7.2a2 2 0 0 1 1.9 1.5L19 11v6a1 1 0 0 1-1 1h-1a1 1 0 0 1-1-1v-1H8v1a1 1 0 0 1-1 1H6a1 1 0 0 1-1-1z"/>' +
  '<path fill="#fff" opacity=".85" d="M7.3 10l.9-3h7.6l.9 3z"/><circle cx="8" cy="13.5" r="1.3" fill="#fff"/><circle cx="16" cy="13.5" r="1.3" fill="#fff"/></svg>'

/** `mine`: the driver's own car; `ride`: the car on the rider's ride; `other`: any car in view. */
export type CarRole = 'mine' | 'ride' | 'other'

export function carIcon(role: CarRole, status: DriverStatus): L.DivIcon {
  return L.divIcon({
    className: `car-marker car-${role} car-${status}`,
    html: `<div class="car-body" data-testid="car-marker" data-car="${role}" data-driver-status="${status}">${CAR_SVG}</div>`,
    iconSize: [30, 30],
    iconAnchor: [15, 15],
  })
}

export function pinIcon(kind: 'pickup' | 'destination' | 'request', label: string): L.DivIcon {
  return L.divIcon({
    className: `pin-marker pin-${kind}`,
    html: `<div class="pin-body" data-testid="${kind}-marker">${label}</div>`,
    iconSize: [26, 26],
    iconAnchor: [13, 13],
  })
}

export function riderDotIcon(): L.DivIcon {
  return L.divIcon({ className: 'rider-dot', html: '<div data-testid="rider-dot"></div>', iconSize: [12, 12] })
}

/** The leg a ride is driving, drawn on the map. */
export function routeLine(map: L.Map): L.Polyline {
  return L.polyline([], { className: 'ride-route', color: '#1a56db', weight: 5, opacity: 0.85 }).addTo(map)
}

/**
 * Markers keyed by id (drivers, riders, requests), updated in place as
 * messages arrive. An icon is rebuilt only when its key changes, so a car
 * moving ten times a second only moves.
 */
export class MarkerSet {
  private readonly markers = new Map<string, { marker: L.Marker; iconKey: string }>()
  private readonly layer: L.LayerGroup

  constructor(map: L.Map) {
    this.layer = L.layerGroup().addTo(map)
  }

  put(id: string, position: LatLon, iconKey: string, icon: () => L.Icon | L.DivIcon, options: { title?: string; onClick?: () => void; onTop?: boolean } = {}): void {
    const entry = this.markers.get(id)
    if (entry) {
      entry.marker.setLatLng(toLatLng(position))
      if (entry.iconKey !== iconKey) {
        entry.marker.setIcon(icon())
        entry.iconKey = iconKey
      }
      return
    }
    // Leaflet stacks markers by latitude; the cars that matter stay above dots and pins at the same spot.
    const marker = L.marker(toLatLng(position), { icon: icon(), title: options.title ?? '', keyboard: Boolean(options.onClick), zIndexOffset: options.onTop ? 1000 : 0 })
    if (options.onClick) marker.on('click', options.onClick)
    marker.addTo(this.layer)
    this.markers.set(id, { marker, iconKey })
  }

  delete(id: string): void {
    this.markers.get(id)?.marker.remove()
    this.markers.delete(id)
  }

  /** Drops every marker whose id is not in `ids` (after a snapshot). */
  keepOnly(ids: Set<string>): void {
    for (const id of [...this.markers.keys()]) if (!ids.has(id)) this.delete(id)
  }
}
