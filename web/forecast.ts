import * as L from 'leaflet'
import { SLOT_MS } from '../src/forecast/types.js'
import { CITY_CENTER } from '../src/koober/geo.js'
import { TimeChart, type ChartPoint } from './shared/chart.js'
import { byTestId, element } from './shared/dom.js'
import {
  ApiError,
  CONDITION_FLAGS,
  algorithmName,
  describeWeather,
  fetchForecast,
  fetchModels,
  fetchPlaceSeries,
  formatDemand,
  formatScore,
  fromNyInputs,
  nyDate,
  nyClock,
  nyInputs,
  nyTickLabel,
  nyTicks,
  periodText,
  slotText,
  type ForecastCollection,
  type ModelReply,
  type ModelsReply,
  type Question,
  type ScoresReply,
  type SeriesReply,
  type WeatherConditions,
} from './shared/forecast.js'
import { createMap } from './shared/map.js'
import { PlaceLayer, addPickupLegend } from './shared/place-layer.js'
import { poller, setLiveStatus } from './shared/poller.js'

/*
 * The demand map: every place's predicted pickups as a circle on the map.
 * Live, it shows the `next` model's forecast for the coming half hour and
 * refreshes each minute and as a new half hour starts; a what-if shows the
 * `calendar` model's forecast for any day, time and weather instead. Beside
 * it: the model selector, the models' evaluation, and one place's predicted
 * against actual pickups. It reads the REST API of src/web/forecast-api.ts.
 *
 * `?at=` in the address pins "now" (the data of 2014 has no next half hour
 * today): an ISO time with its zone, or a New York time as 2014-04-18T18:00.
 */

const REFRESH_MS = 60_000
/** After a failure, sooner: a restarting server should not leave the page stale for a minute. */
const RETRY_MS = 10_000
const SERIES_DAYS = 3
const DAY_MS = 86_400_000

const ui = {
  pinned: byTestId('pinned'),
  status: byTestId('live-status'),
  updated: byTestId('updated'),
  mapTitle: byTestId('map-title'),
  slot: byTestId('slot'),
  mapModel: byTestId('map-model'),
  map: byTestId('map'),
  notice: byTestId('notice'),
  whatIf: byTestId<HTMLFormElement>('what-if'),
  date: byTestId<HTMLInputElement>('what-if-date'),
  time: byTestId<HTMLInputElement>('what-if-time'),
  temperature: byTestId<HTMLInputElement>('what-if-temperature'),
  backToLive: byTestId<HTMLButtonElement>('back-to-live'),
  modelQuestion: byTestId('model-question'),
  modelSelect: byTestId<HTMLSelectElement>('model-select'),
  modelVersion: byTestId('model-version'),
  evaluationCaption: byTestId('evaluation-caption'),
  evaluationRows: byTestId('evaluation-rows'),
  placeTitle: byTestId('place-title'),
  placeHint: byTestId('place-hint'),
  placeChart: byTestId('chart-place'),
}

const chart = new TimeChart(ui.placeChart.querySelector<HTMLElement>('.chart-plot')!, ui.placeChart.querySelector<HTMLUListElement>('.chart-legend')!)

/** The `?at=` pin: an instant, or why the address's value was not one. */
function readPin(): { at?: number; problem?: string } {
  const text = new URLSearchParams(location.search).get('at')
  if (text === null) return {}
  const local = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2}))?$/.exec(text)
  const at = local ? fromNyInputs(local[1]!, local[2] ?? '00:00') : /(Z|[+-]\d{2}:\d{2})$/i.test(text) ? Date.parse(text) : undefined
  return at !== undefined && Number.isFinite(at) ? { at } : { problem: `?at=${text} is not a time (2014-04-18T18:00 in New York, or with a zone): showing now` }
}

const pin = readPin()
const now = (): number => pin.at ?? Date.now()

interface WhatIf {
  at: number
  weather: WeatherConditions
}

const state = {
  models: undefined as ModelsReply | undefined,
  /** Set: the map shows this what-if from the calendar model; unset: live. */
  whatIf: undefined as WhatIf | undefined,
  /** The model picked for each question; none picked: the best. */
  chosen: new Map<Question, string>(),
  forecast: undefined as ForecastCollection | undefined,
  place: undefined as number | undefined,
}

const questionNow = (): Question => (state.whatIf ? 'calendar' : 'next')

const map: L.Map = createMap(ui.map, CITY_CENTER)
/** The map frames the places (again when its box changes) until the user moves it. */
const framing = { done: false, userMoved: false, fitting: false }
map.on('dragstart zoomstart', () => {
  if (!framing.fitting) framing.userMoved = true
})
const places = new PlaceLayer(map, (place) => selectPlace(place))
addPickupLegend(map)
// The map's box changes when the place chart opens below it: Leaflet watches the window only.
new ResizeObserver(() => {
  map.invalidateSize({ pan: false })
  framing.done = false
  frame()
}).observe(ui.map)

