import { kooberError } from '../../errors.js'
import { csvHeaderNames } from './csv-fields.js'

/** A pickup file format: the header names of its pickup time, latitude and longitude (lower case; any of the listed spellings). */
export interface PickupFormat {
  name: string
  description: string
  time: readonly string[]
  lat: readonly string[]
  lng: readonly string[]
}

/**
 * The formats the importer reads, told apart by their header. Names are
 * matched trimmed and case-insensitively: the TLC changed case from year to
 * year, and its 2014 yellow files put a space before every name.
 */
export const PICKUP_FORMATS: readonly PickupFormat[] = [
  {
    name: 'uber-foil',
    description: 'FiveThirtyEight/TLC FOIL Uber pickups (Date/Time,Lat,Lon,Base)',
    time: ['date/time', 'date_time'],
    lat: ['lat'],
    lng: ['lon'],
  },
  {
    name: 'fhv-foil',
    description: 'FiveThirtyEight/TLC FOIL for-hire-vehicle pickups (time_of_trip,start_lat,start_lng)',
    time: ['time_of_trip'],
    lat: ['start_lat'],
    lng: ['start_lng'],
  },
  {
    name: 'yellow-2009',
    description: 'TLC yellow trips of 2009 (Trip_Pickup_DateTime,Start_Lon,Start_Lat)',
    time: ['trip_pickup_datetime'],
    lat: ['start_lat'],
    lng: ['start_lon'],
  },
  {
    name: 'yellow-2010',
    description: 'TLC yellow trips of 2010–2014 (pickup_datetime,pickup_longitude,pickup_latitude)',
    time: ['pickup_datetime'],
    lat: ['pickup_latitude'],
    lng: ['pickup_longitude'],
  },
  {
    name: 'yellow-2015',
    description: 'TLC yellow trips of 2015–2016 (tpep_pickup_datetime,pickup_longitude,pickup_latitude)',
    time: ['tpep_pickup_datetime'],
    lat: ['pickup_latitude'],
    lng: ['pickup_longitude'],
  },
  {
    name: 'green',
    description: 'TLC green trips of 2013–2016 (lpep_pickup_datetime,Pickup_longitude,Pickup_latitude)',
    time: ['lpep_pickup_datetime'],
    lat: ['pickup_latitude'],
    lng: ['pickup_longitude'],
  },
]

/** Where a file's pickup fields are: column indexes, and how many leading fields a row must have. */
export interface PickupColumns {
  format: PickupFormat
  time: number
  lat: number
  lng: number
  /** One past the last column read. */
  width: number
}

/**
 * The format of a pickup file from its header line; a header of no known
 * format is KOOBER_IMPORT_FORMAT, naming the columns each format needs.
 *
 * @example
 * ```ts
 * detectPickupFormat('"Date_Time","Lat","Lon","Base"', 'apr14.csv') // { format: uber-foil, time: 0, lat: 1, lng: 2, width: 3 }
 * ```
 */
export function detectPickupFormat(header: string, file: string): PickupColumns {
  const names = csvHeaderNames(header)
  const find = (spellings: readonly string[]): number => names.findIndex((name) => spellings.includes(name))
  for (const format of PICKUP_FORMATS) {
    const time = find(format.time)
    const lat = find(format.lat)
    const lng = find(format.lng)
    if (time >= 0 && lat >= 0 && lng >= 0) return { format, time, lat, lng, width: Math.max(time, lat, lng) + 1 }
  }
  const expected = PICKUP_FORMATS.map((f) => `${f.description}`).join('; ')
  throw kooberError(
    'KOOBER_IMPORT_FORMAT',
    `${file} is not a pickup file this importer knows: its header has ${JSON.stringify(names.slice(0, 12))}${names.length > 12 ? '...' : ''}; ` +
      `expected a pickup time, latitude and longitude column as in one of: ${expected}`,
  )
}
