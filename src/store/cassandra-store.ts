import cassandra from 'cassandra-driver'
import { isKooberError, kooberError, type KooberError } from '../errors.js'
import { checkLimit, checkRow, decodePage, encodePage, keyPrefixConditions, partitionConditions, primaryKey, validateSchema } from './schema.js'
import type { ColumnType, ConsistencyLevel, Page, QueryOptions, ReadOptions, Row, Store, TableSchema, WriteOptions } from './store.js'

const { Client, policies, types } = cassandra

export type CassandraReplication =
  | { class: 'SimpleStrategy'; replicationFactor: number }
  | { class: 'NetworkTopologyStrategy'; dataCenters: Record<string, number> }

export interface CassandraStoreOptions {
  /** `host:port` (or `host`, port 9042) of one or more nodes; the driver finds the rest of the cluster. */
  contactPoints: string[]
  /** The data center this process sits in: token-aware routing prefers its nodes (default `datacenter1`). */
  localDataCenter?: string
  /** Created when missing (default `koober`). */
  keyspace?: string
  /** The keyspace's replication when this call creates it (default SimpleStrategy, factor 1). An existing keyspace keeps its own. */
  replication?: CassandraReplication
  /** The consistency level of operations that do not name one (default LOCAL_QUORUM). */
  consistency?: ConsistencyLevel
  /** Milliseconds a connection may take (default 5000). */
  connectTimeoutMs?: number
}

const CQL_TYPES: Record<ColumnType, string> = {
  text: 'text',
  int: 'int',
  bigint: 'bigint',
  double: 'double',
  boolean: 'boolean',
  timestamp: 'timestamp',
  blob: 'blob',
  json: 'text',
}

const CONSISTENCIES: Record<ConsistencyLevel, number> = {
  ONE: types.consistencies.one,
  TWO: types.consistencies.two,
  THREE: types.consistencies.three,
  QUORUM: types.consistencies.quorum,
  ALL: types.consistencies.all,
  LOCAL_QUORUM: types.consistencies.localQuorum,
  EACH_QUORUM: types.consistencies.eachQuorum,
  LOCAL_ONE: types.consistencies.localOne,
}

const NAME = /^[a-zA-Z][a-zA-Z0-9_]{0,47}$/

/**
 * Rows per unlogged batch. Cassandra warns above 5 KiB of batch
 * (batch_size_warn_threshold) and refuses above 50 KiB, so a batch also
 * closes once its estimated size passes BATCH_BYTES; a single larger row goes alone.
 */
const BATCH_ROWS = 100
const BATCH_BYTES = 4 * 1024
/** Partitions written at the same time by one upsert. */
const WRITE_CONCURRENCY = 16
/** Rows asked of the node per round trip while reading a page. */
const FETCH_SIZE = 5000

interface Table {
  schema: TableSchema
  columns: string[]
  key: string[]
  clustering: string[]
  /** `"ks"."table"` */
  ref: string
  select: string
  insert: string
  insertTtl: string
  get: string
}

const quote = (name: string): string => `"${name}"`

/**
 * Connects to Apache Cassandra and makes the keyspace unless it exists. A node
 * that cannot be reached is KOOBER_STORE_IO naming the contact points.
 */
