import type * as L from 'leaflet'
import { distanceMeters } from '../src/koober/geo.js'
import { byTestId, element, formatDuration } from './shared/dom.js'
import { createMap, followView, fromLatLng } from './shared/map.js'
import { carIcon, MarkerSet, pinIcon, riderDotIcon, routeLine } from './shared/markers.js'
import type { Driver, DriverMessage, DriverStatus, LatLon, Ride, Rider, ServerMessage, Welcome } from './shared/protocol.js'
import { remainingRoute } from './shared/route.js'
import { connect } from './shared/socket.js'

/*
 * The driver page: place the car, go available, accept a request in view,
 * and watch the server drive the car to the pickup and on to the
 * destination. The car's state on screen is the server's; a click only asks.
 */

const ui = {
  who: byTestId('who'),
  driverStatus: byTestId('driver-status'),
  hint: byTestId('hint'),
  position: byTestId('car-position'),
  toggle: byTestId<HTMLButtonElement>('status-toggle'),
  rideStatus: byTestId('ride-status'),
  eta: byTestId('eta'),
  requests: byTestId<HTMLUListElement>('requests'),
  noRequests: byTestId('no-requests'),
  viewNote: byTestId('view-note'),
  map: byTestId('map'),
}

const state = {
  me: '',
  /** Our car as the server last told it. */
  car: undefined as Driver | undefined,
  /** Where we clicked, shown until the server's answer arrives. */
  clicked: undefined as LatLon | undefined,
  ride: undefined as Ride | undefined,
  requests: new Map<string, Ride>(),
  drivers: new Map<string, Driver>(),
  riders: new Map<string, Rider>(),
  /** The ride we last tried to accept: a `ride-taken` error is about it. */
  accepting: undefined as string | undefined,
}

let map: L.Map | undefined
let layers: { cars: MarkerSet; riders: MarkerSet; pins: MarkerSet; route: L.Polyline } | undefined
const requestItems = new Map<string, { item: HTMLLIElement; distance: HTMLElement }>()

const connection = connect<DriverMessage>('driver', onMessage)

function onMessage(message: ServerMessage): void {
  switch (message.type) {
    case 'welcome':
      return start(message)
    case 'snapshot':
      state.drivers.clear()
      state.riders.clear()
      state.requests.clear()
      for (const driver of message.drivers) onDriver(driver)
      for (const rider of message.riders) state.riders.set(rider.id, rider)
      for (const ride of message.rides) onRide(ride)
      return render()
    case 'driver':
      onDriver(message.driver)
      return render()
    case 'rider':
      if (message.rider.status === 'offline') state.riders.delete(message.rider.id)
      else state.riders.set(message.rider.id, message.rider)
      return render()
    case 'ride':
      onRide(message.ride)
      return render()
    case 'gone':
      // Our own car is "gone" from a view when it goes offline: the city forgets offline cars, but we still know where it stands.
      if (message.kind === 'driver' && message.id === state.me && state.car) state.car = { ...state.car, status: 'offline' }
      if (message.kind === 'driver') state.drivers.delete(message.id)
      if (message.kind === 'rider') state.riders.delete(message.id)
      if (message.kind === 'ride') state.requests.delete(message.id)
      return render()
    case 'error':
      // A taken ride is gone for us too; the socket client has already shown why.
      if (message.code === 'ride-taken' && state.accepting) state.requests.delete(state.accepting)
      return render()
  }
}

function onDriver(driver: Driver): void {
  if (driver.id === state.me) {
    state.car = driver
    state.clicked = undefined
  } else {
    state.drivers.set(driver.id, driver)
  }
}

function onRide(ride: Ride): void {
  if (ride.driverId === state.me) {
    state.ride = ride
    state.requests.delete(ride.id)
  } else if (ride.status === 'requested') {
    state.requests.set(ride.id, ride)
  } else {
    state.requests.delete(ride.id)
  }
}

function start(welcome: Welcome): void {
  state.me = welcome.id
  ui.who.textContent = welcome.id
  map = createMap(ui.map, welcome.center)
  layers = { route: routeLine(map), riders: new MarkerSet(map), pins: new MarkerSet(map), cars: new MarkerSet(map) }
  map.on('click', (event: L.LeafletMouseEvent) => placeCar(fromLatLng(event.latlng)))
  followView(
    map,
    welcome.limits.maxViewCells,
    (bounds) => connection.send({ type: 'view', bounds }),
    (shrunk) => (ui.viewNote.hidden = !shrunk),
  )
  ui.toggle.addEventListener('click', () => {
    connection.send({ type: 'status', status: state.car?.status === 'available' ? 'offline' : 'available' })
  })
  render()
}

const onRideNow = (): boolean => state.car?.status === 'enRoute' || state.car?.status === 'onTrip'

function placeCar(point: LatLon): void {
  if (onRideNow()) return // the server drives the car until the ride ends
  state.clicked = point
  connection.send({ type: 'position', position: point })
  render()
}

function accept(rideId: string): void {
  state.accepting = rideId
  connection.send({ type: 'accept', rideId })
}

