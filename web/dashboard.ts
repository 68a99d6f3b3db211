import * as L from 'leaflet'
import { boundsOfCell, CITY_CENTER } from '../src/koober/geo.js'
import {
  areaName,
  CITY,
  fetchAreas,
  fetchSeries,
  formatKm,
  formatRatio,
  formatSeconds,
  isProvisional,
  windowText,
  type AnalyticsResult,
  type Areas,
} from './shared/analytics.js'
import { addDemandLegend, AreaLayer } from './shared/area-layer.js'
import { TimeChart, type ChartPoint, type ChartSpec } from './shared/chart.js'
import { byTestId } from './shared/dom.js'
import { createMap } from './shared/map.js'
import { poller, setLiveStatus } from './shared/poller.js'

/*
 * The dashboard: the analytics job's figures for the last hour, citywide or
 * for one area, as charts, and the newest minute's areas on a map shaded by
 * demand over supply. It polls the REST API (src/web/analytics-feed.ts)
 * every few seconds; the job fires the current minute early every 5 s, so
 * that minute moves until its window closes and is drawn as provisional.
 */

const POLL_MS = 5000
const HOUR_MS = 60 * 60_000
const MINUTE_MS = 60_000

const ui = {
  status: byTestId('live-status'),
  updated: byTestId('updated'),
  areasWindow: byTestId('areas-window'),
  map: byTestId('map'),
  title: byTestId('charts-title'),
  where: byTestId('charts-where'),
  showCity: byTestId<HTMLButtonElement>('show-city'),
  empty: byTestId('empty'),
  body: byTestId('dash-body'),
  nowWindow: byTestId('now-window'),
  nowRequests: byTestId('now-requests'),
  nowDrivers: byTestId('now-drivers'),
  nowRatio: byTestId('now-ratio'),
  nowWait: byTestId('now-wait'),
  nowWaitP90: byTestId('now-wait-p90'),
  nowTrips: byTestId('now-trips'),
}

/** A chart by its figure's test id: the figure holds its legend and plot. */
function chart(id: string): TimeChart {
  const figure = byTestId(id)
  return new TimeChart(figure.querySelector<HTMLElement>('.chart-plot')!, figure.querySelector<HTMLUListElement>('.chart-legend')!)
}

const charts = { demand: chart('chart-demand'), ratio: chart('chart-ratio'), wait: chart('chart-wait'), trips: chart('chart-trips'), tripMean: chart('chart-trip-mean') }

interface Data {
  area: string
  /** 1-minute windows, oldest first. */
  one: AnalyticsResult[]
  /** 5-minute windows sliding by a minute (only their wait figures mean anything). */
  five: AnalyticsResult[]
  areas: Areas
}

const state = {
  /** The area the charts show: `city` or a grid cell. */
  area: areaFromHash(),
  data: undefined as Data | undefined,
}

const map: L.Map = createMap(ui.map, CITY_CENTER)
/** Every cell seen since the page opened: the map frames them until the user moves it. */
const framing = { seen: undefined as L.LatLngBounds | undefined, userMoved: false, fitting: false }
map.on('dragstart zoomstart', () => {
  if (!framing.fitting) framing.userMoved = true
})
const areaLayer = new AreaLayer(map, (area) => selectArea(area))
addDemandLegend(map)

function areaFromHash(): string {
  const area = new URLSearchParams(location.hash.slice(1)).get('area')
  return area && /^-?\d+:-?\d+$/.test(area) ? area : CITY
}

function selectArea(area: string): void {
  if (area === state.area) return
  state.area = area
  // In the address, so a reload or a shared link opens the same area.
  history.replaceState(null, '', area === CITY ? location.pathname : `#area=${area}`)
  areaLayer.select(area === CITY ? undefined : area)
  ui.showCity.hidden = area === CITY
  document.querySelector('.dash-charts')?.setAttribute('aria-busy', 'true')
  void refresh()
}

ui.showCity.addEventListener('click', () => selectArea(CITY))
addEventListener('hashchange', () => selectArea(areaFromHash()))

/** Fetches the selected area's series and the map's areas; a newer refresh (another area picked) supersedes an older one. */
const refresh = poller(async (signal) => {
  const area = state.area
  try {
    const [one, five, areas] = await Promise.all([fetchSeries(area, 1, signal), fetchSeries(area, 5, signal), fetchAreas(signal)])
    if (signal.aborted) return POLL_MS
    state.data = { area, one: one.results, five: five.results, areas }
    ui.updated.textContent = `updated ${new Date().toLocaleTimeString([], { hourCycle: 'h23' })}`
    render()
  } catch (error) {
    if (signal.aborted) return POLL_MS
    setStatus('closed', 'Server unreachable: retrying')
    console.warn('dashboard refresh failed', error)
  }
  return POLL_MS
}, POLL_MS)