/** Fetches the models and the map's forecast (and the chart, when a place is chosen); a newer refresh supersedes an older one. */
const refresh = poller(async (signal) => {
  ui.map.closest('section')?.setAttribute('aria-busy', 'true')
  try {
    const models = await fetchModels(signal)
    if (signal.aborted) return REFRESH_MS
    state.models = models
    renderModels()
    if (models.newestVersion === null) {
      showNoModel()
      return nextRefresh(REFRESH_MS)
    }
    const question = questionNow()
    const algorithm = chosenAlgorithm(question)
    const forecast = await fetchForecast(
      { at: state.whatIf?.at ?? now(), question, ...(algorithm ? { algorithm } : {}), ...(state.whatIf ? { weather: state.whatIf.weather } : {}) },
      signal,
    )
    if (signal.aborted) return REFRESH_MS
    state.forecast = forecast
    renderForecast(forecast)
    setNotice(undefined)
    setStatus('open', state.whatIf ? 'What if' : 'Live')
    ui.updated.textContent = `updated ${new Date().toLocaleTimeString([], { hourCycle: 'h23' })}`
    if (state.place !== undefined) void refreshSeries()
    return nextRefresh(REFRESH_MS)
  } catch (error) {
    if (signal.aborted) return REFRESH_MS
    showFailure(error)
    return nextRefresh(RETRY_MS)
  } finally {
    // Aborted only by a newer refresh, which is busy in its turn.
    if (!signal.aborted) ui.map.closest('section')?.removeAttribute('aria-busy')
  }
}, REFRESH_MS)

/** Live, the map turns over with the half hour: the next refresh comes no later than the next slot's start. */
function nextRefresh(ms: number): number {
  if (state.whatIf || pin.at !== undefined) return ms
  const t = Date.now()
  return Math.min(ms, Math.ceil((t + 1) / SLOT_MS) * SLOT_MS - t + 500)
}

const setStatus = (kind: 'open' | 'closed' | 'waiting', text: string): void => setLiveStatus(ui.status, kind, text)

type NoticeKind = 'loading' | 'no-model' | 'unavailable' | 'unreachable' | 'error'

/** The panel's notice: what stands between the user and a forecast (none: hidden). */
function setNotice(kind: NoticeKind | undefined, ...content: Array<string | Node>): void {
  ui.notice.hidden = kind === undefined
  ui.notice.dataset.kind = kind ?? 'none'
  ui.notice.replaceChildren(...content)
}

const code = (text: string): HTMLElement => element('code', undefined, text)

function showNoModel(): void {
  state.forecast = undefined
  places.update([], '')
  ui.slot.textContent = ''
  ui.mapModel.textContent = ''
  setStatus('waiting', 'No model yet')
  setNotice(
    'no-model',
    element('strong', undefined, 'No model yet. '),
    'Train one with ',
    code('koober forecast train'),
    ' once the store has pickups (',
    code('koober demo-data'),
    ' generates some, ',
    code('koober import pickups FILE'),
    ' loads real ones). This page picks the model up within a minute.',
  )
}

function showFailure(error: unknown): void {
  if (!(error instanceof ApiError)) {
    setStatus('closed', 'Server unreachable: retrying')
    setNotice('unreachable', 'The server does not answer: retrying every few seconds.')
    console.warn('forecast refresh failed', error)
    return
  }
  if (error.status === 503) {
    setStatus('closed', 'Forecasts unavailable')
    setNotice('unavailable', error.message)
    return
  }
  setStatus('closed', 'No forecast')
  setNotice('error', `The server could not forecast this: ${error.message}`)
}

/** The picked algorithm, if it is still one of the newest version's for the question; otherwise the server's best. */
function chosenAlgorithm(question: Question): string | undefined {
  const chosen = state.chosen.get(question)
  return chosen !== undefined && newestModels(question).some((m) => m.algorithm === chosen) ? chosen : undefined
}

/** The newest version's models for a question, lowest RMSE first (unscored last). */
function newestModels(question: Question): ModelReply[] {
  const models = state.models
  if (!models || models.newestVersion === null) return []
  const rmse = (m: ModelReply): number => m.evaluation?.rmse ?? Infinity
  return models.models.filter((m) => m.version === models.newestVersion && m.question === question).sort((a, b) => rmse(a) - rmse(b) || a.algorithm.localeCompare(b.algorithm))
}

