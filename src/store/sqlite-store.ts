import { mkdirSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import Database from 'better-sqlite3'
import { kooberError } from '../errors.js'
import { SqliteWriter, type WriteStatement } from './sqlite-writer.js'
import { checkLimit, checkRow, decodePage, encodePage, keyPrefixConditions, partitionConditions, primaryKey, validateSchema } from './schema.js'
import type { ColumnType, Page, QueryOptions, Row, Store, TableSchema, WriteOptions } from './store.js'

export interface SqliteStoreOptions {
  /** The data directory; the database is `<dataDir>/store.sqlite`. Or `path` for a file of your own. */
  dataDir?: string
  path?: string
  /** Open an existing database to read (another process writes it). */
  readOnly?: boolean
}

const SQL_TYPES: Record<ColumnType, string> = {
  text: 'TEXT',
  int: 'INTEGER',
  bigint: 'INTEGER',
  double: 'REAL',
  boolean: 'INTEGER',
  timestamp: 'INTEGER',
  blob: 'BLOB',
  json: 'TEXT',
}

/** How often expired rows are deleted (they are hidden from reads as soon as they expire). */
const PURGE_INTERVAL_MS = 60_000

interface Table {
  schema: TableSchema
  columns: string[]
  key: string[]
  types: ColumnType[]
  insert: string
  insertTtl: string
  get: Database.Statement
}

const quote = (name: string): string => `"${name}"`

/** Opens the SQLite store (WAL, so readers in other processes see committed writes while one process writes). */
export function openSqliteStore(options: SqliteStoreOptions): SqliteStore {
  const path = resolve(options.path ?? join(options.dataDir ?? './data', 'store.sqlite'))
  return new SqliteStore(path, options.readOnly ?? false)
}

/**
 * The store on one machine: SQLite through better-sqlite3, WAL mode, prepared
 * statements, one transaction per batch. Tables are `WITHOUT ROWID` with the
 * declared primary key, so rows of a partition sit together in key order as in
 * Cassandra. A TTL is an `expires_at` column that reads filter on.
 *
 * Reads run on the caller's connection; writes are validated and encoded
 * here, then run on a writer thread's connection (sqlite-writer.ts), one
 * transaction per call, in call order.
 */
export class SqliteStore implements Store {
  readonly backend = 'sqlite' as const
  private readonly db: Database.Database
  private readonly writer: SqliteWriter
  private tables = new Map<string, Table>()
  private purgeTimer: NodeJS.Timeout | undefined
  private closed = false

  constructor(
    readonly path: string,
    readonly readOnly: boolean,
  ) {
    try {
      if (!readOnly) mkdirSync(dirname(path), { recursive: true })
      this.db = new Database(path, { readonly: readOnly, fileMustExist: readOnly })
    } catch (err) {
      throw kooberError('KOOBER_STORE_IO', `cannot open the SQLite store ${path}: ${(err as Error).message}`, err)
    }
    this.writer = new SqliteWriter(path)
    if (!readOnly) {
      this.db.pragma('journal_mode = WAL')
      this.db.pragma('synchronous = NORMAL')
      this.db.exec('CREATE TABLE IF NOT EXISTS koober_tables (name TEXT PRIMARY KEY, schema TEXT NOT NULL) WITHOUT ROWID')
      this.purgeTimer = setInterval(() => void this.purgeExpired().catch(() => undefined), PURGE_INTERVAL_MS)
      this.purgeTimer.unref()
    }
  }

  async createTable(schema: TableSchema): Promise<void> {
    this.assertOpen()
    validateSchema(schema)
    const declared = JSON.stringify(schema)
    const existing = this.db.prepare('SELECT schema FROM koober_tables WHERE name = ?').get(schema.name) as { schema: string } | undefined
    if (existing) {
      if (existing.schema !== declared) {
        throw kooberError('KOOBER_STORE_SCHEMA_MISMATCH', `table ${schema.name} exists with another declaration: ${existing.schema}`)
      }
      this.table(schema.name)
      return
    }
    if (this.readOnly) throw kooberError('KOOBER_STORE_IO', `the store ${this.path} is open read-only: cannot create table ${schema.name}`)
    const columns = Object.entries(schema.columns).map(([name, type]) => `${quote(name)} ${SQL_TYPES[type]}`)
    const key = primaryKey(schema).map(quote).join(', ')
    // IF NOT EXISTS / OR IGNORE: another createTable may have won the race; the declaration check below settles it.
    await this.writer.write(
      [
        { sql: `CREATE TABLE IF NOT EXISTS ${quote(schema.name)} (${columns.join(', ')}, expires_at INTEGER, PRIMARY KEY (${key})) WITHOUT ROWID` },
        { sql: 'INSERT OR IGNORE INTO koober_tables (name, schema) VALUES (?, ?)', params: [schema.name, declared] },
      ],
      `creating table ${schema.name}`,
    )
    const stored = this.db.prepare('SELECT schema FROM koober_tables WHERE name = ?').get(schema.name) as { schema: string } | undefined
    if (stored?.schema !== declared) {
      throw kooberError('KOOBER_STORE_SCHEMA_MISMATCH', `table ${schema.name} exists with another declaration: ${stored?.schema}`)
    }
  }

  async listTables(): Promise<string[]> {
    this.assertOpen()
    return (this.db.prepare('SELECT name FROM koober_tables ORDER BY name').all() as Array<{ name: string }>).map((r) => r.name)
  }

  /** A declared table, with its prepared statements. */
  private table(name: string): Table {
    const known = this.tables.get(name)
    if (known) return known
    const stored = this.db.prepare('SELECT schema FROM koober_tables WHERE name = ?').get(name) as { schema: string } | undefined
    if (!stored) throw kooberError('KOOBER_STORE_UNKNOWN_TABLE', `unknown table ${JSON.stringify(name)} in ${this.path}`)
    const schema = JSON.parse(stored.schema) as TableSchema
    const columns = Object.keys(schema.columns)
    const key = primaryKey(schema)
    const list = columns.map(quote).join(', ')
    const holes = columns.map(() => '?').join(', ')
    const table: Table = {
      schema,
      columns,
      key,
      types: columns.map((c) => schema.columns[c]!),
      insert: `INSERT OR REPLACE INTO ${quote(name)} (${list}, expires_at) VALUES (${holes}, NULL)`,
      insertTtl: `INSERT OR REPLACE INTO ${quote(name)} (${list}, expires_at) VALUES (${holes}, ?)`,
      get: this.db.prepare(`SELECT * FROM ${quote(name)} WHERE ${key.map((k) => `${quote(k)} = ?`).join(' AND ')} AND (expires_at IS NULL OR expires_at > ?)`),
    }
    this.tables.set(name, table)
    return table
  }

  async upsert(name: string, rows: Row[], options: WriteOptions = {}): Promise<void> {
    this.assertWritable()
    const table = this.table(name)
    if (!Array.isArray(rows)) throw kooberError('KOOBER_STORE_INVALID_ROW', `upsert into ${name} takes an array of rows`)
    rows.forEach((row, i) => checkRow(table.schema, row, i))
    const ttl = options.ttlSeconds
    if (ttl !== undefined && !(Number.isFinite(ttl) && ttl > 0)) throw kooberError('KOOBER_INVALID_ARGUMENT', `ttlSeconds must be positive, got ${ttl}`)
    if (rows.length === 0) return
    const expiresAt = ttl === undefined ? undefined : Date.now() + ttl * 1000
    const { columns, types } = table
    const width = columns.length + (expiresAt === undefined ? 0 : 1)
    const params = new Array<unknown>(rows.length * width)
    let at = 0
    for (const row of rows) {
      for (let c = 0; c < columns.length; c++) params[at++] = toSql(types[c]!, row[columns[c]!])
      if (expiresAt !== undefined) params[at++] = expiresAt
    }
    const statement: WriteStatement = { sql: expiresAt === undefined ? table.insert : table.insertTtl, params, width }
    await this.writer.write([statement], `upsert into ${name}`)
  }

  async delete(name: string, key: Row): Promise<void> {
    this.assertWritable()
    const table = this.table(name)
    const { where, params } = keyPrefixConditions(table.schema, key, toSql, quote)
    await this.writer.write([{ sql: `DELETE FROM ${quote(name)} WHERE ${where.join(' AND ')}`, params }], `delete from ${name}`)
  }

  async get(name: string, key: Row): Promise<Row | undefined> {
    this.assertOpen()
    const table = this.table(name)
    checkRow(table.schema, key, 0, true)
    const values = table.key.map((k) => toSql(table.schema.columns[k]!, key[k]))
    const row = table.get.get(...values, Date.now()) as Record<string, unknown> | undefined
    return row && fromSql(table, row)
  }

  async query(name: string, options: QueryOptions): Promise<Page> {
    this.assertOpen()
    const table = this.table(name)
    const { schema } = table
    const limit = checkLimit(options.limit)
    const clustering = schema.clusteringKey ?? []
    const { where, params } = partitionConditions(schema, options.partition, toSql, quote)
    // Leading clustering columns fixed in `partition` narrow the slice, as in CQL.
    let fixed = 0
    while (fixed < clustering.length && options.partition[clustering[fixed]!] !== undefined) {
      const column = clustering[fixed]!
      where.push(`${quote(column)} = ?`)
      params.push(toSql(schema.columns[column]!, options.partition[column]))
      fixed++
    }
    for (const column of Object.keys(options.partition)) {
      if (!schema.partitionKey.includes(column) && !clustering.slice(0, fixed).includes(column)) {
        throw kooberError('KOOBER_INVALID_ARGUMENT', `query on ${name}: ${column} is not a partition key or leading clustering column`)
      }
    }
    if (options.range) {
      const { column } = options.range
      if (column !== clustering[fixed]) {
        throw kooberError('KOOBER_INVALID_ARGUMENT', `query on ${name}: a range is on the next clustering column (${clustering[fixed] ?? 'none'}), not ${column}`)
      }
      const type = schema.columns[column]!
      for (const [op, sql] of [['gt', '>'], ['gte', '>='], ['lt', '<'], ['lte', '<=']] as const) {
        const bound = options.range[op]
        if (bound === undefined) continue
        where.push(`${quote(column)} ${sql} ?`)
        params.push(toSql(type, bound))
      }
    }
    const natural = schema.clusteringOrder ?? 'asc'
    const order = options.order ?? natural
    const rest = clustering.slice(fixed)
    if (options.page && rest.length > 0) {
      const last = decodePage(options.page, rest.length)
      where.push(`(${rest.map(quote).join(', ')}) ${order === 'asc' ? '>' : '<'} (${rest.map(() => '?').join(', ')})`)
      params.push(...last.map((v, i) => toSql(schema.columns[rest[i]!]!, v)))
    }
    where.push('(expires_at IS NULL OR expires_at > ?)')
    params.push(Date.now())
    const orderBy = rest.length > 0 ? ` ORDER BY ${rest.map((c) => `${quote(c)} ${order.toUpperCase()}`).join(', ')}` : ''
    const sql = `SELECT * FROM ${quote(name)} WHERE ${where.join(' AND ')}${orderBy} LIMIT ?`
    const found = this.db.prepare(sql).all(...params, limit + 1) as Array<Record<string, unknown>>
    const rows = found.slice(0, limit).map((row) => fromSql(table, row))
    if (found.length <= limit || rest.length === 0) return { rows }
    const lastRow = rows[rows.length - 1]!
    return { rows, nextPage: encodePage(rest.map((c) => lastRow[c])) }
  }

  async scan(name: string, options: { limit?: number; page?: string } = {}): Promise<Page> {
    this.assertOpen()
    const table = this.table(name)
    const limit = checkLimit(options.limit)
    const key = table.key
    const where = ['(expires_at IS NULL OR expires_at > ?)']
    const params: unknown[] = [Date.now()]
    if (options.page) {
      const last = decodePage(options.page, key.length)
      where.push(`(${key.map(quote).join(', ')}) > (${key.map(() => '?').join(', ')})`)
      params.push(...last.map((v, i) => toSql(table.schema.columns[key[i]!]!, v)))
    }
    const sql = `SELECT * FROM ${quote(name)} WHERE ${where.join(' AND ')} ORDER BY ${key.map(quote).join(', ')} LIMIT ?`
    const found = this.db.prepare(sql).all(...params, limit + 1) as Array<Record<string, unknown>>
    const rows = found.slice(0, limit).map((row) => fromSql(table, row))
    if (found.length <= limit) return { rows }
    const lastRow = rows[rows.length - 1]!
    return { rows, nextPage: encodePage(key.map((c) => lastRow[c])) }
  }

  async count(name: string): Promise<number> {
    this.assertOpen()
    this.table(name)
    const row = this.db.prepare(`SELECT count(*) AS n FROM ${quote(name)} WHERE expires_at IS NULL OR expires_at > ?`).get(Date.now()) as { n: number }
    return row.n
  }

  /** Deletes rows whose TTL passed (reads already skip them). */
  async purgeExpired(now = Date.now()): Promise<number> {
    if (this.closed || this.readOnly) return 0
    const names = (this.db.prepare('SELECT name FROM koober_tables').all() as Array<{ name: string }>).map((r) => r.name)
    if (names.length === 0) return 0
    const statements = names.map((name) => ({ sql: `DELETE FROM ${quote(name)} WHERE expires_at IS NOT NULL AND expires_at <= ?`, params: [now] }))
    return this.writer.write(statements, 'purging expired rows')
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    if (this.purgeTimer) clearInterval(this.purgeTimer)
    await this.writer.close()
    this.db.close()
  }

  private assertOpen(): void {
    if (this.closed) throw kooberError('KOOBER_STORE_CLOSED', `the store ${this.path} is closed`)
  }

  private assertWritable(): void {
    this.assertOpen()
    if (this.readOnly) throw kooberError('KOOBER_STORE_IO', `the store ${this.path} is open read-only`)
  }
}

function toSql(type: ColumnType, value: unknown): unknown {
  if (value === undefined || value === null) return null
  switch (type) {
    case 'boolean':
      return value ? 1 : 0
    case 'json':
      return JSON.stringify(value)
    default:
      return value
  }
}

function fromSql(table: Table, raw: Record<string, unknown>): Row {
  const row: Row = {}
  for (const column of table.columns) {
    const value = raw[column]
    const type = table.schema.columns[column]!
    if (value === null || value === undefined) row[column] = null
    else if (type === 'boolean') row[column] = value === 1
    else if (type === 'json') row[column] = JSON.parse(value as string)
    else row[column] = value
  }
  return row
}
