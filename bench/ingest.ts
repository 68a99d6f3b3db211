/**
 * Ingestion throughput: rows per second from the embedded log into the store
 * through `runMicroBatches` (one `events`-like row per record: topic,
 * partition, offset, key, value, timestamp), for SQLite and for Cassandra,
 * each beside a baseline measured in the same run on the same rows:
 * - SQLite: a prepared INSERT OR REPLACE loop in one transaction, with
 *   better-sqlite3 directly (same pragmas: WAL, synchronous NORMAL; same
 *   WITHOUT ROWID table), over rows already in memory;
 * - Cassandra: the driver's own `executeConcurrent` of the same prepared inserts.
 *
 *   npm run bench:ingest [-- --quick] [--records N] [--cassandra-records N]
 *                        [--max-records N] [--cassandra HOST:PORT] [--data-dir DIR]
 *
 * Cassandra is the node at --cassandra (default $KOOBER_CASSANDRA, else
 * 127.0.0.1:9042); when none answers there, it starts one with startCassandra
 * into --data-dir (default $KOOBER_DATA_DIR, else ./data) and leaves it
 * running (`npm run cassandra:stop` stops it). `--cassandra none` skips Cassandra.
 *
 * Progress on stderr; the last stdout line is one JSON object:
 * {"bench":"ingest","sqlite_rows_per_s":N,"sqlite_baseline_rows_per_s":N,"cassandra_rows_per_s":N,"cassandra_baseline_rows_per_s":N}
 * Goals: SQLite >= 200,000 rows/s and >= 0.7 x its baseline; Cassandra >= 20,000 rows/s and >= 0.7 x its baseline.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import Database from 'better-sqlite3'
import cassandra from 'cassandra-driver'
import { DEFAULT_DATA_DIR } from '../src/cli/options.js'
import { runMicroBatches, type TableRow } from '../src/ingest/index.js'
import { CASSANDRA_DATA_CENTER, CASSANDRA_HOST, DEFAULT_CASSANDRA_PORT, probeCassandra, startCassandra } from '../src/infra/index.js'
import { openEmbeddedLog, type EmbeddedLog, type LogRecord, type ProducerRecord } from '../src/log/index.js'
import { openCassandraStore, openSqliteStore, type Store, type TableSchema } from '../src/store/index.js'

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    records: { type: 'string' },
    'cassandra-records': { type: 'string' },
    'max-records': { type: 'string', default: '10000' },
    cassandra: { type: 'string', default: process.env.KOOBER_CASSANDRA || `${CASSANDRA_HOST}:${DEFAULT_CASSANDRA_PORT}` },
    'data-dir': { type: 'string', default: process.env.KOOBER_DATA_DIR || DEFAULT_DATA_DIR },
  },
})
const sqliteRecords = Number(args.records ?? (args.quick ? 300_000 : 2_000_000))
const cassandraRecords = Number(args['cassandra-records'] ?? (args.quick ? 60_000 : 400_000))
const maxRecords = Number(args['max-records'])
for (const [name, value] of [['records', sqliteRecords], ['cassandra-records', cassandraRecords], ['max-records', maxRecords]] as const) {
  if (!Number.isSafeInteger(value) || value <= 0) {
    console.error(`--${name} takes a positive integer, got ${value}`)
    process.exit(2)
  }
}

const TOPIC = 'bench'
const PARTITIONS = 4
const progress = (line: string): void => void process.stderr.write(`${line}\n`)
const rate = (rows: number, ms: number): number => Math.round(rows / (ms / 1000))

const eventsTable = (name: string): TableSchema => ({
  name,
  columns: { topic: 'text', partition: 'int', offset: 'bigint', key: 'text', value: 'text', timestamp: 'timestamp' },
  partitionKey: ['topic', 'partition'],
  clusteringKey: ['offset'],
})

/** The row of one record, as Koober's `events` archive. */
const eventRow = (record: LogRecord): Record<string, unknown> => ({
  topic: record.topic,
  partition: record.partition,
  offset: record.offset,
  key: record.key?.toString('utf8') ?? null,
  value: record.value.toString('utf8'),
  timestamp: record.timestamp,
})