export async function openCassandraStore(options: CassandraStoreOptions): Promise<CassandraStore> {
  const keyspace = options.keyspace ?? 'koober'
  if (!NAME.test(keyspace)) throw kooberError('KOOBER_INVALID_ARGUMENT', `keyspace ${JSON.stringify(keyspace)}: a letter then up to 47 letters, digits or _`)
  if (!Array.isArray(options.contactPoints) || options.contactPoints.length === 0) {
    throw kooberError('KOOBER_INVALID_ARGUMENT', 'openCassandraStore needs contactPoints, e.g. ["127.0.0.1:9042"]')
  }
  const replication = replicationCql(options.replication ?? { class: 'SimpleStrategy', replicationFactor: 1 })
  const consistency = consistencyOf(options.consistency ?? 'LOCAL_QUORUM')
  const localDataCenter = options.localDataCenter ?? 'datacenter1'
  const client = new Client({
    contactPoints: options.contactPoints,
    localDataCenter,
    policies: {
      // Token-aware: a prepared statement's routing key (the partition key) picks a replica as coordinator.
      loadBalancing: new policies.loadBalancing.TokenAwarePolicy(new policies.loadBalancing.DCAwareRoundRobinPolicy(localDataCenter)),
    },
    queryOptions: { consistency, prepare: true },
    socketOptions: { connectTimeout: options.connectTimeoutMs ?? 5000 },
  })
  const where = options.contactPoints.join(',')
  try {
    await client.connect()
  } catch (err) {
    await client.shutdown().catch(() => undefined)
    throw kooberError('KOOBER_STORE_IO', `opening the store: cannot reach Apache Cassandra at ${where} (${(err as Error).message}); is it running? (npx koober infra cassandra start)`, err)
  }
  try {
    await client.execute(`CREATE KEYSPACE IF NOT EXISTS ${quote(keyspace)} WITH replication = ${replication}`, [], { prepare: false })
    await client.execute(
      `CREATE TABLE IF NOT EXISTS ${quote(keyspace)}.koober_tables ("name" text PRIMARY KEY, "schema" text)`,
      [],
      { prepare: false },
    )
  } catch (err) {
    await client.shutdown().catch(() => undefined)
    throw kooberError('KOOBER_STORE_IO', `opening the store: creating keyspace ${keyspace} at ${where}: ${(err as Error).message}`, err)
  }
  return new CassandraStore(client, keyspace, where, consistency)
}

function replicationCql(replication: CassandraReplication): string {
  const bad = (why: string): never => {
    throw kooberError('KOOBER_INVALID_ARGUMENT', `replication: ${why}`)
  }
  const factor = (n: unknown, what: string): number => (Number.isSafeInteger(n) && (n as number) >= 1 ? (n as number) : bad(`${what} must be a positive whole number, got ${String(n)}`))
  if (replication?.class === 'SimpleStrategy') {
    return `{'class': 'SimpleStrategy', 'replication_factor': ${factor(replication.replicationFactor, 'replicationFactor')}}`
  }
  if (replication?.class === 'NetworkTopologyStrategy') {
    const dcs = Object.entries(replication.dataCenters ?? {})
    if (dcs.length === 0) bad('NetworkTopologyStrategy needs dataCenters, e.g. { dc1: 3 }')
    const parts = dcs.map(([dc, n]) => {
      if (!/^[A-Za-z0-9_.-]+$/.test(dc)) bad(`data center name ${JSON.stringify(dc)}`)
      return `'${dc}': ${factor(n, `the factor of ${dc}`)}`
    })
    return `{'class': 'NetworkTopologyStrategy', ${parts.join(', ')}}`
  }
  return bad(`class is SimpleStrategy or NetworkTopologyStrategy, got ${JSON.stringify((replication as { class?: unknown })?.class)}`)
}

function consistencyOf(level: ConsistencyLevel | undefined): number {
  const value = level === undefined ? undefined : CONSISTENCIES[level]
  if (value === undefined) throw kooberError('KOOBER_INVALID_ARGUMENT', `consistency must be one of ${Object.keys(CONSISTENCIES).join(', ')}, got ${JSON.stringify(level)}`)
  return value
}

/**
 * The store on a cluster: Apache Cassandra through the official driver, with
 * prepared statements (the driver prepares each statement text once per node
 * and caches it), token-aware routing, unlogged batches grouped by partition,
 * and per-operation consistency. Declarations live in `koober_tables` in the
 * keyspace (name → declaration JSON), as in the SQLite store.
 */
export class CassandraStore implements Store {
  readonly backend = 'cassandra' as const
  private tables = new Map<string, Table>()
  private closed = false

