/**
 * The broker that test/run-tests.ts started for this run, as KOOBER_TEST_KAFKA.
 * Undefined when there is none, so Kafka tests skip; but with
 * KOOBER_REQUIRE_SERVICES=1 (CI) a missing broker throws, failing the file.
 */
export function kafkaTestBrokers(): string[] | undefined {
  const value = process.env.KOOBER_TEST_KAFKA
  if (value) return value.split(',')
  if (process.env.KOOBER_REQUIRE_SERVICES === '1') {
    throw new Error('KOOBER_REQUIRE_SERVICES=1 but KOOBER_TEST_KAFKA is not set: run the tests with `npm test`, which starts Kafka')
  }
  return undefined
}
