/**
 * Tables declared once, in Cassandra's data model (a partition key, clustering
 * columns that order the rows of a partition), so one declaration maps onto
 * both backends: SQLite on one machine, Apache Cassandra on a cluster. Code
 * above the store never knows which one it runs on.
 */

export type ColumnType = 'text' | 'int' | 'bigint' | 'double' | 'boolean' | 'timestamp' | 'blob' | 'json'

/** A value as the store hands it back: `bigint` and `timestamp` columns come back as numbers (safe up to 2^53). */
export type ColumnValue = string | number | boolean | Buffer | null | unknown

export type Row = Record<string, ColumnValue>

export interface TableSchema {
  /** Letters, digits and `_`, starting with a letter (valid in both SQLite and CQL). */
  name: string
  columns: Record<string, ColumnType>
  /** The columns that choose a row's partition (Cassandra spreads partitions over nodes). */
  partitionKey: string[]
  /** The columns that order rows within a partition; with the partition key, they identify a row. */
  clusteringKey?: string[]
  /** The order of the clustering columns (default ascending). */
  clusteringOrder?: 'asc' | 'desc'
}

export interface WriteOptions {
  /** Rows expire after this many seconds. */
  ttlSeconds?: number
  /** Cassandra's consistency level for this write (default LOCAL_QUORUM); SQLite ignores it. */
  consistency?: ConsistencyLevel
}

export type ConsistencyLevel = 'ONE' | 'TWO' | 'THREE' | 'QUORUM' | 'ALL' | 'LOCAL_QUORUM' | 'EACH_QUORUM' | 'LOCAL_ONE'

export interface ReadOptions {
  consistency?: ConsistencyLevel
}

export interface Range {
  /** A clustering column (the first one, or a later one with the earlier ones fixed in `partition`). */
  column: string
  gt?: ColumnValue
  gte?: ColumnValue
  lt?: ColumnValue
  lte?: ColumnValue
}

export interface QueryOptions extends ReadOptions {
  /** The full partition key, and optionally leading clustering columns fixed to values. */
  partition: Row
  range?: Range
  /** Clustering order (default: the table's), or its reverse. */
  order?: 'asc' | 'desc'
  /** Rows per page (default 1000). */
  limit?: number
  /** Where the previous page stopped (its `nextPage`). */
  page?: string
}

export interface Page {
  rows: Row[]
  /** Present when more rows follow: pass it as `page` for the next ones. */
  nextPage?: string
}

export interface Store {
  readonly backend: 'sqlite' | 'cassandra'
  /** Creates the table unless it exists (idempotent); an existing table of another shape is an error. */
  createTable(schema: TableSchema): Promise<void>
  listTables(): Promise<string[]>
  /** Inserts or replaces rows by primary key; one transaction (SQLite) or unlogged batches per partition (Cassandra). */
  upsert(table: string, rows: Row[], options?: WriteOptions): Promise<void>
  /** The row with this primary key, or undefined. */
  get(table: string, key: Row, options?: ReadOptions): Promise<Row | undefined>
  /** Rows of one partition, in clustering order, a page at a time. */
  query(table: string, options: QueryOptions): Promise<Page>
  /**
   * Deletes the rows under a key: a whole partition (its partition key), or
   * the rows of one (partition key and leading clustering columns), as CQL's
   * DELETE does. Deleting what is not there is no error.
   */
  delete(table: string, key: Row): Promise<void>
  /** Every row of a table, a page at a time, in no particular order. */
  scan(table: string, options?: ReadOptions & { limit?: number; page?: string }): Promise<Page>
  count(table: string): Promise<number>
  close(): Promise<void>
}