  constructor(
    private readonly client: cassandra.Client,
    readonly keyspace: string,
    /** The contact points, for messages. */
    readonly contactPoints: string,
    private readonly consistency: number,
  ) {}

  async createTable(schema: TableSchema): Promise<void> {
    this.assertOpen()
    validateSchema(schema)
    const declared = JSON.stringify(schema)
    const ks = quote(this.keyspace)
    const known = this.tables.get(schema.name)
    if (known) {
      if (JSON.stringify(known.schema) === declared) return
      throw kooberError('KOOBER_STORE_SCHEMA_MISMATCH', `table ${schema.name} exists with another declaration: ${JSON.stringify(known.schema)}`)
    }
    // A lightweight transaction: of two processes declaring the same name at once, one wins and the other compares.
    const claimed = await this.run(`creating table ${schema.name}`, `INSERT INTO ${ks}.koober_tables ("name", "schema") VALUES (?, ?) IF NOT EXISTS`, [schema.name, declared], {})
    const first = claimed.first()
    if (first && first['[applied]'] === false && first['schema'] !== declared) {
      throw kooberError('KOOBER_STORE_SCHEMA_MISMATCH', `table ${schema.name} exists with another declaration: ${String(first['schema'])}`)
    }
    // Also when the declaration was there: a process that stopped between the two statements left no table.
    const columns = Object.entries(schema.columns).map(([name, type]) => `${quote(name)} ${CQL_TYPES[type]}`)
    const clustering = schema.clusteringKey ?? []
    const key = `(${schema.partitionKey.map(quote).join(', ')})${clustering.map((c) => `, ${quote(c)}`).join('')}`
    const order = clustering.length > 0 ? ` WITH CLUSTERING ORDER BY (${clustering.map((c) => `${quote(c)} ${(schema.clusteringOrder ?? 'asc').toUpperCase()}`).join(', ')})` : ''
    await this.run(`creating table ${schema.name}`, `CREATE TABLE IF NOT EXISTS ${ks}.${quote(schema.name)} (${columns.join(', ')}, PRIMARY KEY (${key}))${order}`, [], { prepare: false })
    this.tables.set(schema.name, this.prepareTable(schema))
  }

  async listTables(): Promise<string[]> {
    this.assertOpen()
    const result = await this.run('listing tables', `SELECT "name" FROM ${quote(this.keyspace)}.koober_tables`, [], {})
    return result.rows.map((r) => r['name'] as string).sort()
  }

  /** A declared table, with its statements. */
  private async table(name: string): Promise<Table> {
    const known = this.tables.get(name)
    if (known) return known
    if (typeof name !== 'string' || !NAME.test(name)) throw kooberError('KOOBER_STORE_UNKNOWN_TABLE', `unknown table ${JSON.stringify(name)} in keyspace ${this.keyspace}`)
    const stored = (await this.run(`reading table ${name}`, `SELECT "schema" FROM ${quote(this.keyspace)}.koober_tables WHERE "name" = ?`, [name], {})).first()
    if (!stored) throw kooberError('KOOBER_STORE_UNKNOWN_TABLE', `unknown table ${JSON.stringify(name)} in keyspace ${this.keyspace}`)
    const table = this.prepareTable(JSON.parse(stored['schema'] as string) as TableSchema)
    this.tables.set(name, table)
    return table
  }

  private prepareTable(schema: TableSchema): Table {
    const columns = Object.keys(schema.columns)
    const key = primaryKey(schema)
    const ref = `${quote(this.keyspace)}.${quote(schema.name)}`
    const list = columns.map(quote).join(', ')
    const holes = columns.map(() => '?').join(', ')
    const select = `SELECT ${list} FROM ${ref}`
    return {
      schema,
      columns,
      key,
      clustering: schema.clusteringKey ?? [],
      ref,
      select,
      // Every column is bound (null when absent), so an upsert replaces the whole row as in SQLite.
      insert: `INSERT INTO ${ref} (${list}) VALUES (${holes})`,
      insertTtl: `INSERT INTO ${ref} (${list}) VALUES (${holes}) USING TTL ?`,
      get: `${select} WHERE ${key.map((k) => `${quote(k)} = ?`).join(' AND ')}`,
    }
  }