/** A fresh data directory with `count` driver-like records (about 120 bytes of JSON each) in TOPIC. */
async function fillLog(dir: string, count: number): Promise<EmbeddedLog> {
  const log = await openEmbeddedLog({ dataDir: dir })
  await log.ensureTopic(TOPIC, { partitions: PARTITIONS })
  await log.ensureTopic('dead-letters', { partitions: 1 })
  const started = Date.now()
  for (let from = 0; from < count; from += 50_000) {
    const records: ProducerRecord[] = []
    for (let i = from; i < Math.min(count, from + 50_000); i++) {
      const id = `driver-${i % 1000}`
      records.push({ key: id, value: JSON.stringify({ driverId: id, position: { lat: 40.7 + (i % 97) / 1e4, lon: -74 + (i % 89) / 1e4 }, status: 'available', time: 1_700_000_000_000 + i }) })
    }
    await log.append(TOPIC, records)
  }
  progress(`  appended ${count} records in ${Date.now() - started} ms`)
  return log
}

/** All records of TOPIC, for the baselines (read before the clock starts). */
async function readAll(log: EmbeddedLog): Promise<LogRecord[]> {
  const consumer = await log.consumer({ topics: [TOPIC], maxPollRecords: 100_000 })
  const all: LogRecord[] = []
  for (let batch = await consumer.poll({ timeoutMs: 0 }); batch.length > 0; batch = await consumer.poll({ timeoutMs: 0 })) all.push(...batch)
  await consumer.close()
  return all
}

/** Ingests TOPIC into `table` of `store` through runMicroBatches; returns rows and ms, after checking the count. */
async function ingest(log: EmbeddedLog, store: Store, table: string, group: string, expected: number): Promise<{ rows: number; ms: number; batches: number }> {
  const toRows = (record: LogRecord): TableRow[] => [{ table, row: eventRow(record) }]
  const started = performance.now()
  const totals = await runMicroBatches({ log, store, topics: [TOPIC], group, toRows, maxRecords, intervalMs: 1000, untilCaughtUp: true })
  const ms = performance.now() - started
  if (totals.rows !== expected) throw new Error(`ingested ${totals.rows} rows, expected ${expected}`)
  const counted = await store.count(table)
  if (counted !== expected) throw new Error(`${table} holds ${counted} rows, expected ${expected}`)
  progress(`  ${totals.batches} batches`)
  return { rows: totals.rows, ms, batches: totals.batches }
}

