export {
  ANALYTICS_TABLE,
  ANALYTICS_TOPICS,
  CITYWIDE,
  cityAnalytics,
  decodeCityRecord,
  FACTS_JOB,
  FACTS_TOPIC,
  runCityAnalytics,
  toAnalyticsResult,
  WINDOWS_JOB,
  type AnalyticsResult,
  type CityAnalyticsTotals,
} from './city-analytics.js'
export { cityFacts, type CityFact, type CityInput } from './city-facts.js'
export { cityStats, type CityStats } from './city-stats.js'
