export { ANALYTICS_JOB, ANALYTICS_TABLE, ANALYTICS_TOPICS, CITYWIDE, cityAnalytics, decodeCityRecord, runCityAnalytics, toAnalyticsResult, type AnalyticsResult } from './city-analytics.js'
export { cityFacts, type CityFact, type CityInput } from './city-facts.js'
export { cityStats, type CityStats } from './city-stats.js'
