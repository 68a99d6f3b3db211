import { Command } from 'commander'
import { kafkaStatus, startKafka, stopKafka, type KafkaStatus } from '../../infra/index.js'
import { dataDirOption, integerArg, type LogOptions } from '../options.js'

interface KafkaCommandOptions extends LogOptions {
  port?: number
  controllerPort?: number
  json?: boolean
}

function describeStatus(status: KafkaStatus): string {
  if (status.external) return `a Kafka broker not started from this data directory answers on ${status.address}`
  if (!status.running) return `Kafka is not running (would listen on ${status.address}; log ${status.logFile})`
  const state = status.answering ? 'up' : 'starting (not answering yet)'
  return `Kafka${status.version ? ` ${status.version}` : ''} is ${state} on ${status.address} (pid ${status.pid}, log ${status.logFile})`
}

function kafkaCommand(): Command {
  const kafka = new Command('kafka').description('a local single-node Apache Kafka broker (KRaft), assembled from Maven Central and run with the JDK')
  const withOptions = (command: Command): Command =>
    command
      .option('--port <port>', 'client port (default: the last one used for this data directory, else 9092)', integerArg(1, 65_535))
      .option('--controller-port <port>', 'KRaft controller port (default: port + 1)', integerArg(1, 65_535))
      .addOption(dataDirOption())

  withOptions(kafka.command('start'))
    .description('start the broker (its data under <data-dir>/kafka) and wait until it answers; does nothing if it already runs')
    .action(async (options: KafkaCommandOptions) => {
      const status = await startKafka({ ...options, onProgress: (line) => process.stderr.write(`${line}\n`) })
      process.stdout.write(`${describeStatus(status)}\nUse it with: npx koober topics list --kafka ${status.address}\n`)
    })

  withOptions(kafka.command('stop'))
    .description('stop the broker of this data directory (SIGTERM, then SIGKILL after 30 s)')
    .action(async (options: KafkaCommandOptions) => {
      const result = await stopKafka({ ...options, onProgress: (line) => process.stderr.write(`${line}\n`) })
      process.stdout.write(result.stopped ? `Kafka (pid ${result.pid}) stopped\n` : 'Kafka was not running\n')
    })

  withOptions(kafka.command('status'))
    .description('whether the broker runs and answers, where, and where its log is')
    .option('--json', 'print one JSON object')
    .action(async (options: KafkaCommandOptions) => {
      const status = await kafkaStatus(options)
      process.stdout.write(options.json ? `${JSON.stringify(status)}\n` : `${describeStatus(status)}\n`)
    })

  return kafka
}

export function infraCommand(): Command {
  return new Command('infra').description('run real servers on this machine for tests and local clusters').addCommand(kafkaCommand())
}
