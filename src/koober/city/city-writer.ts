import type { EventLog } from '../../log/index.js'
import type { DriverEvent, RideEvent, RiderEvent } from '../events.js'

/**
 * Puts Koober's events on the log, keyed as DESIGN.md says (driver id, rider
 * id, ride id), so every event of one driver, rider or ride stays in order
 * on one partition. A promise resolves once the log acknowledged the event.
 */
export class CityWriter {
  constructor(private readonly log: EventLog) {}

  driver(event: DriverEvent): Promise<void> {
    return this.append('driver', event.driverId, event)
  }

  rider(event: RiderEvent): Promise<void> {
    return this.append('rider', event.riderId, event)
  }

  ride(event: RideEvent): Promise<void> {
    return this.append('rides', event.rideId, event)
  }

  private async append(topic: string, key: string, event: object): Promise<void> {
    await this.log.append(topic, [{ key, value: JSON.stringify(event) }])
  }
}
