import { DDSketch } from '@datadog/sketches-js'
import type { Aggregate } from '../../analytics/index.js'
import type { CityFact } from './city-facts.js'

/** One area's figures over one window (docs: the `analytics` topic and table). */
export interface CityStats {
  requests: number
  availableDrivers: number
  /** Requests over available drivers; null when no driver was available. */
  demandSupply: number | null
  waitAvgSeconds: number | null
  waitP90Seconds: number | null
  tripsCompleted: number
  tripSecondsAvg: number | null
  tripMetersAvg: number | null
}

interface Acc {
  requests: number
  drivers: Set<string>
  waits: DDSketch
  waitSum: number
  waitCount: number
  trips: number
  tripSeconds: number
  tripMeters: number
}

/** Every figure of an area at once, from its facts: counts, distinct available drivers, the wait's mean and 90th percentile (DDSketch, 1%). */
export const cityStats: Aggregate<CityFact, Acc, CityStats> = {
  create: () => ({ requests: 0, drivers: new Set(), waits: new DDSketch({ relativeAccuracy: 0.01 }), waitSum: 0, waitCount: 0, trips: 0, tripSeconds: 0, tripMeters: 0 }),
  add(acc, fact) {
    switch (fact.type) {
      case 'request':
        acc.requests++
        break
      case 'available':
        acc.drivers.add(fact.driverId)
        break
      case 'wait':
        acc.waits.accept(fact.seconds)
        acc.waitSum += fact.seconds
        acc.waitCount++
        break
      case 'trip':
        acc.trips++
        acc.tripSeconds += fact.seconds
        acc.tripMeters += fact.meters
        break
    }
    return acc
  },
  merge(a, b) {
    a.waits.merge(b.waits)
    return {
      requests: a.requests + b.requests,
      drivers: new Set([...a.drivers, ...b.drivers]),
      waits: a.waits,
      waitSum: a.waitSum + b.waitSum,
      waitCount: a.waitCount + b.waitCount,
      trips: a.trips + b.trips,
      tripSeconds: a.tripSeconds + b.tripSeconds,
      tripMeters: a.tripMeters + b.tripMeters,
    }
  },
  result: (acc) => ({
    requests: acc.requests,
    availableDrivers: acc.drivers.size,
    demandSupply: acc.drivers.size === 0 ? null : acc.requests / acc.drivers.size,
    waitAvgSeconds: acc.waitCount === 0 ? null : acc.waitSum / acc.waitCount,
    waitP90Seconds: acc.waitCount === 0 ? null : acc.waits.getValueAtQuantile(0.9),
    tripsCompleted: acc.trips,
    tripSecondsAvg: acc.trips === 0 ? null : acc.tripSeconds / acc.trips,
    tripMetersAvg: acc.trips === 0 ? null : acc.tripMeters / acc.trips,
  }),
  save: (acc) => ({ ...acc, drivers: [...acc.drivers], waits: Buffer.from(acc.waits.toProto()).toString('base64') }),
  load: (saved) => {
    const s = saved as Omit<Acc, 'drivers' | 'waits'> & { drivers: string[]; waits: string }
    return { ...s, drivers: new Set(s.drivers), waits: DDSketch.fromProto(Buffer.from(s.waits, 'base64')) }
  },
}
