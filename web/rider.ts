import * as L from 'leaflet'
import { distanceMeters } from '../src/koober/geo.js'
import { byTestId, formatDuration } from './shared/dom.js'
import { createMap, followView, fromLatLng, toLatLng } from './shared/map.js'
import { carIcon, MarkerSet, pinIcon, routeLine } from './shared/markers.js'
import { isOpen, type Driver, type LatLon, type Ride, type RiderMessage, type ServerMessage, type Welcome } from './shared/protocol.js'
import { remainingRoute } from './shared/route.js'
import { connect } from './shared/socket.js'

/*
 * The rider page: click where you stand, click where you go, request, and
 * watch the driver come. Everything shown about the ride comes from the
 * server; the page keeps only what the rider picked before requesting.
 */

type Mode = 'pickup' | 'destination'

const ui = {
  who: byTestId('who'),
  status: byTestId('ride-status'),
  eta: byTestId('eta'),
  modePickup: byTestId<HTMLButtonElement>('mode-pickup'),
  modeDestination: byTestId<HTMLButtonElement>('mode-destination'),
  hint: byTestId('click-mode'),
  pickup: byTestId('pickup'),
  destination: byTestId('destination'),
  distance: byTestId('distance'),
  request: byTestId<HTMLButtonElement>('request-ride'),
  cancel: byTestId<HTMLButtonElement>('cancel-ride'),
  driversInView: byTestId('drivers-in-view'),
  viewNote: byTestId('view-note'),
  map: byTestId('map'),
}

const state = {
  me: '',
  mode: 'pickup' as Mode,
  position: undefined as LatLon | undefined,
  destination: undefined as LatLon | undefined,
  ride: undefined as Ride | undefined,
  /** Cars in view, and the ride's car wherever it is. */
  drivers: new Map<string, Driver>(),
  /** A hint that replaces the usual one for a few seconds (updates re-render many times a second). */
  warning: { text: '', until: 0 },
}

let map: L.Map | undefined
let cars: MarkerSet | undefined
let pins: MarkerSet | undefined
let route: L.Polyline | undefined
let preview: L.Polyline | undefined

const connection = connect<RiderMessage>('rider', onMessage)

function onMessage(message: ServerMessage): void {
  switch (message.type) {
    case 'welcome':
      return start(message)
    case 'snapshot': {
      const rideDriver = state.ride?.driverId
      // The ride's car stays even when it is outside the view: the server keeps sending it.
      for (const id of [...state.drivers.keys()]) if (id !== rideDriver) state.drivers.delete(id)
      for (const driver of message.drivers) state.drivers.set(driver.id, driver)
      for (const rider of message.riders) if (rider.id === state.me) state.position = rider.position
      for (const ride of message.rides) if (ride.riderId === state.me) state.ride = ride
      return render()
    }
    case 'driver':
      state.drivers.set(message.driver.id, message.driver)
      return render()
    case 'rider':
      if (message.rider.id === state.me) state.position = message.rider.position
      return render()
    case 'ride':
      if (message.ride.riderId !== state.me) return
      onRide(message.ride)
      return render()
    case 'gone':
      if (message.kind === 'driver' && message.id !== state.ride?.driverId) state.drivers.delete(message.id)
      return render()
    case 'error':
      return // the socket client shows it
  }
}

function onRide(ride: Ride): void {
  state.ride = ride
  // The rider stands at the pickup of their ride: the server may have moved it (snapped to a street).
  if (ride.status === 'requested') state.position = ride.pickup
  if (ride.status === 'completed') {
    // Arrived: the next ride starts where this one ended.
    state.position = ride.destination
    state.destination = undefined
    setMode('destination')
  }
}

function start(welcome: Welcome): void {
  state.me = welcome.id
  ui.who.textContent = welcome.id
  map = createMap(ui.map, welcome.center)
  route = routeLine(map)
  preview = L.polyline([], { className: 'ride-preview', color: '#6b7280', weight: 3, dashArray: '6 8' }).addTo(map)
  pins = new MarkerSet(map)
  cars = new MarkerSet(map)
  map.on('click', (event: L.LeafletMouseEvent) => onMapClick(fromLatLng(event.latlng)))
  followView(
    map,
    welcome.limits.maxViewCells,
    (bounds) => connection.send({ type: 'view', bounds }),
    (shrunk) => (ui.viewNote.hidden = !shrunk),
  )
  render()
}

function onMapClick(point: LatLon): void {
  if (isOpen(state.ride)) return flashHint('Your ride is under way: cancel it to change the pickup or destination.')
  // A finished ride stays on screen until the rider starts planning the next one.
  if (state.ride) state.ride = undefined
  if (state.mode === 'pickup') {
    state.position = point
    connection.send({ type: 'position', position: point })
    setMode('destination')
  } else {
    state.destination = point
  }
  render()
}

