/**
 * Data in for the forecast layer: pickup files (the FOIL Uber and
 * for-hire-vehicle files, the TLC yellow and green trip records), weather
 * files (NOAA GHCN-Daily, hourly UTC), New York local time, and seeded demo
 * pickups. Nothing here knows of Koober.
 *
 * @example
 * ```ts
 * const { pickups, rejected } = await loadPickups(['uber-pickups-2014-04-01_23.csv.gz'])
 * const weather = await loadWeather(['central-park-weather-daily.csv'])
 * ```
 */
export { loadPickups, loadWeather } from './load.js'
export { ImportMeter, type ImportProgress } from './import-progress.js'
export { checkPickupFiles, readPickupFiles, addRejects, nonZeroRejects, type ReadPickupFilesOptions } from './pickup-files.js'
export { PICKUP_REJECT_REASONS, noRejects, pickupFileFormat, readPickupFile, type PickupChunk, type PickupRejectReason, type RejectCounts } from './pickup-csv.js'
export { PICKUP_FORMATS, detectPickupFormat, type PickupColumns, type PickupFormat } from './pickup-formats.js'
export { NYC_BOUNDS, inNewYorkCity } from './nyc-bounds.js'
export { parseNewYorkTimestamp } from './local-timestamp.js'
export { daysFromCivil, newYorkDay, newYorkDayNumber, newYorkFields, newYorkOffsetAt, newYorkToEpoch } from './new-york-time.js'
export { readWeatherFile, detectWeatherFormat, type WeatherFile, type WeatherFormat } from './weather-csv.js'
export { flagsFromDescription, fahrenheitToCelsius, noWeatherFlags, type WeatherFlags } from './weather-conditions.js'
export { hoursOfDays, temperatureAt, type WeatherDay } from './weather-daily.js'
export { fileSize, isGzip, readLines, type LineChunk } from './text-file.js'
export { addMonths, demoClusters, demoPickups, type ClusterKind, type DemoCluster, type DemoDataOptions } from './demo-data.js'
export { csvHeaderNames, splitCsvLine } from './csv-fields.js'