async function benchSqlite(root: string): Promise<{ ingest: number; baseline: number }> {
  progress(`sqlite: ${sqliteRecords} records`)
  const log = await fillLog(join(root, 'sqlite-log'), sqliteRecords)
  try {
    const store = openSqliteStore({ dataDir: join(root, 'sqlite-store') })
    await store.createTable(eventsTable('events'))
    const measured = await ingest(log, store, 'events', 'bench-sqlite', sqliteRecords)
    await store.close()
    const ingestRate = rate(measured.rows, measured.ms)
    progress(`  runMicroBatches: ${ingestRate} rows/s (${Math.round(measured.ms)} ms)`)

    const rows = (await readAll(log)).map(eventRow)
    const db = new Database(join(root, 'baseline.sqlite'))
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = NORMAL')
    db.exec(
      'CREATE TABLE events ("topic" TEXT, "partition" INTEGER, "offset" INTEGER, "key" TEXT, "value" TEXT, "timestamp" INTEGER, PRIMARY KEY ("topic", "partition", "offset")) WITHOUT ROWID',
    )
    const insert = db.prepare('INSERT OR REPLACE INTO events ("topic", "partition", "offset", "key", "value", "timestamp") VALUES (?, ?, ?, ?, ?, ?)')
    const insertAll = db.transaction((list: Array<Record<string, unknown>>) => {
      for (const r of list) insert.run(r.topic, r.partition, r.offset, r.key, r.value, r.timestamp)
    })
    const started = performance.now()
    insertAll(rows)
    const ms = performance.now() - started
    const count = (db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n
    db.close()
    if (count !== sqliteRecords) throw new Error(`baseline holds ${count} rows, expected ${sqliteRecords}`)
    const baseline = rate(rows.length, ms)
    progress(`  baseline (prepared insert loop, one transaction): ${baseline} rows/s (${Math.round(ms)} ms)`)
    return { ingest: ingestRate, baseline }
  } finally {
    await log.close()
  }
}

async function ensureCassandra(address: string): Promise<string> {
  const [host, portText] = address.split(':')
  const port = Number(portText ?? DEFAULT_CASSANDRA_PORT)
  const probe = await probeCassandra(host!, port)
  if (probe.state === 'ready') return address
  if (probe.state !== 'refused') throw new Error(`something at ${address} is not a usable Cassandra node (${probe.state}: ${probe.reason})`)
  progress(`cassandra: none answers at ${address}; starting one in ${args['data-dir']} (it stays up; npm run cassandra:stop)`)
  const started = Date.now()
  const status = await startCassandra({ dataDir: args['data-dir'], port, onProgress: (line) => progress(`  [cassandra] ${line}`) })
  progress(`  started in ${Math.round((Date.now() - started) / 1000)} s`)
  return status.address
}

async function benchCassandra(root: string): Promise<{ ingest: number; baseline: number }> {
  const address = await ensureCassandra(args.cassandra)
  progress(`cassandra at ${address}: ${cassandraRecords} records`)
  const keyspace = 'koober_bench'
  const suffix = Date.now().toString(36)
  const table = `events_${suffix}`
  const baselineTable = `baseline_${suffix}`
  const log = await fillLog(join(root, 'cassandra-log'), cassandraRecords)
  const store = await openCassandraStore({ contactPoints: [address], keyspace, localDataCenter: CASSANDRA_DATA_CENTER })
  const client = new cassandra.Client({ contactPoints: [address], localDataCenter: CASSANDRA_DATA_CENTER, keyspace })
  try {
    await store.createTable(eventsTable(table))
    await store.createTable(eventsTable(baselineTable))
    // Warm up both paths (connections, prepared statements), then measure.
    await store.upsert(baselineTable, [{ topic: 'warm', partition: 0, offset: 0, key: null, value: '', timestamp: 0 }])
    const measured = await ingest(log, store, table, 'bench-cassandra', cassandraRecords)
    const ingestRate = rate(measured.rows, measured.ms)
    progress(`  runMicroBatches: ${ingestRate} rows/s (${Math.round(measured.ms)} ms)`)

    const rows = (await readAll(log)).map(eventRow)
    await client.connect()
    const query = `INSERT INTO "${baselineTable}" ("topic", "partition", "offset", "key", "value", "timestamp") VALUES (?, ?, ?, ?, ?, ?)`
    await client.execute(query, ['warm', 0, 0, null, '', new Date(0)], { prepare: true })
    const params = rows.map((r) => [r.topic, r.partition, cassandra.types.Long.fromNumber(r.offset as number), r.key, r.value, new Date(r.timestamp as number)])
    const started = performance.now()
    await cassandra.concurrent.executeConcurrent(client, query, params, { concurrencyLevel: 100, raiseOnFirstError: true })
    const ms = performance.now() - started
    const baseline = rate(rows.length, ms)
    progress(`  baseline (driver executeConcurrent, prepared, 100 in flight): ${baseline} rows/s (${Math.round(ms)} ms)`)
    for (const name of [table, baselineTable]) await client.execute(`DROP TABLE IF EXISTS "${name}"`).catch(() => undefined)
    await client.execute(`DELETE FROM koober_tables WHERE "name" IN ('${table}', '${baselineTable}')`).catch(() => undefined)
    return { ingest: ingestRate, baseline }
  } finally {
    await client.shutdown()
    await store.close()
    await log.close()
  }
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'koober-bench-ingest-'))
  try {
    const sqlite = await benchSqlite(root)
    const cass = args.cassandra === 'none' ? undefined : await benchCassandra(root)
    const result = {
      bench: 'ingest',
      sqlite_rows_per_s: sqlite.ingest,
      sqlite_baseline_rows_per_s: sqlite.baseline,
      cassandra_rows_per_s: cass?.ingest ?? null,
      cassandra_baseline_rows_per_s: cass?.baseline ?? null,
    }
    const goals = [
      `sqlite >= 200000: ${sqlite.ingest >= 200_000}`,
      `sqlite >= 0.7 x baseline: ${sqlite.ingest >= 0.7 * sqlite.baseline} (${(sqlite.ingest / sqlite.baseline).toFixed(2)})`,
      ...(cass ? [`cassandra >= 20000: ${cass.ingest >= 20_000}`, `cassandra >= 0.7 x baseline: ${cass.ingest >= 0.7 * cass.baseline} (${(cass.ingest / cass.baseline).toFixed(2)})`] : []),
    ]
    progress(`goals: ${goals.join('; ')}`)
    process.stdout.write(`${JSON.stringify(result)}\n`)
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
  process.exit(1)
})