const carPosition = (): LatLon | undefined => state.clicked ?? state.car?.position
const km = (meters: number): string => `${(meters / 1000).toFixed(2)} km`

const STATUS_TEXT: Record<DriverStatus, string> = {
  available: 'Available',
  enRoute: 'On a ride',
  onTrip: 'On a ride',
  offline: 'Offline',
}

function describeRide(eta: number | undefined): { status: string; eta: string } {
  const ride = state.ride
  if (!ride) return { status: 'No ride.', eta: '' }
  switch (ride.status) {
    case 'requested':
    case 'accepted':
      return { status: 'Heading to the pickup', eta: eta === undefined ? '' : `Pickup in ${formatDuration(eta)}` }
    case 'pickedUp':
      return { status: 'On trip', eta: eta === undefined ? '' : `Drop-off in ${formatDuration(eta)}` }
    case 'completed':
      return { status: 'Ride completed', eta: 'Drop-off done: you are available again.' }
    case 'cancelled':
      return { status: 'Ride cancelled', eta: ride.reason === 'rider' ? 'The rider cancelled.' : 'The rider left.' }
  }
}

function hint(): string {
  if (!state.car) return 'Click the map to place your car.'
  if (onRideNow()) return 'The server drives your car during the ride.'
  if (state.car.status === 'offline') return 'Go available to take rides. A click moves your car.'
  return 'Accept a request below, or click its R on the map. A click elsewhere moves your car.'
}

function render(): void {
  const car = state.car
  const position = carPosition()
  ui.driverStatus.dataset.driverStatus = car?.status ?? 'none'
  ui.driverStatus.textContent = car ? STATUS_TEXT[car.status] : 'Click the map to place your car.'
  ui.position.textContent = position ? `${position.lat.toFixed(5)}, ${position.lon.toFixed(5)}` : '–'
  ui.hint.textContent = hint()
  ui.toggle.disabled = !car || onRideNow()
  ui.toggle.textContent = car?.status === 'available' ? 'Go offline' : 'Go available'

  const ride = describeRide(car?.etaSeconds)
  ui.rideStatus.textContent = ride.status
  ui.rideStatus.dataset.rideStatus = state.ride?.status ?? 'none'
  ui.eta.textContent = ride.eta
  renderRequests(position)
  renderMap(position)
}

/** The request list, updated in place so a button does not move or vanish under the pointer. */
function renderRequests(position: LatLon | undefined): void {
  for (const [id, { item }] of requestItems) {
    if (state.requests.has(id)) continue
    item.remove()
    requestItems.delete(id)
  }
  for (const ride of state.requests.values()) {
    let entry = requestItems.get(ride.id)
    if (!entry) {
      const item = element('li', 'request')
      item.dataset.testid = 'ride-request'
      item.dataset.rideId = ride.id
      const text = element('div', 'request-text')
      text.append(element('strong', '', `Trip ${km(distanceMeters(ride.pickup, ride.destination))}`))
      const distance = element('span', 'muted')
      text.append(distance)
      const button = element('button', 'primary', 'Accept')
      button.type = 'button'
      button.dataset.testid = 'accept-ride'
      button.addEventListener('click', () => accept(ride.id))
      item.append(text, button)
      ui.requests.append(item)
      entry = { item, distance }
      requestItems.set(ride.id, entry)
    }
    entry.distance.textContent = position ? `pickup ${km(distanceMeters(position, ride.pickup))} away` : 'place your car to see the distance'
  }
  ui.noRequests.hidden = state.requests.size > 0
}

function renderMap(position: LatLon | undefined): void {
  if (!layers) return
  const { cars, riders, pins, route } = layers
  const status = state.car?.status ?? 'offline'
  if (position) cars.put(state.me, position, `mine:${status}`, () => carIcon('mine', status), { title: 'Your car', onTop: true })
  for (const driver of state.drivers.values()) {
    cars.put(driver.id, driver.position, `other:${driver.status}`, () => carIcon('other', driver.status), { title: 'Another driver' })
  }
  cars.keepOnly(new Set([...(position ? [state.me] : []), ...state.drivers.keys()]))

  for (const rider of state.riders.values()) riders.put(rider.id, rider.position, 'dot', riderDotIcon, { title: 'A rider' })
  riders.keepOnly(new Set(state.riders.keys()))

  const ride = state.ride
  const live = ride?.status === 'accepted' || ride?.status === 'pickedUp'
  const keep = new Set<string>()
  if (live && ride.status === 'accepted') {
    pins.put('pickup', ride.pickup, 'pickup', () => pinIcon('pickup', 'A'), { title: 'Pickup' })
    keep.add('pickup')
  }
  if (live) {
    pins.put('destination', ride.destination, 'destination', () => pinIcon('destination', 'B'), { title: 'Destination' })
    keep.add('destination')
  }
  for (const request of state.requests.values()) {
    const id = `request:${request.id}`
    pins.put(id, request.pickup, 'request', () => pinIcon('request', 'R'), { title: 'Ride request: click to accept', onClick: () => accept(request.id) })
    keep.add(id)
  }
  pins.keepOnly(keep)
  route.setLatLngs(live && ride.route ? remainingRoute(ride.route, state.car?.position) : [])
}