const QUESTION_TEXT: Record<Question, string> = { next: 'Next 30 minutes (recent pickups, calendar, weather)', calendar: 'Calendar and weather alone (what-if)' }

function renderModels(): void {
  const question = questionNow()
  const models = newestModels(question)
  const best = models.find((m) => m.best)
  const picked = chosenAlgorithm(question) ?? best?.algorithm ?? models[0]?.algorithm
  ui.modelQuestion.textContent = QUESTION_TEXT[question]
  ui.modelSelect.disabled = models.length === 0

  // Rebuilt only when the list changes: a rebuild under an open drop-down would close it.
  const key = `${question}|${models.map((m) => `${m.version}:${m.algorithm}:${m.best}`).join(',')}`
  if (ui.modelSelect.dataset.key !== key) {
    ui.modelSelect.dataset.key = key
    ui.modelSelect.replaceChildren(
      ...models.map((m) => {
        const option = element('option', undefined, `${algorithmName(m.algorithm)}${m.best ? ' ★ best' : ''}`)
        option.value = m.algorithm
        return option
      }),
    )
  }
  if (picked !== undefined) ui.modelSelect.value = picked

  // Every model of a version shares its training: the first tells it.
  const newest = models[0]
  ui.modelVersion.dataset.version = String(newest?.version ?? '')
  ui.modelVersion.textContent = newest
    ? `Newest version, trained ${nyDate(newest.trainedAt)} ${nyClock(newest.trainedAt)} on the pickups of ${nyDate(newest.trainedFrom)} to ${nyDate(newest.trainedUntil - 1)}; places ${newest.places}.`
    : state.models?.newestVersion === null
      ? 'No model trained yet.'
      : `The newest version has no ${question} model.`
  ui.evaluationCaption.textContent = newest ? `Evaluation of the newest version, question ${question}` : 'No evaluation yet'
  ui.evaluationRows.replaceChildren(...models.map((m) => evaluationRow(m, m.algorithm === picked)))
}

const SCORES: Array<keyof ScoresReply> = ['rmse', 'mae', 'masked_rmse', 'masked_mape']

function evaluationRow(model: ModelReply, picked: boolean): HTMLTableRowElement {
  const row = element('tr', [model.best ? 'best' : '', picked ? 'picked' : ''].join(' ').trim())
  row.dataset.testid = 'evaluation-row'
  row.dataset.algorithm = model.algorithm
  row.dataset.best = String(model.best)
  if (picked) row.setAttribute('aria-current', 'true')
  const name = element('th', undefined, algorithmName(model.algorithm))
  name.scope = 'row'
  if (model.best) name.append(' ', element('span', 'best-mark', '★ best'))
  row.append(name)
  for (const score of SCORES) {
    const cell = element('td', undefined, formatScore(score, model.evaluation?.[score]))
    cell.dataset.score = score
    row.append(cell)
  }
  return row
}

function renderForecast(forecast: ForecastCollection): void {
  const when = slotText(forecast.slotStart, forecast.slotEnd)
  ui.mapTitle.dataset.mode = state.whatIf ? 'what-if' : 'live'
  ui.mapTitle.textContent = state.whatIf ? `What if: ${describeWeather(state.whatIf.weather)}` : 'Predicted pickups, next 30 minutes'
  ui.slot.textContent = `${when} (New York)`
  ui.slot.dataset.slotStart = String(forecast.slotStart)
  ui.mapModel.textContent = algorithmName(forecast.algorithm)
  ui.mapModel.dataset.version = String(forecast.version)
  ui.mapModel.dataset.algorithm = forecast.algorithm
  places.update(forecast.features, when)
  if (state.place !== undefined && !places.has(state.place)) selectPlace(undefined)
  places.select(state.place)
  frame()
}

function frame(): void {
  const bounds = places.bounds()
  if (!bounds || framing.done || framing.userMoved) return
  framing.done = true
  framing.fitting = true
  // Clear of the legend in the bottom right corner.
  map.fitBounds(bounds, { paddingTopLeft: [32, 32], paddingBottomRight: [48, 96], maxZoom: 14, animate: false })
  framing.fitting = false
}

const PLACE_HINT = ui.placeHint.textContent ?? ''

function selectPlace(place: number | undefined): void {
  state.place = place
  places.select(place)
  ui.placeTitle.textContent = place === undefined ? 'A place' : `Place ${place}`
  ui.placeTitle.dataset.place = place === undefined ? '' : String(place)
  ui.placeHint.textContent = place === undefined ? PLACE_HINT : 'Reading its half hours…'
  ui.placeChart.hidden = place === undefined
  if (place !== undefined) void refreshSeries()
}

let seriesFlight: AbortController | undefined

