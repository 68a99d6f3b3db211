import { Command } from 'commander'
import { DEFAULT_TOPIC_CONFIG, MAX_PARTITIONS } from '../../log/index.js'
import { dataDirOption, describeLog, kafkaOption, integerArg, openLogForReading, openLogForWriting, type LogOptions } from '../options.js'

interface CreateOptions extends LogOptions {
  partitions: number
  segmentBytes?: number
  retentionMs?: number
  retentionBytes?: number
  maxRecordBytes?: number
}

export function topicsCommand(): Command {
  const topics = new Command('topics').description('create, list and describe topics')

  topics
    .command('create')
    .description('create a topic with a fixed number of partitions')
    .argument('<name>', "topic name: letters, digits, '.', '_' or '-'")
    .option('--partitions <n>', 'number of partitions', integerArg(1, MAX_PARTITIONS), 1)
    .option('--segment-bytes <n>', `roll segment files past this size (default ${DEFAULT_TOPIC_CONFIG.segmentBytes})`, integerArg(1024))
    .option('--retention-ms <n>', `delete segments older than this, -1 for never (default ${DEFAULT_TOPIC_CONFIG.retentionMs})`, integerArg(-1))
    .option('--retention-bytes <n>', 'delete the oldest segments past this size per partition, -1 for never (default -1)', integerArg(-1))
    .option('--max-record-bytes <n>', `largest record accepted (default ${DEFAULT_TOPIC_CONFIG.maxRecordBytes})`, integerArg(1))
    .addOption(dataDirOption())
    .addOption(kafkaOption())
    .action(async (name: string, options: CreateOptions) => {
      const log = await openLogForWriting(options)
      try {
        await log.createTopic(name, {
          partitions: options.partitions,
          segmentBytes: options.segmentBytes,
          retentionMs: options.retentionMs,
          retentionBytes: options.retentionBytes,
          maxRecordBytes: options.maxRecordBytes,
        })
        process.stdout.write(`created topic ${name} with ${options.partitions} partition${options.partitions === 1 ? '' : 's'} in ${describeLog(log, options)}\n`)
      } finally {
        await log.close()
      }
    })

  topics
    .command('list')
    .description('list topic names, one per line')
    .addOption(dataDirOption())
    .addOption(kafkaOption())
    .action(async (options: LogOptions) => {
      const log = await openLogForReading(options)
      try {
        for (const name of await log.listTopics()) process.stdout.write(`${name}\n`)
      } finally {
        await log.close()
      }
    })

  topics
    .command('describe')
    .description("show a topic's configuration and each partition's offsets and size")
    .argument('<name>', 'topic name')
    .option('--json', 'print one JSON object instead of a table')
    .addOption(dataDirOption())
    .addOption(kafkaOption())
    .action(async (name: string, options: LogOptions & { json?: boolean }) => {
      const log = await openLogForReading(options)
      try {
        const description = await log.describeTopic(name)
        if (options.json) {
          process.stdout.write(`${JSON.stringify(description)}\n`)
          return
        }
        const { config } = description
        process.stdout.write(
          `topic ${name}: ${config.partitions} partitions, segment ${config.segmentBytes} B, ` +
            `retention ${config.retentionMs < 0 ? 'forever' : `${config.retentionMs} ms`}` +
            `${config.retentionBytes < 0 ? '' : ` or ${config.retentionBytes} B`}, max record ${config.maxRecordBytes} B\n`,
        )
        const rows = [['partition', 'start', 'end', 'records', 'bytes', 'segments']]
        for (const p of description.partitions) {
          rows.push([p.partition, p.startOffset, p.endOffset, p.endOffset - p.startOffset, p.sizeBytes, p.segments ?? '-'].map(String))
        }
        const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)))
        for (const row of rows) process.stdout.write(`${row.map((cell, i) => cell.padStart(widths[i]!)).join('  ')}\n`)
      } finally {
        await log.close()
      }
    })

  return topics
}
