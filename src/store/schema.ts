import { kooberError } from '../errors.js'
import type { ColumnType, Row, TableSchema } from './store.js'

const NAME = /^[a-zA-Z][a-zA-Z0-9_]{0,47}$/
const TYPES: readonly ColumnType[] = ['text', 'int', 'bigint', 'double', 'boolean', 'timestamp', 'blob', 'json']
/** Names the backends keep for themselves. */
const RESERVED = new Set(['expires_at', 'koober_tables'])

/** Checks a table declaration; a bad one is KOOBER_STORE_INVALID_SCHEMA naming what is wrong. */
export function validateSchema(schema: TableSchema): void {
  const fail = (why: string): never => {
    throw kooberError('KOOBER_STORE_INVALID_SCHEMA', `table ${JSON.stringify(schema?.name)}: ${why}`)
  }
  if (!schema || typeof schema !== 'object') fail('a table declaration is an object')
  if (typeof schema.name !== 'string' || !NAME.test(schema.name) || RESERVED.has(schema.name.toLowerCase())) {
    fail('a table name is a letter then up to 47 letters, digits or _')
  }
  const columns = Object.entries(schema.columns ?? {})
  if (columns.length === 0) fail('it needs columns')
  for (const [column, type] of columns) {
    if (!NAME.test(column) || RESERVED.has(column.toLowerCase())) fail(`column name ${JSON.stringify(column)} is not allowed`)
    if (!TYPES.includes(type)) fail(`column ${column} has unknown type ${JSON.stringify(type)}; use ${TYPES.join(', ')}`)
  }
  if (!Array.isArray(schema.partitionKey) || schema.partitionKey.length === 0) fail('it needs a partition key')
  const keys = [...schema.partitionKey, ...(schema.clusteringKey ?? [])]
  for (const key of keys) {
    if (!(key in schema.columns)) fail(`key column ${JSON.stringify(key)} is not one of its columns`)
    if (schema.columns[key] === 'json') fail(`key column ${key} cannot be json`)
  }
  if (new Set(keys).size !== keys.length) fail('a column appears twice in its keys')
  if (schema.clusteringOrder !== undefined && schema.clusteringOrder !== 'asc' && schema.clusteringOrder !== 'desc') {
    fail(`clusteringOrder must be asc or desc`)
  }
}

export function primaryKey(schema: TableSchema): string[] {
  return [...schema.partitionKey, ...(schema.clusteringKey ?? [])]
}

function invalid(table: string, why: string): Error {
  return kooberError('KOOBER_STORE_INVALID_ROW', `table ${table}: ${why}`)
}

/** Whether `value` fits a column of `type` (null fits every non-key column). */
function fits(type: ColumnType, value: unknown): boolean {
  switch (type) {
    case 'text':
      return typeof value === 'string'
    case 'int':
      return Number.isInteger(value) && (value as number) >= -(2 ** 31) && (value as number) < 2 ** 31
    case 'bigint':
    case 'timestamp':
      return Number.isSafeInteger(value)
    case 'double':
      return typeof value === 'number' && Number.isFinite(value)
    case 'boolean':
      return typeof value === 'boolean'
    case 'blob':
      return Buffer.isBuffer(value)
    case 'json':
      return value !== undefined
  }
}

/**
 * Checks a row against its table: every key column present and not null,
 * no unknown column, each value of its column's type; with `keyOnly` (a key
 * for `get`), nothing but primary key columns. Throws
 * KOOBER_STORE_INVALID_ROW naming the row and column.
 */
export function checkRow(schema: TableSchema, row: Row, index: number, keyOnly = false): void {
  if (!row || typeof row !== 'object') throw invalid(schema.name, `row ${index} is not an object`)
  const key = primaryKey(schema)
  for (const column of key) {
    const value = row[column]
    if (value === undefined || value === null) throw invalid(schema.name, `row ${index} has no value for key column ${column}`)
  }
  for (const column in row) {
    const type = schema.columns[column]
    if (type === undefined) throw invalid(schema.name, `row ${index} has unknown column ${JSON.stringify(column)}`)
    if (keyOnly && !key.includes(column)) throw invalid(schema.name, `a key names only primary key columns (${key.join(', ')}), not ${column}`)
    const value = row[column]
    if (value === null || value === undefined) continue
    if (!fits(type, value)) throw invalid(schema.name, `row ${index}: column ${column} takes ${type}, got ${JSON.stringify(value)?.slice(0, 80)}`)
  }
}

/** A page marker: the key values of the last row of a page, as text. */
export function encodePage(values: unknown[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url')
}

export function decodePage(page: string, length: number): unknown[] {
  try {
    // A blob key went into the marker as JSON's form of a Buffer: it comes back as a Buffer.
    const values = JSON.parse(Buffer.from(page, 'base64url').toString('utf8'), (_key, value: unknown) =>
      value !== null && typeof value === 'object' && (value as { type?: unknown }).type === 'Buffer' && Array.isArray((value as { data?: unknown }).data)
        ? Buffer.from((value as { data: number[] }).data)
        : value,
    ) as unknown
    if (Array.isArray(values) && values.length === length) return values
  } catch {
    // fall through
  }
  throw kooberError('KOOBER_INVALID_ARGUMENT', 'this page marker does not come from this query')
}

export function checkLimit(limit: number | undefined): number {
  const value = limit ?? 1000
  if (!Number.isSafeInteger(value) || value < 1) throw kooberError('KOOBER_INVALID_ARGUMENT', `limit must be a positive whole number, got ${limit}`)
  return value
}

/**
 * The `column = ?` conditions and values that pick a query's partition, with
 * each value encoded by the backend; a missing key column is KOOBER_INVALID_ARGUMENT.
 */
export function partitionConditions(
  schema: TableSchema,
  partition: Row,
  encode: (type: TableSchema['columns'][string], value: unknown) => unknown,
  quote: (column: string) => string,
): { where: string[]; params: unknown[] } {
  const where: string[] = []
  const params: unknown[] = []
  for (const column of schema.partitionKey) {
    const value = partition?.[column]
    if (value === undefined || value === null) throw kooberError('KOOBER_INVALID_ARGUMENT', `query on ${schema.name} needs partition key column ${column}`)
    where.push(`${quote(column)} = ?`)
    params.push(encode(schema.columns[column]!, value))
  }
  return { where, params }
}

/**
 * The WHERE of a key that names a partition and, optionally, leading
 * clustering columns (a delete's key): every partition key column, then
 * clustering columns in order while the key has them; any other column is
 * KOOBER_INVALID_ARGUMENT.
 */
export function keyPrefixConditions(
  schema: TableSchema,
  key: Row,
  encode: (type: TableSchema['columns'][string], value: unknown) => unknown,
  quote: (column: string) => string,
): { where: string[]; params: unknown[] } {
  const { where, params } = partitionConditions(schema, key, encode, quote)
  const clustering = schema.clusteringKey ?? []
  let fixed = 0
  while (fixed < clustering.length && key[clustering[fixed]!] !== undefined && key[clustering[fixed]!] !== null) {
    const column = clustering[fixed]!
    where.push(`${quote(column)} = ?`)
    params.push(encode(schema.columns[column]!, key[column]))
    fixed++
  }
  for (const column of Object.keys(key)) {
    if (!schema.partitionKey.includes(column) && !clustering.slice(0, fixed).includes(column)) {
      throw kooberError('KOOBER_INVALID_ARGUMENT', `delete from ${schema.name}: ${column} is not a partition key or leading clustering column`)
    }
  }
  return { where, params }
}
