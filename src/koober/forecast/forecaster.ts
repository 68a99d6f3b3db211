import { setImmediate as nextTurn } from 'node:timers/promises'
import { kooberError } from '../../errors.js'
import { loadDemandModel, MILD_CLEAR_WEATHER, NEXT_HISTORY_DAYS, predictDemand, type DemandModel, type PredictDemandOptions } from '../../forecast/demand-model.js'
import { SLOTS_PER_DAY, type Question } from '../../forecast/features.js'
import type { DemandForecaster, ForecastAnswer, ForecastQuery, ModelSummary, SeriesPoint, WeatherSource } from '../../forecast/serving.js'
import { SLOT_MS, type WeatherConditions, type WeatherHour } from '../../forecast/types.js'
import { weatherIndex, type WeatherIndex } from '../../forecast/weather-index.js'
import type { Store } from '../../store/index.js'
import { distanceMeters } from '../geo.js'
import { createForecastTables, listVersions, loadVersion } from './forecast-versions.js'
import { ObservedDemand } from './observed-demand.js'
import { readWeather } from './pickup-tables.js'

/** The longest range `series` answers. */
export const MAX_SERIES_DAYS = 14
const DAY_MS = 86_400_000
const HOUR_MS = 3_600_000
/** The weather read before a slot: a `next` forecast from daily records looks two days back (weatherIndex), and bridges a gap of up to 6 h. */
const WEATHER_LOOKBACK_MS = 3 * DAY_MS
/** The history a `next` forecast reads, in slots. */
const NEXT_HISTORY_SLOTS = NEXT_HISTORY_DAYS * SLOTS_PER_DAY

export interface KooberForecasterOptions {
  /** How often to look for a newer version (default 60 s). */
  refreshMs?: number
  /** How long the newest slots' observed demand is reused before it is read again (default 30 s): the live map asks every minute, pickups arrive all the time. */
  recentTtlMs?: number
  /** How long after its slot a pickup may still land in the table (default 10 min): slots over for less than this are read again. */
  latePickupsMs?: number
  /** The clock (default Date.now): slots at or after the current one have no actual demand yet. */
  now?: () => number
}

/**
 * Koober's forecasts, from the store: the newest trained version in
 * `forecast_versions` (looked for again every minute, so a retrained model
 * is served without a restart), the `pickups` table for what was observed
 * (the `next` question, and the charts' actual demand: counted once per
 * version and extended as time goes, see ObservedDemand), and the `weather`
 * table (the weather a slot had; a what-if brings its own; without either,
 * a mild clear hour, and the answer's `weatherSource` says so).
 *
 * A `next` forecast is for the half hour after what has been observed: at
 * most the current half hour (its demand so far is not read). A later one
 * is refused (KOOBER_INVALID_ARGUMENT): the `calendar` question answers any
 * time.
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

/** A loaded version, with the demand observed since, counted in its places. */
interface Loaded {
  version: number
  model: DemandModel
  observed: ObservedDemand
}