  /**
   * Writes rows grouped by partition: each partition's rows go in unlogged
   * batches (one mutation per replica set, atomic within the partition),
   * several partitions at a time. Missing columns are written as null, which
   * in Cassandra is a tombstone per null cell.
   */
  async upsert(name: string, rows: Row[], options: WriteOptions = {}): Promise<void> {
    this.assertOpen()
    const table = await this.table(name)
    if (!Array.isArray(rows)) throw kooberError('KOOBER_STORE_INVALID_ROW', `upsert into ${name} takes an array of rows`)
    rows.forEach((row, i) => checkRow(table.schema, row, i))
    const ttl = options.ttlSeconds
    if (ttl !== undefined && !(Number.isFinite(ttl) && ttl > 0)) throw kooberError('KOOBER_INVALID_ARGUMENT', `ttlSeconds must be positive, got ${ttl}`)
    // Cassandra's TTL is whole seconds: a fraction rounds up, so a row never expires early.
    const ttlSeconds = ttl === undefined ? undefined : Math.ceil(ttl)
    const consistency = options.consistency === undefined ? this.consistency : consistencyOf(options.consistency)
    const { columns, schema } = table
    const query = ttlSeconds === undefined ? table.insert : table.insertTtl
    const partitions = new Map<string, Array<{ query: string; params: unknown[]; bytes: number }>>()
    for (const row of rows) {
      const params = columns.map((c) => toCql(schema.columns[c]!, row[c]))
      if (ttlSeconds !== undefined) params.push(ttlSeconds)
      const id = JSON.stringify(schema.partitionKey.map((c) => row[c]))
      const list = partitions.get(id) ?? []
      list.push({ query, params, bytes: estimateBytes(params) })
      partitions.set(id, list)
    }
    const batches: Array<Array<{ query: string; params: unknown[] }>> = []
    for (const list of partitions.values()) {
      let batch: Array<{ query: string; params: unknown[] }> = []
      let bytes = 0
      for (const statement of list) {
        if (batch.length > 0 && (batch.length >= BATCH_ROWS || bytes + statement.bytes > BATCH_BYTES)) {
          batches.push(batch)
          batch = []
          bytes = 0
        }
        batch.push(statement)
        bytes += statement.bytes
      }
      if (batch.length > 0) batches.push(batch)
    }
    const what = `upsert into ${name}`
    await forEachConcurrently(batches, WRITE_CONCURRENCY, async (batch) => {
      if (batch.length === 1) await this.run(what, batch[0]!.query, batch[0]!.params, { consistency })
      else {
        try {
          await this.client.batch(batch, { prepare: true, logged: false, consistency })
        } catch (err) {
          throw this.translate(err, what)
        }
      }
    })
  }

  async get(name: string, key: Row, options: ReadOptions = {}): Promise<Row | undefined> {
    this.assertOpen()
    const table = await this.table(name)
    checkRow(table.schema, key, 0, true)
    const values = table.key.map((k) => toCql(table.schema.columns[k]!, key[k]))
    const result = await this.run(`reading ${name}`, table.get, values, { consistency: this.readConsistency(options) })
    const row = result.first()
    return row ? fromCql(table, row) : undefined
  }

  /**
   * Rows of one partition. Pages are key-based, like SQLite's: the marker holds
   * the clustering values of a page's last row, and the next page starts after
   * them with a multi-column (tuple) restriction. So a marker is plain data
   * that stays valid across reconnects and nodes, and asking LIMIT n + 1 tells
   * for sure whether more rows follow (no empty last page, as a driver pageState
   * would give when the rows end exactly at a page boundary).
   */
  async delete(name: string, key: Row): Promise<void> {
    this.assertOpen()
    const table = await this.table(name)
    const { where, params } = keyPrefixConditions(table.schema, key, toCql, quote)
    await this.run(`deleting from ${name}`, `DELETE FROM ${table.ref} WHERE ${where.join(' AND ')}`, params, {})
  }