function setMode(mode: Mode): void {
  state.mode = mode
  render()
}

function flashHint(text: string): void {
  state.warning = { text, until: Date.now() + 4000 }
  render()
  setTimeout(render, 4100)
}

ui.modePickup.addEventListener('click', () => setMode('pickup'))
ui.modeDestination.addEventListener('click', () => setMode('destination'))
ui.request.addEventListener('click', () => {
  if (state.destination) connection.send({ type: 'request', destination: state.destination })
})
ui.cancel.addEventListener('click', () => connection.send({ type: 'cancel' }))

const place = (p: LatLon | undefined): string => (p ? `${p.lat.toFixed(5)}, ${p.lon.toFixed(5)}` : '–')

function rideDriver(): Driver | undefined {
  const id = state.ride?.driverId
  return id ? state.drivers.get(id) : undefined
}

/** The headline and the ETA line for the ride's state. */
function describe(): { status: string; eta: string } {
  const ride = state.ride
  const eta = rideDriver()?.etaSeconds
  if (!ride) {
    if (!state.position) return { status: 'Click the map where you stand.', eta: '' }
    if (!state.destination) return { status: 'Now click where you are going.', eta: '' }
    return { status: 'Ready: request a ride.', eta: '' }
  }
  switch (ride.status) {
    case 'requested':
      return { status: 'Looking for a driver…', eta: '' }
    case 'accepted':
      return { status: 'Your driver is on the way', eta: eta === undefined ? '' : `Pickup in ${formatDuration(eta)}` }
    case 'pickedUp':
      return { status: 'On trip', eta: eta === undefined ? '' : `Arriving in ${formatDuration(eta)}` }
    case 'completed':
      return { status: 'Arrived', eta: 'Thanks for riding with Koober.' }
    case 'cancelled':
      return { status: 'Cancelled', eta: CANCEL_REASONS[ride.reason ?? 'rider'] }
  }
}

const CANCEL_REASONS = { rider: 'You cancelled the ride.', 'driver-left': 'Your driver went offline.', 'rider-left': 'The ride was closed.' }

function render(): void {
  const ride = state.ride
  const { status, eta } = describe()
  ui.status.textContent = status
  ui.status.dataset.rideStatus = ride?.status ?? 'none'
  ui.eta.textContent = eta

  const open = isOpen(ride)
  ui.request.disabled = !state.position || !state.destination || open
  ui.cancel.disabled = !(ride?.status === 'requested' || ride?.status === 'accepted')
  ui.modePickup.setAttribute('aria-pressed', String(state.mode === 'pickup'))
  ui.modeDestination.setAttribute('aria-pressed', String(state.mode === 'destination'))
  ui.hint.dataset.mode = state.mode
  const warning = Date.now() < state.warning.until
  ui.hint.classList.toggle('warn', warning)
  if (warning) ui.hint.textContent = state.warning.text
  else ui.hint.textContent = state.mode === 'pickup' ? 'Click the map where you stand.' : 'Click the map where you are going.'

  const destination = ride && ride.status !== 'completed' ? ride.destination : state.destination
  ui.pickup.textContent = place(state.position)
  ui.destination.textContent = place(destination)
  ui.distance.textContent = state.position && destination ? `${(distanceMeters(state.position, destination) / 1000).toFixed(2)} km` : '–'
  renderMap(destination)
}

function renderMap(destination: LatLon | undefined): void {
  if (!map || !cars || !pins || !route || !preview) return
  const ride = state.ride
  // On the trip the rider is in the car: the pin would stay behind at the pickup.
  if (state.position && ride?.status !== 'pickedUp') pins.put('me', state.position, 'me', () => new L.Icon.Default(), { title: 'You' })
  else pins.delete('me')
  if (destination) pins.put('destination', destination, 'destination', () => pinIcon('destination', 'B'), { title: 'Destination' })
  else pins.delete('destination')

  const live = isOpen(ride)
  route.setLatLngs(live && ride?.route ? remainingRoute(ride.route, rideDriver()?.position) : [])
  preview.setLatLngs(!live && state.position && destination && ride?.status !== 'completed' ? [toLatLng(state.position), toLatLng(destination)] : [])

  for (const driver of state.drivers.values()) {
    const role = driver.id === ride?.driverId && live ? 'ride' : 'other'
    cars.put(driver.id, driver.position, `${role}:${driver.status}`, () => carIcon(role, driver.status), { title: role === 'ride' ? 'Your driver' : 'A driver', onTop: role === 'ride' })
  }
  cars.keepOnly(new Set(state.drivers.keys()))
  const count = state.drivers.size
  ui.driversInView.textContent = count === 0 ? 'No drivers in view' : `${count} driver${count === 1 ? '' : 's'} in view`
}
