import type { TopicConfig } from '../log/index.js'

/**
 * Koober's topics (see DESIGN.md). Keys decide partitions, so every event of one
 * driver, rider, ride or area stays in order on one partition.
 */
export const KOOBER_TOPICS: Readonly<Record<string, TopicConfig & { key: string; what: string }>> = {
  driver: { partitions: 4, key: 'driver id', what: 'driver position and status, route when a pickup starts' },
  rider: { partitions: 4, key: 'rider id', what: 'rider position and status' },
  rides: { partitions: 4, key: 'ride id', what: 'ride lifecycle: requested, accepted, picked up, completed, cancelled' },
  pickups: { partitions: 4, key: 'area cell', what: 'historical and demo pickups with time, place, weather' },
  'analytics-facts': { partitions: 4, key: 'area', what: 'facts of the analytics (requests, available drivers, waits, trips) on their way to the windows' },
  analytics: { partitions: 4, key: 'metric + area', what: 'window results' },
  'dead-letters': { partitions: 1, key: 'source topic', what: 'rejected input with the reason' },
}
