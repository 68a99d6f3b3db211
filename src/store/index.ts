/**
 * Tables over two backends: SQLite on one machine (`openSqliteStore`) and
 * Apache Cassandra on a cluster (`openCassandraStore`), behind one `Store` interface.
 */
export type * from './store.js'
export { openSqliteStore, SqliteStore, type SqliteStoreOptions } from './sqlite-store.js'
export { CassandraStore, openCassandraStore, type CassandraReplication, type CassandraStoreOptions } from './cassandra-store.js'
