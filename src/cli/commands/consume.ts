import { Command } from 'commander'
import type { Consumer, EventLog, LogRecord, TopicPartitionOffset } from '../../log/index.js'
import { LineWriter } from '../output.js'
import { dataDirOption, kafkaOption, integerArg, openLogForReading, type LogOptions } from '../options.js'

interface ConsumeOptions extends LogOptions {
  group?: string
  fromBeginning?: boolean
  follow?: boolean
  max?: number
}

export function consumeCommand(): Command {
  return new Command('consume')
    .summary('print the records of a topic as JSON lines')
    .description(
      'print records as JSON lines {"topic","partition","offset","timestamp","key","value","headers"}; ' +
        'works beside a running `koober start`. With --group it commits what it printed.',
    )
    .argument('<topic>', 'topic to read')
    .option('--group <group>', 'read as a member of this consumer group, resuming from and committing its offsets')
    .option('--from-beginning', 'start from the oldest record when there is no committed offset (default: only new records)')
    .option('--follow', 'keep waiting for new records (Ctrl-C to stop) instead of exiting at the end of the log')
    .option('--max <n>', 'stop after printing this many records', integerArg(1))
    .addOption(dataDirOption())
    .addOption(kafkaOption())
    .action(async (topic: string, options: ConsumeOptions) => {
      const log = await openLogForReading(options)
      try {
        await consumeToStdout(log, topic, options, new LineWriter(process.stdout))
      } finally {
        await log.close()
      }
    })
}

function recordLine(record: LogRecord): string {
  const headers: Record<string, string> = {}
  for (const name in record.headers) headers[name] = record.headers[name]!.toString('utf8')
  return JSON.stringify({
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    timestamp: record.timestamp,
    key: record.key === null ? null : record.key.toString('utf8'),
    value: record.value.toString('utf8'),
    headers,
  })
}

/**
 * Prints records until the end of the log as it was when the command started
 * (or forever with --follow, until SIGINT/SIGTERM), committing with --group
 * the offsets of what reached standard output.
 */
export async function consumeToStdout(log: EventLog, topic: string, options: ConsumeOptions, out: LineWriter): Promise<number> {
  const ends = new Map((await log.describeTopic(topic)).partitions.map((p) => [p.partition, p.endOffset]))
  const consumer: Consumer = await log.consumer({
    topics: [topic],
    ...(options.group !== undefined ? { group: options.group } : {}),
    from: options.fromBeginning ? 'earliest' : 'latest',
  })
  const stop = new AbortController()
  const onSignal = (): void => stop.abort()
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  // Without --follow: done once every partition is read up to where it ended when the command started.
  const reachedEnds = (): boolean =>
    consumer.assignment().every((p) => (consumer.position(p) ?? 0) >= (ends.get(p.partition) ?? 0))
  let printed = 0
  let first = true
  try {
    while (!stop.signal.aborted && !out.closed) {
      const remaining = options.max === undefined ? Infinity : options.max - printed
      if (remaining <= 0) break
      let records = await consumer.poll({
        // The first poll returns at once: it fixes where reading starts, after which --follow says it is following.
        timeoutMs: options.follow && !first ? 1000 : 0,
        maxRecords: Math.min(remaining, 10_000),
        signal: stop.signal,
      })
      if (first && options.follow) process.stderr.write(`koober: following ${topic} (Ctrl-C to stop)\n`)
      first = false
      if (!options.follow) {
        if (records.length === 0) break
        records = records.filter((r) => r.offset < (ends.get(r.partition) ?? 0))
      }
      if (records.length === 0) {
        if (!options.follow && reachedEnds()) break
        continue
      }
      let text = ''
      const next = new Map<number, number>()
      for (const record of records) {
        text += `${recordLine(record)}\n`
        next.set(record.partition, record.offset + 1)
      }
      if (!(await out.write(text))) break
      printed += records.length
      if (options.group !== undefined) {
        const offsets: TopicPartitionOffset[] = [...next].map(([partition, offset]) => ({ topic, partition, offset }))
        await consumer.commit(offsets)
      }
      if (!options.follow && reachedEnds()) break
    }
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    await consumer.close()
  }
  return printed
}
