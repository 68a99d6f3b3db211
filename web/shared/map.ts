import * as L from 'leaflet'
import { cellsIn } from '../../src/koober/geo.js'
import type { Bounds, LatLon } from './protocol.js'

/*
 * The map both pages share: OpenStreetMap tiles when the network has them,
 * and a plain grid when it does not, so markers and routes always show.
 * Nothing waits for tiles.
 */

const TILE_URL = 'https://tile.openstreetmap.org/{z}/{x}/{y}.png'
const ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'

export const toLatLng = (p: LatLon): L.LatLngTuple => [p.lat, p.lon]
export const fromLatLng = (p: L.LatLng): LatLon => ({ lat: p.lat, lon: p.lng })

export function createMap(container: HTMLElement, center: LatLon): L.Map {
  // The marker images sit beside leaflet.css under /static; saying so skips Leaflet's guess from the stylesheet.
  L.Icon.Default.imagePath = '/static/images/'
  const map = L.map(container, { minZoom: 11, maxZoom: 18 }).setView(toLatLng(center), 15)
  const tiles = L.tileLayer(TILE_URL, { attribution: ATTRIBUTION, maxZoom: 19 }).addTo(map)
  tiles.once('tileerror', () => showPlainBackground(map, container))
  return map
}

/** Without tiles, a grid layer (drawn locally, panning with the map) and a note saying why. */
function showPlainBackground(map: L.Map, container: HTMLElement): void {
  container.classList.add('tiles-offline')
  L.gridLayer({ className: 'plain-grid', zIndex: 0 }).addTo(map)
  const note = new L.Control({ position: 'bottomleft' })
  note.onAdd = () => {
    const div = L.DomUtil.create('div', 'tiles-note')
    div.dataset.testid = 'tiles-offline'
    div.textContent = 'Map tiles unavailable: showing a plain map'
    return div
  }
  note.addTo(map)
}

const clamp = (value: number, low: number, high: number): number => Math.min(high, Math.max(low, value))

/**
 * The map's bounds as a `view`, shrunk around its center when it covers more
 * cells than the server allows: a zoomed-out map then still shows what is
 * near the middle instead of getting `view-too-large`.
 */
export function viewOf(map: L.Map, maxCells: number): { bounds: Bounds; shrunk: boolean } {
  const b = map.getBounds()
  let bounds: Bounds = {
    south: clamp(b.getSouth(), -90, 90),
    west: clamp(b.getWest(), -180, 180),
    north: clamp(b.getNorth(), -90, 90),
    east: clamp(b.getEast(), -180, 180),
  }
  let shrunk = false
  // The server's own cell count (src/koober/geo.ts), so both sides agree on what is too large.
  while (cellsIn(bounds, maxCells) === undefined) {
    shrunk = true
    const lat = (bounds.south + bounds.north) / 2
    const lon = (bounds.west + bounds.east) / 2
    const halfLat = ((bounds.north - bounds.south) / 2) * 0.9
    const halfLon = ((bounds.east - bounds.west) / 2) * 0.9
    bounds = { south: lat - halfLat, west: lon - halfLon, north: lat + halfLat, east: lon + halfLon }
  }
  return { bounds, shrunk }
}

/** Sends the view now and after every pan or zoom; `onShrunk` hears whether the view had to be cut down. */
export function followView(map: L.Map, maxCells: number, send: (bounds: Bounds) => void, onShrunk: (shrunk: boolean) => void): void {
  const update = (): void => {
    const { bounds, shrunk } = viewOf(map, maxCells)
    onShrunk(shrunk)
    send(bounds)
  }
  map.on('moveend', update)
  update()
}