  async query(name: string, options: QueryOptions): Promise<Page> {
    this.assertOpen()
    const table = await this.table(name)
    const { schema, clustering } = table
    const limit = checkLimit(options.limit)
    const consistency = this.readConsistency(options)
    const { where, params } = partitionConditions(schema, options.partition, toCql, quote)
    let fixed = 0
    while (fixed < clustering.length && options.partition[clustering[fixed]!] !== undefined) fixed++
    for (const column of Object.keys(options.partition)) {
      if (!schema.partitionKey.includes(column) && !clustering.slice(0, fixed).includes(column)) {
        throw kooberError('KOOBER_INVALID_ARGUMENT', `query on ${name}: ${column} is not a partition key or leading clustering column`)
      }
    }
    const prefix = clustering.slice(0, fixed)
    const prefixValues = prefix.map((c) => toCql(schema.columns[c]!, options.partition[c]))
    const rest = clustering.slice(fixed)
    let lower: Bound | undefined
    let upper: Bound | undefined
    if (options.range) {
      const { column } = options.range
      if (column !== clustering[fixed]) {
        throw kooberError('KOOBER_INVALID_ARGUMENT', `query on ${name}: a range is on the next clustering column (${clustering[fixed] ?? 'none'}), not ${column}`)
      }
      const type = schema.columns[column]!
      const bound = (op: 'gt' | 'gte' | 'lt' | 'lte'): unknown => (options.range![op] === undefined ? undefined : toCql(type, options.range![op]))
      lower = tighter(bound('gt'), bound('gte'), 1)
      upper = tighter(bound('lt'), bound('lte'), -1)
    }
    const natural = schema.clusteringOrder ?? 'asc'
    const order = options.order ?? natural
    if (order !== 'asc' && order !== 'desc') throw kooberError('KOOBER_INVALID_ARGUMENT', `order must be asc or desc, got ${JSON.stringify(order)}`)
    const tuple = (columns: string[]): string => `(${columns.map(quote).join(', ')})`
    const holes = (n: number): string => `(${Array.from({ length: n }, () => '?').join(', ')})`
    if (options.page && rest.length > 0) {
      const last = decodePage(options.page, rest.length).map((v, i) => toCql(schema.columns[rest[i]!]!, v))
      // CQL refuses single-column and tuple restrictions on clustering columns in one query, so with a
      // marker every clustering restriction is a tuple: the marker replaces the bound on the side it
      // came from (its row was within it), the fixed columns ride in front of both tuples.
      const start = order === 'asc' ? '>' : '<'
      where.push(`${tuple([...prefix, ...rest])} ${start} ${holes(fixed + rest.length)}`)
      params.push(...prefixValues, ...last)
      const end = order === 'asc' ? upper : lower
      if (end) {
        where.push(`${tuple([...prefix, rest[0]!])} ${end.op} ${holes(fixed + 1)}`)
        params.push(...prefixValues, end.value)
      } else if (fixed > 0) {
        where.push(`${tuple(prefix)} ${order === 'asc' ? '<=' : '>='} ${holes(fixed)}`)
        params.push(...prefixValues)
      }
    } else {
      prefix.forEach((c, i) => {
        where.push(`${quote(c)} = ?`)
        params.push(prefixValues[i])
      })
      for (const bound of [lower, upper]) {
        if (!bound) continue
        where.push(`${quote(options.range!.column)} ${bound.op} ?`)
        params.push(bound.value)
      }
    }
    const orderBy = order !== natural && clustering.length > 0 ? ` ORDER BY ${clustering.map((c) => `${quote(c)} ${order.toUpperCase()}`).join(', ')}` : ''
    const found = await this.fetch(`querying ${name}`, `${table.select} WHERE ${where.join(' AND ')}${orderBy} LIMIT ?`, params, limit + 1, consistency)
    const rows = found.slice(0, limit).map((row) => fromCql(table, row))
    if (found.length <= limit || rest.length === 0) return { rows }
    const lastRow = rows[rows.length - 1]!
    return { rows, nextPage: encodePage(rest.map((c) => lastRow[c])) }
  }