const setStatus = (connection: 'open' | 'closed', text: string): void => setLiveStatus(ui.status, connection, text)

function render(): void {
  const data = state.data
  if (!data) return
  document.querySelector('.dash-charts')?.removeAttribute('aria-busy')
  renderMap(data.areas)

  const empty = data.one.length === 0 && data.areas.areas.length === 0
  ui.empty.hidden = !empty
  ui.body.hidden = empty
  setStatus('open', empty ? 'Waiting for analytics' : 'Live')

  ui.title.textContent = areaName(data.area)
  ui.title.dataset.area = data.area
  ui.where.textContent = whereIs(data.area)
  ui.showCity.hidden = data.area === CITY
  if (empty) return

  // The hour up to the newest minute the job has fired, whatever the browser's clock says.
  const end = Math.max(...data.one.map((r) => r.windowEnd), data.areas.windowEnd ?? -Infinity)
  renderNow(data)
  renderCharts(data, [end - HOUR_MS, end])
}

/** Where an area is, in degrees: a grid cell's id says nothing to a person. */
function whereIs(area: string): string {
  if (area === CITY) return 'every area'
  const b = boundsOfCell(area)
  const span = (low: number, high: number, positive: string, negative: string): string => {
    const [a, z] = [Math.abs(low), Math.abs(high)].sort((x, y) => x - y)
    return `${a!.toFixed(2)}–${z!.toFixed(2)}° ${low >= 0 ? positive : negative}`
  }
  return `${span(b.south, b.north, 'N', 'S')}, ${span(b.west, b.east, 'E', 'W')}`
}

function renderMap(areas: Areas): void {
  areaLayer.update(areas.areas)
  areaLayer.select(state.area === CITY ? undefined : state.area)
  const provisional = areas.areas.some(isProvisional)
  ui.areasWindow.textContent =
    areas.windowStart === null || areas.windowEnd === null ? 'no areas yet' : `${windowText(areas.windowStart, areas.windowEnd)}${provisional ? ', still counting' : ''}`
  // The newest minute holds only the cells with traffic so far: frame all seen, until the map is the user's.
  const bounds = areaLayer.bounds()
  if (!bounds) return
  framing.seen = framing.seen ? framing.seen.extend(bounds) : L.latLngBounds(bounds.getSouthWest(), bounds.getNorthEast())
  if (!framing.userMoved && !map.getBounds().contains(framing.seen)) {
    framing.fitting = true
    map.fitBounds(framing.seen, { padding: [16, 16], maxZoom: 15, animate: false })
    framing.fitting = false
  }
}

function renderNow(data: Data): void {
  const latest = data.one.at(-1)
  if (!latest) {
    ui.nowWindow.textContent = 'no windows in the last hour'
    for (const dd of [ui.nowRequests, ui.nowDrivers, ui.nowRatio, ui.nowWait, ui.nowWaitP90, ui.nowTrips]) dd.textContent = '–'
    return
  }
  ui.nowWindow.textContent = windowText(latest.windowStart, latest.windowEnd) + (isProvisional(latest) ? ' (still counting)' : '')
  ui.nowRequests.textContent = String(latest.requests)
  ui.nowDrivers.textContent = String(latest.availableDrivers)
  ui.nowRatio.textContent = formatRatio(latest.demandSupply)
  ui.nowRatio.classList.toggle('kpi-note', latest.demandSupply === null)
  ui.nowWait.textContent = formatSeconds(latest.waitAvgSeconds)
  ui.nowWaitP90.textContent = formatSeconds(latest.waitP90Seconds)
  ui.nowTrips.textContent = String(latest.tripsCompleted)
}

/** A window's point sits in the middle of its last minute, so a 5-minute window lines up with the minute it ends with. */
const pointTime = (r: AnalyticsResult): number => r.windowEnd - MINUTE_MS / 2

function points(results: AnalyticsResult[], value: (r: AnalyticsResult) => number | null): ChartPoint[] {
  return results.flatMap((r) => {
    const v = value(r)
    return v === null ? [] : [{ time: pointTime(r), value: v, provisional: isProvisional(r) }]
  })
}

const count = (v: number): string => String(Math.round(v * 100) / 100)
const seconds = (v: number): string => `${Math.round(v)} s`
const minutes = (v: number): string => `${Number(v.toFixed(1))} min`
const km = (v: number): string => `${Number(v.toFixed(2))} km`

