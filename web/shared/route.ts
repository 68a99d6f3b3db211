import type { LatLon } from './protocol.js'

/**
 * What is left of a route once the car is at `car`: the car's position, then
 * the route's points after the segment nearest to it. Drawn instead of the
 * whole leg, the line shrinks behind the car as it drives.
 */
export function remainingRoute(route: [number, number][], car: LatLon | undefined): [number, number][] {
  if (!car || route.length < 2) return route
  // Flat-earth distances are plenty at city scale; longitude degrees shrink with the latitude.
  const scale = Math.cos((car.lat * Math.PI) / 180)
  let best = 0
  let bestDistance = Infinity
  for (let i = 0; i + 1 < route.length; i++) {
    const [aLat, aLon] = route[i]!
    const [bLat, bLon] = route[i + 1]!
    const dx = (bLon - aLon) * scale
    const dy = bLat - aLat
    const length = dx * dx + dy * dy
    const t = length === 0 ? 0 : Math.max(0, Math.min(1, (((car.lon - aLon) * scale) * dx + (car.lat - aLat) * dy) / length))
    const ex = (car.lon - aLon) * scale - t * dx
    const ey = car.lat - aLat - t * dy
    const distance = ex * ex + ey * ey
    if (distance < bestDistance) {
      bestDistance = distance
      best = i
    }
  }
  return [[car.lat, car.lon], ...route.slice(best + 1)]
}
