import type { WeatherConditions } from '../types.js'

/** The original Koober model's weather flags, without the temperature. */
export type WeatherFlags = Omit<WeatherConditions, 'temperature'>

export function noWeatherFlags(): WeatherFlags {
  return { clear: false, fog: false, rain: false, snow: false, hail: false, thunder: false, tornado: false }
}

/**
 * A weather description in words (OpenWeatherMap's, as in the shared hourly
 * file: `clear sky`, `light rain`, `thunderstorm`, ...) as the original's
 * flags, by the words it contains:
 *
 * - clear: `clear` (a clear sky; clouds, overcast, haze and dust set no flag)
 * - fog: `fog` or `mist` (mist is thin fog: both cut visibility near the ground;
 *   haze and dust are dry particles and are not fog)
 * - rain: `rain`, `drizzle` or `shower`
 * - snow: `snow` or `sleet`
 * - hail: `hail`
 * - thunder: `thunder` (a thunderstorm; rain is flagged only if it says so)
 * - tornado: `tornado` or `funnel`
 *
 * @example
 * ```ts
 * flagsFromDescription('light rain') // { clear: false, fog: false, rain: true, snow: false, ... }
 * ```
 */
export function flagsFromDescription(description: string): WeatherFlags {
  const text = description.trim().toLowerCase()
  const has = (...words: string[]): boolean => words.some((word) => text.includes(word))
  return {
    clear: has('clear'),
    fog: has('fog', 'mist'),
    rain: has('rain', 'drizzle', 'shower'),
    snow: has('snow', 'sleet'),
    hail: has('hail'),
    thunder: has('thunder'),
    tornado: has('tornado', 'funnel'),
  }
}

export function fahrenheitToCelsius(fahrenheit: number): number {
  return ((fahrenheit - 32) * 5) / 9
}