  /**
   * Every row, in token order then clustering order. The marker is the full
   * key of a page's last row: the next page is the rest of that partition,
   * then the partitions of greater tokens (`token(pk) > token(?)`), so each
   * page reads only what it returns.
   */
  async scan(name: string, options: ReadOptions & { limit?: number; page?: string } = {}): Promise<Page> {
    this.assertOpen()
    const table = await this.table(name)
    const { schema, clustering, key } = table
    const limit = checkLimit(options.limit)
    const consistency = this.readConsistency(options)
    const pk = schema.partitionKey
    const found: cassandra.types.Row[] = []
    let after: unknown[] = []
    if (options.page) {
      const last = decodePage(options.page, key.length).map((v, i) => toCql(schema.columns[key[i]!]!, v))
      const lastPartition = last.slice(0, pk.length)
      if (clustering.length > 0) {
        const natural = schema.clusteringOrder ?? 'asc'
        const cql = `${table.select} WHERE ${pk.map((c) => `${quote(c)} = ?`).join(' AND ')} AND (${clustering.map(quote).join(', ')}) ${natural === 'asc' ? '>' : '<'} (${clustering.map(() => '?').join(', ')}) LIMIT ?`
        found.push(...(await this.fetch(`scanning ${name}`, cql, last, limit + 1, consistency)))
      }
      after = lastPartition
    }
    if (found.length <= limit) {
      const tokenOf = `token(${pk.map(quote).join(', ')})`
      const cql = options.page ? `${table.select} WHERE ${tokenOf} > token(${pk.map(() => '?').join(', ')}) LIMIT ?` : `${table.select} LIMIT ?`
      found.push(...(await this.fetch(`scanning ${name}`, cql, after, limit + 1 - found.length, consistency)))
    }
    const rows = found.slice(0, limit).map((row) => fromCql(table, row))
    if (found.length <= limit) return { rows }
    const lastRow = rows[rows.length - 1]!
    return { rows, nextPage: encodePage(key.map((c) => lastRow[c])) }
  }

  /**
   * SELECT count(*) reads every partition of the table on every token range:
   * its cost grows with the table (a full scan, coordinated by one node), so it
   * suits tests and small tables, not a hot path. The timeout is raised for it.
   */
  async count(name: string, options: ReadOptions = {}): Promise<number> {
    this.assertOpen()
    const table = await this.table(name)
    const result = await this.run(`counting ${name}`, `SELECT count(*) AS n FROM ${table.ref}`, [], { consistency: this.readConsistency(options), readTimeout: 120_000 })
    return (result.first()?.['n'] as cassandra.types.Long).toNumber()
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.client.shutdown()
  }

  /** Up to `max` rows of a statement ending in `LIMIT ?`, following the driver's pages. */
  private async fetch(what: string, query: string, params: unknown[], max: number, consistency: number): Promise<cassandra.types.Row[]> {
    const rows: cassandra.types.Row[] = []
    let pageState: string | undefined
    do {
      const result = await this.run(what, query, [...params, max], { consistency, fetchSize: Math.min(max, FETCH_SIZE), ...(pageState ? { pageState } : {}) })
      rows.push(...result.rows)
      pageState = result.pageState ?? undefined
    } while (pageState && rows.length < max)
    return rows.slice(0, max)
  }

  private async run(what: string, query: string, params: unknown[], options: cassandra.QueryOptions): Promise<cassandra.types.ResultSet> {
    try {
      return await this.client.execute(query, params, { prepare: true, consistency: this.consistency, ...options })
    } catch (err) {
      throw this.translate(err, what)
    }
  }

