import { kooberError } from '../../errors.js'
import { countDemand, type DemandSeries } from '../../forecast/demand.js'
import { loadDemandModel, MILD_CLEAR_WEATHER, predictDemand, recentRange, type DemandModel } from '../../forecast/demand-model.js'
import type { Question } from '../../forecast/features.js'
import type { DemandForecaster, ForecastAnswer, ForecastQuery, ModelSummary, SeriesPoint } from '../../forecast/serving.js'
import { SLOT_MS, type WeatherConditions, type WeatherHour } from '../../forecast/types.js'
import { weatherIndex, type WeatherIndex } from '../../forecast/weather-index.js'
import type { Store } from '../../store/index.js'
import { distanceMeters } from '../geo.js'
import { createForecastTables, listVersions, loadVersion } from './forecast-versions.js'
import { readPickups, readWeather } from './pickup-tables.js'

/** The longest range `series` answers. */
export const MAX_SERIES_DAYS = 14
const DAY_MS = 86_400_000
const HOUR_MS = 3_600_000

export interface KooberForecasterOptions {
  /** How often to look for a newer version (default 60 s). */
  refreshMs?: number
  /** How long a slot's observed demand is reused (default 30 s): the live map asks every minute, pickups arrive all the time. */
  recentTtlMs?: number
  /** The clock (default Date.now): slots at or after the current one have no actual demand yet. */
  now?: () => number
}

/**
 * Koober's forecasts, from the store: the newest trained version in
 * `forecast_versions` (looked for again every minute, so a retrained model
 * is served without a restart), the `pickups` table for what was observed
 * (the `next` question, and the charts' actual demand), and the `weather`
 * table (the weather a slot had; a what-if brings its own; without either,
 * a mild clear hour, and the answer says so).
 *
 * @example
 * ```ts
 * const forecaster = await openKooberForecaster(store)
 * const answer = await forecaster.forecast({ at: Date.now(), question: 'next' })
 * ```
 *
 * In a test, a version trains in seconds on generated pickups (a few
 * places, a short period; it runs on a worker thread):
 * ```ts
 * const from = localMidnight('2014-03-03', CITY_TIME_ZONE), until = localMidnight('2014-03-20', CITY_TIME_ZONE)
 * const pickups = [...demoPickups({ records: 40_000, months: 1, clusters: 6, seed: 1, start: from })].flat().filter((p) => p.time < until)
 * await createPickupTables(store)
 * await store.upsert(PICKUPS_TABLE.name, pickups.map((p, i) => pickupRow(p, `test:${i}`)))
 * await trainFromStore(store, { from, until, places: { kind: 'kmeans', k: 6 }, holdoutDays: 3 })
 * ```
 */
export async function openKooberForecaster(store: Store, options: KooberForecasterOptions = {}): Promise<DemandForecaster> {
  await createForecastTables(store)
  return new KooberForecaster(store, options)
}

class KooberForecaster implements DemandForecaster {
  private loaded: { version: number; model: DemandModel } | undefined
  private checkedAt = -Infinity
  private loading: Promise<DemandModel> | undefined
  private readonly recent = new Map<string, { at: number; demand: Promise<DemandSeries> }>()
  private readonly now: () => number

  constructor(
    private readonly store: Store,
    private readonly options: KooberForecasterOptions,
  ) {
    this.now = options.now ?? Date.now
  }

  async models(): Promise<ModelSummary[]> {
    const versions = await listVersions(this.store)
    const out: ModelSummary[] = []
    for (const v of versions) {
      for (const [question, q] of Object.entries(v.questions) as Array<[Question, NonNullable<(typeof v.questions)[Question]>]>) {
        for (const [algorithm, scores] of Object.entries(q.scores)) {
          out.push({
            version: v.version,
            question,
            algorithm,
            trainedAt: v.trainedAt,
            trainedFrom: v.from,
            trainedUntil: v.until,
            places: v.placesSpec,
            evaluation: { rmse: scores.rmse, mae: scores.mae, masked_rmse: scores.masked_rmse, masked_mape: scores.masked_mape },
            best: algorithm === q.best,
          })
        }
      }
    }
    return out
  }

  async forecast(query: ForecastQuery): Promise<ForecastAnswer> {
    const model = await this.newest()
    const slot = Math.floor(query.at / SLOT_MS)
    const { weather, used } = query.weather ? { weather: query.weather, used: query.weather } : await this.weatherAround(model, slot, slot + 1, query.question)
    const recent = query.question === 'next' ? await this.recentDemand(model, slot, slot + 1) : undefined
    const prediction = predictDemand(model, { question: query.question, fromSlot: slot, untilSlot: slot + 1, weather, ...(recent ? { recent } : {}), ...(query.algorithm ? { algorithm: query.algorithm } : {}) })
    const places = []
    for (let p = 0; p < model.places.count; p++) {
      const centre = model.places.centre(p)
      if (query.near && distanceMeters({ lat: query.near.lat, lon: query.near.lng }, { lat: centre.lat, lon: centre.lng }) > query.near.radiusMeters) continue
      places.push({ place: p, lat: centre.lat, lng: centre.lng, demand: prediction.predicted[p]! })
    }
    return {
      question: query.question,
      algorithm: prediction.algorithm,
      version: model.trainedAt,
      slotStart: slot * SLOT_MS,
      slotEnd: (slot + 1) * SLOT_MS,
      weather: model.withWeather ? used : null,
      places,
    }
  }