class KooberForecaster implements DemandForecaster {
  private loaded: Loaded | undefined
  private checkedAt = -Infinity
  private loading: Promise<Loaded> | undefined
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
    const { model, observed } = await this.newest()
    const slot = Math.floor(query.at / SLOT_MS)
    if (query.question === 'next') this.checkObserved(slot)
    const { weather, used, source } = query.weather ? { weather: query.weather, used: query.weather, source: 'what-if' as const } : await this.weatherAround(model, slot, slot + 1, query.question)
    const recent = query.question === 'next' ? await observed.get(slot - NEXT_HISTORY_SLOTS, slot) : undefined
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
      weatherSource: model.withWeather ? source : null,
      places,
    }
  }

  async series(query: { place: number; from: number; until: number; question: Question; algorithm?: string }): Promise<SeriesPoint[]> {
    const { model, observed: demand } = await this.newest()
    if (!Number.isInteger(query.place) || query.place < 0 || query.place >= model.places.count) {
      throw kooberError('KOOBER_INVALID_ARGUMENT', `place must be a whole number from 0 to ${model.places.count - 1} (${model.placesSpec}), got ${query.place}`)
    }
    const fromSlot = Math.floor(query.from / SLOT_MS)
    const untilSlot = Math.ceil(query.until / SLOT_MS)
    if (!(untilSlot > fromSlot)) throw kooberError('KOOBER_INVALID_ARGUMENT', 'a series needs from before until')
    if (untilSlot - fromSlot > (MAX_SERIES_DAYS * DAY_MS) / SLOT_MS) throw kooberError('KOOBER_INVALID_ARGUMENT', `a series covers at most ${MAX_SERIES_DAYS} days`)
    if (query.question === 'next') this.checkObserved(fromSlot)
    // The observed demand up to the last slot that is over: the actual values, and (next) what each prediction may read.
    const observedUntil = Math.min(untilSlot, Math.floor(this.now() / SLOT_MS))
    // A next-slot prediction reads up to the slot before it: past the last observed slot there is nothing to read.
    const predictUntil = query.question === 'next' ? Math.min(untilSlot, observedUntil + 1) : untilSlot
    const { weather } = await this.weatherAround(model, fromSlot, predictUntil, query.question)
    const observedFrom = query.question === 'next' ? fromSlot - NEXT_HISTORY_SLOTS : fromSlot
    const observed = observedUntil > observedFrom ? await demand.get(observedFrom, observedUntil) : undefined
    const predictions = await predictByDay(model, {
      question: query.question,
      fromSlot,
      untilSlot: predictUntil,
      weather,
      ...(query.question === 'next' && observed ? { recent: observed } : {}),
      ...(query.algorithm ? { algorithm: query.algorithm } : {}),
    })
    const points: SeriesPoint[] = []
    for (let slot = fromSlot; slot < predictUntil; slot++) {
      const predicted = predictions[(slot - fromSlot) * model.places.count + query.place]!
      const actual = observed && slot >= observed.fromSlot && slot < observedUntil ? observed.counts[query.place * observed.slots + slot - observed.fromSlot]! : null
      points.push({ slotStart: slot * SLOT_MS, predicted, actual })
    }
    return points
  }

  /** Refuses a `next` forecast of a slot after the current one: the slots between were never observed, and would read as no demand. */
  private checkObserved(slot: number): void {
    const current = Math.floor(this.now() / SLOT_MS)
    if (slot <= current) return
    const iso = (s: number): string => new Date(s * SLOT_MS).toISOString()
    throw kooberError(
      'KOOBER_INVALID_ARGUMENT',
      `the next question forecasts the half hour after what has been observed, so at most the current one (from ${iso(current)}), not the one from ${iso(slot)}: the calendar question answers any later time`,
    )
  }

  /** The newest version, loaded once and looked for again every `refreshMs`. */
  private async newest(): Promise<Loaded> {
    const refreshMs = this.options.refreshMs ?? 60_000
    if (this.loaded && this.now() - this.checkedAt < refreshMs) return this.loaded
    this.loading ??= (async () => {
      try {
        const [latest] = await listVersions(this.store, 1)
        this.checkedAt = this.now()
        if (!latest) throw kooberError('KOOBER_FORECAST_NO_DATA', 'no forecast model has been trained yet: run `koober forecast train` (after `koober import pickups` or `koober demo-data`)')
        if (this.loaded?.version !== latest.version) {
          const saved = await loadVersion(this.store, latest.version)
          if (!saved) throw kooberError('KOOBER_FORECAST_SAVED_MODEL', `forecast version ${latest.version} disappeared while loading`)
          const model = loadDemandModel(saved)
          this.loaded = {
            version: latest.version,
            model,
            observed: new ObservedDemand(this.store, model.places, {
              now: this.now,
              ...(this.options.recentTtlMs !== undefined ? { ttlMs: this.options.recentTtlMs } : {}),
              ...(this.options.latePickupsMs !== undefined ? { lateMs: this.options.latePickupsMs } : {}),
            }),
          }
        }
        return this.loaded
      } finally {
        this.loading = undefined
      }
    })()
    return this.loading
  }

  /**
   * The weather table's hours over the slots (and the days before, for
   * `next`), and the one the first slot uses; a mild clear hour where the
   * table has none (more than 6 h from any of its hours), said in `source`.
   */
  private async weatherAround(
    model: DemandModel,
    fromSlot: number,
    untilSlot: number,
    question: Question,
  ): Promise<{ weather: WeatherIndex | WeatherConditions; used: WeatherConditions; source: Exclude<WeatherSource, 'what-if'> }> {
    const assumed = { weather: MILD_CLEAR_WEATHER, used: MILD_CLEAR_WEATHER, source: 'assumed' as const }
    if (!model.withWeather) return assumed
    const hours: WeatherHour[] = await readWeather(this.store, fromSlot * SLOT_MS - WEATHER_LOOKBACK_MS, untilSlot * SLOT_MS + HOUR_MS)
    if (hours.length === 0) return assumed
    const index = weatherIndex(hours)
    const orMild = (look: (time: number) => WeatherConditions) => (time: number): WeatherConditions => {
      try {
        return look(time)
      } catch {
        return MILD_CLEAR_WEATHER
      }
    }
    const tolerant: WeatherIndex = { at: orMild(index.at), observedBefore: orMild(index.observedBefore) }
    try {
      const used = question === 'next' ? index.observedBefore(fromSlot * SLOT_MS) : index.at(fromSlot * SLOT_MS)
      return { weather: tolerant, used, source: 'table' }
    } catch {
      return { ...assumed, weather: tolerant }
    }
  }
}

/**
 * predictDemand a day at a time, the event loop running between: two weeks
 * of every place is a few hundred milliseconds of features and trees. Each
 * row depends on its own slot only, so the days join into what one call
 * would give.
 */
async function predictByDay(model: DemandModel, options: PredictDemandOptions): Promise<Float64Array> {
  const places = model.places.count
  const predicted = new Float64Array((options.untilSlot - options.fromSlot) * places)
  for (let from = options.fromSlot; from < options.untilSlot; from += SLOTS_PER_DAY) {
    const day = predictDemand(model, { ...options, fromSlot: from, untilSlot: Math.min(options.untilSlot, from + SLOTS_PER_DAY) })
    predicted.set(day.predicted, (from - options.fromSlot) * places)
    await nextTurn()
  }
  return predicted
}
