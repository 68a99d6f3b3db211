import { describe } from 'node:test'
import { eventLogContract } from '../testing/event-log-contract.js'
import { kafkaTestBrokers } from '../testing/kafka-test-brokers.js'
import { openKafkaLog } from './kafka-log.js'

const brokers = kafkaTestBrokers()
if (brokers) {
  eventLogContract('kafka', { open: () => openKafkaLog({ brokers, sessionTimeoutMs: 6_000 }) })
} else {
  describe('EventLog contract: kafka', { skip: 'no broker (KOOBER_TEST_KAFKA is not set)' }, () => {})
}
