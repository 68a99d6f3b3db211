import { Command } from 'commander'
import { KOOBER_TOPICS } from '../../koober/topics.js'
import { startWebServer } from '../../web/server.js'
import { openKooberForecaster } from '../../koober/forecast/forecaster.js'
import { cassandraOption, dataDirOption, describeLog, kafkaOption, openLogForWriting, openStore, type LogOptions, type StoreOptions } from '../options.js'
import { untilSignal } from '../signals.js'
import { webOptions, webServerOptions, type WebFlags } from '../web-options.js'

/** Koober's topics the web role writes and reads (analytics: read, for the dashboard). */
export const WEB_TOPICS = ['driver', 'rider', 'rides', 'analytics'] as const

export function webCommand(): Command {
  const command = new Command('web')
    .summary('run the web role alone: pages, WebSockets, REST API')
    .description(
      'the web role on its own (several copies may run on one Kafka cluster, each showing the same city): the rider and driver pages, ' +
        'their WebSockets (docs/protocol.md), the REST API (/api/openapi.json), the dashboard, the demand forecast (/forecast, from the store: ' +
        'SQLite in the data directory or --cassandra), /healthz and /metrics. Runs until Ctrl-C.',
    )
    .addOption(dataDirOption())
    .addOption(kafkaOption())
    .addOption(cassandraOption())
  for (const option of webOptions()) command.addOption(option)
  return command.action(async (options: LogOptions & StoreOptions & WebFlags) => {
    const log = await openLogForWriting(options)
    // The forecasts come from the store: the newest trained version, the pickups and the weather.
    const store = await openStore(options, { readOnly: false }).catch(async (err: unknown) => {
      await log.close()
      throw err
    })
    try {
      for (const topic of [...WEB_TOPICS, 'dead-letters']) await log.ensureTopic(topic, { partitions: KOOBER_TOPICS[topic]!.partitions })
      const server = await startWebServer({ log, forecaster: await openKooberForecaster(store), ...webServerOptions(options) })
      process.stdout.write(`Koober's web role is up at ${server.url} (log: ${describeLog(log, options)})\n`)
      await untilSignal()
      process.stdout.write('stopping: closing sockets and the server\n')
      await server.close()
    } finally {
      await store.close()
      await log.close()
    }
  })
}
