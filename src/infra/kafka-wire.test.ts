import { describe, it } from 'node:test'
import { probeKafka } from './kafka-wire.js'
import { assertTellsPeersApart } from './testing/fake-peers.js'

describe('probeKafka', () => {
  it('tells a closed port from a silent program and from a program that is not Kafka', async (t) => {
    await assertTellsPeersApart(t, probeKafka, { state: 'not-kafka', reason: /does not speak Kafka/ })
  })
})
