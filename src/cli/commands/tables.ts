import { Command } from 'commander'
import { cassandraOption, dataDirOption, integerArg, openStore, type StoreOptions } from '../options.js'
import { LineWriter } from '../output.js'

export function tablesCommand(): Command {
  const tables = new Command('tables').description('look into the store: SQLite in the data directory, or Cassandra with --cassandra')

  tables
    .command('list')
    .description('table names, one per line')
    .addOption(dataDirOption())
    .addOption(cassandraOption())
    .action(async (options: StoreOptions) => {
      const store = await openStore(options, { readOnly: true })
      try {
        for (const name of await store.listTables()) process.stdout.write(`${name}\n`)
      } finally {
        await store.close()
      }
    })

  tables
    .command('count')
    .description('the number of rows in a table')
    .argument('<name>', 'table name')
    .addOption(dataDirOption())
    .addOption(cassandraOption())
    .action(async (name: string, options: StoreOptions) => {
      const store = await openStore(options, { readOnly: true })
      try {
        process.stdout.write(`${await store.count(name)}\n`)
      } finally {
        await store.close()
      }
    })

  tables
    .command('scan')
    .description('the rows of a table as JSON lines (blobs as base64)')
    .argument('<name>', 'table name')
    .option('--limit <n>', 'stop after this many rows', integerArg(1))
    .addOption(dataDirOption())
    .addOption(cassandraOption())
    .action(async (name: string, options: StoreOptions & { limit?: number }) => {
      const store = await openStore(options, { readOnly: true })
      const out = new LineWriter(process.stdout)
      try {
        let page: string | undefined
        let printed = 0
        do {
          const left = options.limit === undefined ? 1000 : Math.min(1000, options.limit - printed)
          const result = await store.scan(name, { limit: left, ...(page ? { page } : {}) })
          let text = ''
          for (const row of result.rows) text += `${JSON.stringify(row, (_key, value: unknown) => (isBufferJson(value) ? Buffer.from(value.data).toString('base64') : value))}\n`
          printed += result.rows.length
          if (!(await out.write(text))) break
          page = result.nextPage
        } while (page && (options.limit === undefined || printed < options.limit))
      } finally {
        await store.close()
      }
    })

  return tables
}

/** JSON.stringify turns a Buffer into { type: 'Buffer', data } before a replacer sees it. */
function isBufferJson(value: unknown): value is { type: 'Buffer'; data: number[] } {
  return value !== null && typeof value === 'object' && (value as { type?: unknown }).type === 'Buffer' && Array.isArray((value as { data?: unknown }).data)
}
