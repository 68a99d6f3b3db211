import { InvalidArgumentError, Option } from 'commander'
import { localMidnight } from '../forecast/calendar.js'
import { parsePlacesSpec, type PlacesSpec } from '../forecast/places.js'
import { CITY_TIME_ZONE } from '../koober/geo.js'

/** The original Koober's 200 k-means clusters. */
export const DEFAULT_PLACES = 'kmeans:200'

/** `--places kmeans:K|grid:N`, parsed. */
export function placesOption(): Option {
  return new Option('--places <spec>', 'kmeans:K (K clusters of the training pickups) or grid:N (N×N equal cells over the box holding them)')
    .argParser(placesArg)
    .default(parsePlacesSpec(DEFAULT_PLACES), DEFAULT_PLACES)
}

function placesArg(value: string): PlacesSpec {
  try {
    return parsePlacesSpec(value)
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message)
  }
}

/** A New York day, YYYY-MM-DD. */
export function dateArg(value: string): string {
  try {
    localMidnight(value, CITY_TIME_ZONE)
  } catch {
    throw new InvalidArgumentError(`expected a date YYYY-MM-DD, got ${JSON.stringify(value)}`)
  }
  return value
}
