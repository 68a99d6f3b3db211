/**
 * The Cassandra node that test/run-tests.ts started for this run, as
 * KOOBER_TEST_CASSANDRA (`host:port`, or several joined by commas).
 * Undefined when there is none, so Cassandra tests skip; but with
 * KOOBER_REQUIRE_SERVICES=1 (CI) a missing node throws, failing the file.
 */
export function cassandraTestContactPoints(): string[] | undefined {
  const value = process.env.KOOBER_TEST_CASSANDRA
  if (value) return value.split(',')
  if (process.env.KOOBER_REQUIRE_SERVICES === '1') {
    throw new Error('KOOBER_REQUIRE_SERVICES=1 but KOOBER_TEST_CASSANDRA is not set: run the tests with `npm test`, which starts Cassandra')
  }
  return undefined
}