function renderCharts(data: Data, domain: [number, number]): void {
  const { one } = data
  // A 5-minute window ending after the newest minute is only partly in the past: it is drawn when its minute comes.
  const five = data.five.filter((r) => r.windowEnd <= domain[1])
  const where = areaName(data.area)
  const latest = one.at(-1)
  const base = {
    domain,
    gapMs: MINUTE_MS * 1.5,
    barMs: MINUTE_MS,
    timeLabel: (time: number) => windowText(time - MINUTE_MS / 2, time + MINUTE_MS / 2),
    emptyText: 'No windows in the last hour',
  } satisfies Partial<ChartSpec>
  const noWaits = { emptyText: 'No pickups in the last hour' }
  const noTrips = { emptyText: 'No trips completed in the last hour' }
  const noRatio = { emptyText: 'No minute with an available driver' }
  const lately = latest ? `; newest minute ${windowText(latest.windowStart, latest.windowEnd)}${isProvisional(latest) ? ', still counting' : ''}` : ''

  charts.demand.draw(
    {
      ...base,
      left: { format: count, atLeast: 1 },
      series: [
        { id: 'requests', label: 'Ride requests', kind: 'line', color: '#b45309', points: points(one, (r) => r.requests), format: count },
        { id: 'drivers', label: 'Available drivers', kind: 'line', color: '#047857', points: points(one, (r) => r.availableDrivers), format: count },
      ],
    },
    `Ride requests and available drivers per minute, ${where}, last hour${latest ? `${lately}: ${latest.requests} requests, ${latest.availableDrivers} available drivers` : ''}`,
  )
  charts.ratio.draw(
    {
      ...base,
      ...noRatio,
      left: { format: count, atLeast: 1 },
      reference: { value: 1, label: 'one request per driver' },
      series: [{ id: 'ratio', label: 'Requests per available driver', kind: 'line', color: '#7c3aed', points: points(one, (r) => r.demandSupply), format: (v) => v.toFixed(2) }],
    },
    `Demand over supply per minute, ${where}, last hour${latest ? `${lately}: ${formatRatio(latest.demandSupply)}` : ''}`,
  )
  charts.wait.draw(
    {
      ...base,
      ...noWaits,
      left: { format: seconds, atLeast: 10 },
      series: [
        { id: 'wait-avg-5', label: 'Mean, 5 min', kind: 'trend', color: '#1a56db', points: points(five, (r) => r.waitAvgSeconds), format: formatSeconds },
        { id: 'wait-p90-5', label: 'p90, 5 min', kind: 'trend', color: '#b91c1c', points: points(five, (r) => r.waitP90Seconds), format: formatSeconds },
        { id: 'wait-avg', label: 'Mean, 1 min', kind: 'line', color: '#1a56db', points: points(one, (r) => r.waitAvgSeconds), format: formatSeconds },
        { id: 'wait-p90', label: 'p90, 1 min', kind: 'line', color: '#b91c1c', points: points(one, (r) => r.waitP90Seconds), format: formatSeconds },
      ],
    },
    `Pickup wait from request to pickup, mean and 90th percentile, per minute and over 5 minutes, ${where}, last hour${latest ? `${lately}: mean ${formatSeconds(latest.waitAvgSeconds)}, p90 ${formatSeconds(latest.waitP90Seconds)}` : ''}`,
  )
  charts.trips.draw(
    {
      ...base,
      left: { format: count, atLeast: 1 },
      series: [{ id: 'trips', label: 'Trips completed', kind: 'bar', color: '#0e7490', points: points(one, (r) => r.tripsCompleted), format: count }],
    },
    `Trips completed per minute, ${where}, last hour${latest ? `${lately}: ${latest.tripsCompleted}` : ''}`,
  )
  charts.tripMean.draw(
    {
      ...base,
      ...noTrips,
      left: { format: minutes, atLeast: 1 },
      right: { format: km, atLeast: 1 },
      series: [
        { id: 'trip-duration', label: 'Mean duration', kind: 'line', color: '#1a56db', points: points(one, (r) => (r.tripSecondsAvg === null ? null : r.tripSecondsAvg / 60)), format: minutes },
        { id: 'trip-distance', label: 'Mean distance', kind: 'line', axis: 'right', color: '#b45309', points: points(one, (r) => (r.tripMetersAvg === null ? null : r.tripMetersAvg / 1000)), format: km },
      ],
    },
    `Mean duration and distance of the trips completed each minute, ${where}, last hour${latest?.tripsCompleted ? `${lately}: ${formatSeconds(latest.tripSecondsAvg)}, ${formatKm(latest.tripMetersAvg)}` : ''}`,
  )
}

areaLayer.select(state.area === CITY ? undefined : state.area)
ui.showCity.hidden = state.area === CITY
void refresh()