  private translate(err: unknown, what: string): KooberError {
    if (isKooberError(err)) return err
    const message = (err as Error)?.message ?? String(err)
    if (err instanceof cassandra.errors.ResponseError && err.code === types.responseErrorCodes.invalid) {
      return kooberError('KOOBER_INVALID_ARGUMENT', `${what}: ${message}`, err)
    }
    if (err instanceof cassandra.errors.NoHostAvailableError || err instanceof cassandra.errors.OperationTimedOutError) {
      return kooberError('KOOBER_STORE_IO', `${what}: cannot reach Apache Cassandra at ${this.contactPoints} (${message}); is it running? (npx koober infra cassandra start)`, err)
    }
    return kooberError('KOOBER_STORE_IO', `${what}: ${message}`, err)
  }

  private readConsistency(options: ReadOptions): number {
    return options.consistency === undefined ? this.consistency : consistencyOf(options.consistency)
  }

  private assertOpen(): void {
    // The same code as the SQLite store for a closed store.
    if (this.closed) throw kooberError('KOOBER_STORE_CLOSED', `the store (keyspace ${this.keyspace} at ${this.contactPoints}) is closed`)
  }
}

/** Of two bounds on one side (gt and gte, say), the tighter one; `side` 1 for lower bounds, -1 for upper. */
interface Bound {
  op: '>' | '>=' | '<' | '<='
  value: unknown
}

function tighter(strict: unknown, inclusive: unknown, side: 1 | -1): Bound | undefined {
  const strictOp = side === 1 ? '>' : '<'
  const inclusiveOp = side === 1 ? '>=' : '<='
  if (strict === undefined) return inclusive === undefined ? undefined : { op: inclusiveOp, value: inclusive }
  if (inclusive === undefined) return { op: strictOp, value: strict }
  // Both given: the strict bound wins unless the inclusive one is further in.
  return compare(inclusive, strict) * side > 0 ? { op: inclusiveOp, value: inclusive } : { op: strictOp, value: strict }
}

function compare(a: unknown, b: unknown): number {
  const plain = (v: unknown): unknown => (v instanceof types.Long ? v.toNumber() : v instanceof Date ? v.getTime() : v)
  const x = plain(a)
  const y = plain(b)
  if (Buffer.isBuffer(x) && Buffer.isBuffer(y)) return Buffer.compare(x, y)
  return (x as number) < (y as number) ? -1 : (x as number) > (y as number) ? 1 : 0
}

function estimateBytes(params: unknown[]): number {
  let bytes = 16
  for (const value of params) {
    if (typeof value === 'string') bytes += Buffer.byteLength(value) + 4
    else if (Buffer.isBuffer(value)) bytes += value.length + 4
    else bytes += 12
  }
  return bytes
}

async function forEachConcurrently<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  let failed: unknown
  const worker = async (): Promise<void> => {
    while (next < items.length && failed === undefined) {
      const item = items[next++]!
      try {
        await work(item)
      } catch (err) {
        failed ??= err
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker))
  if (failed !== undefined) throw failed
}

function toCql(type: ColumnType, value: unknown): unknown {
  if (value === undefined || value === null) return null
  switch (type) {
    case 'bigint':
      return types.Long.fromNumber(value as number)
    case 'timestamp':
      return new Date(value as number)
    case 'json':
      return JSON.stringify(value)
    default:
      return value
  }
}

function fromCql(table: Table, raw: cassandra.types.Row): Row {
  const row: Row = {}
  for (const column of table.columns) {
    const value = raw[column] as unknown
    const type = table.schema.columns[column]!
    if (value === null || value === undefined) row[column] = null
    else if (type === 'bigint') row[column] = (value as cassandra.types.Long).toNumber()
    else if (type === 'timestamp') row[column] = (value as Date).getTime()
    else if (type === 'json') row[column] = JSON.parse(value as string)
    else row[column] = value
  }
  return row
}