  async series(query: { place: number; from: number; until: number; question: Question; algorithm?: string }): Promise<SeriesPoint[]> {
    const model = await this.newest()
    if (!Number.isInteger(query.place) || query.place < 0 || query.place >= model.places.count) {
      throw kooberError('KOOBER_INVALID_ARGUMENT', `place must be a whole number from 0 to ${model.places.count - 1} (${model.placesSpec}), got ${query.place}`)
    }
    const fromSlot = Math.floor(query.from / SLOT_MS)
    const untilSlot = Math.ceil(query.until / SLOT_MS)
    if (!(untilSlot > fromSlot)) throw kooberError('KOOBER_INVALID_ARGUMENT', 'a series needs from before until')
    if (untilSlot - fromSlot > (MAX_SERIES_DAYS * DAY_MS) / SLOT_MS) throw kooberError('KOOBER_INVALID_ARGUMENT', `a series covers at most ${MAX_SERIES_DAYS} days`)
    const current = Math.floor(this.now() / SLOT_MS)
    const { weather } = await this.weatherAround(model, fromSlot, untilSlot, query.question)
    // The observed demand up to the last slot that is over: the actual values, and (next) what each prediction may read.
    const observedUntil = Math.min(untilSlot, current)
    const observed = observedUntil > fromSlot ? await this.observed(model, recentRange(fromSlot, observedUntil + 1)) : undefined
    const recent = query.question === 'next' ? (observed ?? (await this.recentDemand(model, fromSlot, fromSlot + 1))) : undefined
    // A next-slot prediction reads up to the slot before it: past the last observed slot there is nothing to read.
    const predictUntil = query.question === 'next' ? Math.min(untilSlot, (recent!.fromSlot + recent!.slots) + 1) : untilSlot
    const prediction = predictDemand(model, { question: query.question, fromSlot, untilSlot: predictUntil, weather, ...(recent ? { recent } : {}), ...(query.algorithm ? { algorithm: query.algorithm } : {}) })
    const points: SeriesPoint[] = []
    for (let slot = fromSlot; slot < predictUntil; slot++) {
      const predicted = prediction.predicted[(slot - fromSlot) * model.places.count + query.place]!
      const at = observed ? slot - observed.fromSlot : -1
      const actual = observed && slot < observedUntil && at >= 0 && at < observed.slots ? observed.counts[query.place * observed.slots + at]! : null
      points.push({ slotStart: slot * SLOT_MS, predicted, actual })
    }
    return points
  }

  /** The newest version, loaded once and looked for again every `refreshMs`. */
  private async newest(): Promise<DemandModel> {
    const refreshMs = this.options.refreshMs ?? 60_000
    if (this.loaded && this.now() - this.checkedAt < refreshMs) return this.loaded.model
    this.loading ??= (async () => {
      try {
        const [latest] = await listVersions(this.store, 1)
        this.checkedAt = this.now()
        if (!latest) throw kooberError('KOOBER_FORECAST_NO_DATA', 'no forecast model has been trained yet: run `koober forecast train` (after `koober import pickups` or `koober demo-data`)')
        if (this.loaded?.version !== latest.version) {
          const saved = await loadVersion(this.store, latest.version)
          if (!saved) throw kooberError('KOOBER_FORECAST_SAVED_MODEL', `forecast version ${latest.version} disappeared while loading`)
          this.loaded = { version: latest.version, model: loadDemandModel(saved) }
          this.recent.clear()
        }
        return this.loaded.model
      } finally {
        this.loading = undefined
      }
    })()
    return this.loading
  }

  /** What the places saw before `fromSlot` (and up to untilSlot − 1), cached a little: every viewer of the live map asks the same. */
  private recentDemand(model: DemandModel, fromSlot: number, untilSlot: number): Promise<DemandSeries> {
    const key = `${fromSlot}:${untilSlot}`
    const cached = this.recent.get(key)
    const ttl = this.options.recentTtlMs ?? 30_000
    if (cached && this.now() - cached.at < ttl) return cached.demand
    const demand = this.observed(model, recentRange(fromSlot, untilSlot))
    this.recent.set(key, { at: this.now(), demand })
    demand.catch(() => this.recent.delete(key))
    for (const [k, v] of this.recent) if (this.now() - v.at >= ttl) this.recent.delete(k)
    return demand
  }

  private async observed(model: DemandModel, range: { from: number; until: number }): Promise<DemandSeries> {
    return countDemand(await readPickups(this.store, range.from, range.until), model.places, range)
  }

  /** The weather table's hours over the slots (and the day before, for `next`), or a mild clear hour when it has none. */
  private async weatherAround(model: DemandModel, fromSlot: number, untilSlot: number, question: Question): Promise<{ weather: WeatherIndex | WeatherConditions; used: WeatherConditions }> {
    if (!model.withWeather) return { weather: MILD_CLEAR_WEATHER, used: MILD_CLEAR_WEATHER }
    const hours: WeatherHour[] = await readWeather(this.store, fromSlot * SLOT_MS - DAY_MS, untilSlot * SLOT_MS + HOUR_MS)
    if (hours.length === 0) return { weather: MILD_CLEAR_WEATHER, used: MILD_CLEAR_WEATHER }
    const index = weatherIndex(hours)
    // Where the table has a hole (more than 6 h without weather), a mild clear hour, as where it has nothing.
    const orMild = (look: (time: number) => WeatherConditions) => (time: number): WeatherConditions => {
      try {
        return look(time)
      } catch {
        return MILD_CLEAR_WEATHER
      }
    }
    const tolerant: WeatherIndex = { at: orMild(index.at), observedBefore: orMild(index.observedBefore) }
    return { weather: tolerant, used: question === 'next' ? tolerant.observedBefore(fromSlot * SLOT_MS) : tolerant.at(fromSlot * SLOT_MS) }
  }
}