/** The chosen place's predicted against actual pickups over the days up to the slot on the map, by the map's model. */
async function refreshSeries(): Promise<void> {
  const forecast = state.forecast
  const place = state.place
  if (!forecast || place === undefined) return
  seriesFlight?.abort()
  const controller = new AbortController()
  seriesFlight = controller
  ui.placeChart.setAttribute('aria-busy', 'true')
  try {
    const series = await fetchPlaceSeries(place, forecast.slotEnd - SERIES_DAYS * DAY_MS, forecast.slotEnd, forecast.question, forecast.algorithm, controller.signal)
    if (!controller.signal.aborted) renderSeries(series)
  } catch (error) {
    if (controller.signal.aborted) return
    ui.placeHint.textContent = `Its half hours could not be read: ${error instanceof Error ? error.message : String(error)}`
  } finally {
    if (seriesFlight === controller) ui.placeChart.removeAttribute('aria-busy')
  }
}

function renderSeries(series: SeriesReply): void {
  // The mid-point of its half hour, so a bar covers its slot.
  const at = (slotStart: number): number => slotStart + SLOT_MS / 2
  const predicted: ChartPoint[] = series.points.map((p) => ({ time: at(p.slotStart), value: p.predicted, provisional: false }))
  const actual: ChartPoint[] = series.points.flatMap((p) => (p.actual === null ? [] : [{ time: at(p.slotStart), value: p.actual, provisional: false }]))
  ui.placeHint.textContent = `Pickups per half hour, ${periodText(series.from, series.until)} (New York): bars what happened, the line what the model predicted`
  const pickups = (v: number): string => formatDemand(v)
  const total = (points: ChartPoint[]): string => formatDemand(points.reduce((sum, p) => sum + p.value, 0))
  chart.draw(
    {
      domain: [series.from, series.until],
      left: { format: (v) => String(Math.round(v * 10) / 10), atLeast: 1 },
      series: [
        { id: 'actual', label: 'Actual pickups', kind: 'bar', color: '#9ca3af', points: actual, format: pickups },
        { id: 'predicted', label: `Predicted (${algorithmName(series.algorithm ?? 'best')})`, kind: 'line', color: '#b45309', points: predicted, format: pickups },
      ],
      gapMs: SLOT_MS * 1.5,
      barMs: SLOT_MS,
      timeLabel: (time) => slotText(time - SLOT_MS / 2, time + SLOT_MS / 2),
      emptyText: 'No half hours in this period',
      ticks: { at: ([from, until]) => nyTicks(from, until), label: nyTickLabel },
    },
    `Place ${series.place}: predicted against actual pickups per half hour, ${periodText(series.from, series.until)}, New York time: ${total(predicted)} predicted, ${total(actual)} happened`,
  )
}

/** The what-if form's weather: the ticked conditions, clear when none. */
function formWeather(): WeatherConditions {
  const ticked = (flag: string): boolean => ui.whatIf.querySelector<HTMLInputElement>(`input[name="${flag}"]`)!.checked
  const flags = Object.fromEntries(CONDITION_FLAGS.map((flag) => [flag, ticked(flag)])) as Record<(typeof CONDITION_FLAGS)[number], boolean>
  return { temperature: Number(ui.temperature.value), clear: !CONDITION_FLAGS.some((flag) => flags[flag]), ...flags }
}

ui.whatIf.addEventListener('submit', (event) => {
  event.preventDefault()
  const at = fromNyInputs(ui.date.value, ui.time.value)
  if (at === undefined || !ui.whatIf.reportValidity()) return
  state.whatIf = { at, weather: formWeather() }
  ui.backToLive.disabled = false
  renderModels()
  void refresh()
})

ui.backToLive.addEventListener('click', () => {
  state.whatIf = undefined
  ui.backToLive.disabled = true
  renderModels()
  void refresh()
})

ui.modelSelect.addEventListener('change', () => {
  state.chosen.set(questionNow(), ui.modelSelect.value)
  renderModels()
  void refresh()
})

function start(): void {
  if (pin.at !== undefined) {
    ui.pinned.hidden = false
    ui.pinned.textContent = `now pinned to ${nyDate(pin.at)} ${nyClock(pin.at)} (New York)`
  } else if (pin.problem) {
    ui.pinned.hidden = false
    ui.pinned.dataset.state = 'invalid'
    ui.pinned.textContent = pin.problem
  }
  // The what-if starts from the slot "now" is in, so changing one field asks a small question.
  const inputs = nyInputs(Math.floor(now() / SLOT_MS) * SLOT_MS)
  ui.date.value = inputs.date
  ui.time.value = inputs.time
  setNotice('loading', 'Loading the models…')
  void refresh()
}

start()
