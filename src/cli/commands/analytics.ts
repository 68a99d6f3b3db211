import { createWriteStream, existsSync } from 'node:fs'
import { once } from 'node:events'
import { Command } from 'commander'
import { kooberError } from '../../errors.js'
import { ANALYTICS_TOPICS, cityAnalytics, decodeCityRecord, FACTS_TOPIC, runCityAnalytics, toAnalyticsResult, type CityInput } from '../../koober/analytics/index.js'
import { fileLines, Sink } from '../../streams/index.js'
import { cassandraOption, dataDirOption, describeLog, kafkaOption, type LogOptions, type StoreOptions } from '../options.js'
import { runStoreRole } from '../store-role.js'

interface AnalyticsOptions extends LogOptions, StoreOptions {
  once?: boolean
}

export function analyticsCommand(): Command {
  const command = new Command('analytics')
    .summary("run Koober's real-time analytics (demand, supply, waits, trips per area)")
    .description(
      "Koober's analytics job: from the driver and rides topics, per area and citywide, in 1-minute windows (and the pickup wait in 5-minute " +
        'sliding windows): ride requests, available drivers and their ratio, the pickup wait (mean, 90th percentile), trips completed with their ' +
        'duration and distance. Results go to the analytics table and topic. It runs as two jobs, facts (into the analytics-facts topic, keyed ' +
        'by area) and windows, each with state per partition checkpointed into the store: a restart resumes exactly where the last checkpoints ' +
        'left off, and several copies (on Kafka) split the partitions and take over those of a copy that stops. Runs until Ctrl-C, or with ' +
        '--once to the end of the log.',
    )
    .option('--once', 'process what the log holds now, fire every window, and exit')
    .addOption(dataDirOption())
    .addOption(kafkaOption())
    .addOption(cassandraOption())
    .action(async (options: AnalyticsOptions) => {
      const totals = await runStoreRole(options, [...ANALYTICS_TOPICS, FACTS_TOPIC, 'analytics', 'dead-letters'], async (log, store, signal) => {
        process.stderr.write(`analytics: ${ANALYTICS_TOPICS.join(', ')} from ${describeLog(log, options)} into the ${store.backend} store and the analytics topic${options.once ? ' (once)' : ''}\n`)
        return runCityAnalytics({ log, store, signal, untilCaughtUp: options.once ?? false, onCheckpoint: checkpointReport() })
      })
      process.stdout.write(`${JSON.stringify(totals)}\n`)
    })
  command
    .command('run')
    .summary('run the analytics over a file of events, to a file of results (a bounded input)')
    .description(
      'the same analytics over a finite input: --input holds JSON lines as `koober consume driver` and `koober consume rides` print them ' +
        '({"topic","partition","value",...}); every window fires at the end, and --output gets one JSON line per result (the final firing of ' +
        'each area and window). Batch is stream processing on a finite stream.',
    )
    .requiredOption('--input <file>', 'JSON lines of driver and rides records')
    .requiredOption('--output <file>', 'where the results go (JSON lines; replaced)')
    .action(async (options: { input: string; output: string }) => {
      if (!existsSync(options.input)) throw kooberError('KOOBER_CLI_INPUT', `no such file: ${options.input}`)
      let line = 0
      const input = fileLines(options.input).map((text): CityInput => {
        line++
        let record: { topic?: unknown; partition?: unknown; offset?: unknown; value?: unknown }
        try {
          record = JSON.parse(text) as typeof record
        } catch (err) {
          throw kooberError('KOOBER_CLI_INPUT', `${options.input}:${line}: not JSON: ${(err as Error).message}`)
        }
        if (typeof record.topic !== 'string' || typeof record.value !== 'string') {
          throw kooberError('KOOBER_CLI_INPUT', `${options.input}:${line}: expected {"topic": "driver"|"rides", "value": "<event JSON>", ...} as koober consume prints`)
        }
        try {
          return decodeCityRecord(record.topic, record.value, `${record.topic}/${String(record.partition ?? 0)}`, typeof record.offset === 'number' ? record.offset : line)
        } catch (err) {
          throw kooberError('KOOBER_CLI_INPUT', `${options.input}:${line}: ${(err as Error).message}`)
        }
      })
      const finals = new Map<string, string>()
      const counted = await cityAnalytics(input, { restored: {}, bounded: true }).runWith(
        Sink.fold(0, (n, element) => {
          if (element.kind === 'record') {
            const result = toAnalyticsResult(element.value)
            finals.set(result.id, JSON.stringify(result))
          }
          return n + (element.kind === 'late' ? 1 : 0)
        }),
      ).result
      const out = createWriteStream(options.output)
      for (const text of finals.values()) if (!out.write(`${text}\n`)) await once(out, 'drain')
      out.end()
      await once(out, 'finish')
      process.stderr.write(`analytics run: ${line} events, ${finals.size} results to ${options.output}${counted > 0 ? `, ${counted} facts later than the allowed lateness` : ''}\n`)
    })
  return command
}

/** One line a minute at most: each partition of each job checkpoints every 10 s. */
function checkpointReport(): (job: string, partition: string, id: number) => void {
  const latest = new Map<string, number>()
  let toldAt = 0
  return (job, partition, id) => {
    latest.set(`${job} ${partition}`, id)
    if (Date.now() - toldAt < 60_000) return
    toldAt = Date.now()
    process.stderr.write(`analytics: ${latest.size} partitions checkpointed (${[...latest].map(([at, n]) => `${at.split(' ')[1]}#${n}`).join(' ')})\n`)
  }
}
