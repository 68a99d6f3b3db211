import { Command } from 'commander'
import {
  cassandraStatus,
  kafkaStatus,
  startCassandra,
  startKafka,
  stopCassandra,
  stopKafka,
  type CassandraStatus,
  type KafkaStatus,
  type LocalServerStatus,
} from '../../infra/index.js'
import { dataDirOption, integerArg } from '../options.js'

interface ServerCommandOptions {
  dataDir: string
  port?: number
  json?: boolean
}

/** One server's `start`, `stop` and `status`: what differs between Kafka and Cassandra. */
interface ServerCli<Options extends ServerCommandOptions, Status extends LocalServerStatus> {
  /** The subcommand: "kafka". */
  command: string
  description: string
  /** For messages: "Kafka", "broker". */
  name: string
  noun: string
  /** Adds the server's port options (the client port first). */
  portOptions: (command: Command) => Command
  stopDescription: string
  start: (options: Options & { onProgress: (line: string) => void }) => Promise<Status>
  stop: (options: Options & { onProgress: (line: string) => void }) => Promise<{ stopped: boolean; pid?: number }>
  status: (options: Options) => Promise<Status>
  /** Printed after a successful start: how to use the server. */
  usage: (status: Status) => string
}

/** Progress goes to standard error, so standard output holds only the result (and `status --json` stays parseable). */
const toStderr = (line: string): void => void process.stderr.write(`${line}\n`)

function describeStatus(server: { name: string; noun: string }, status: LocalServerStatus): string {
  const { name, noun } = server
  if (status.external) return `a ${name} ${noun} not started from this data directory answers on ${status.address}`
  if (!status.running) return `${name} is not running (would listen on ${status.address}; log ${status.logFile})`
  const state = status.answering ? 'up' : 'starting (not answering yet)'
  return `${name}${status.version ? ` ${status.version}` : ''} is ${state} on ${status.address} (pid ${status.pid}, log ${status.logFile})`
}

function serverCommand<Options extends ServerCommandOptions, Status extends LocalServerStatus>(cli: ServerCli<Options, Status>): Command {
  const command = new Command(cli.command).description(cli.description)
  const withOptions = (sub: Command): Command => cli.portOptions(sub).addOption(dataDirOption())

  withOptions(command.command('start'))
    .description(`start the ${cli.noun} (its data under <data-dir>/${cli.command}) and wait until it answers; does nothing if it already runs`)
    .action(async (options: Options) => {
      const status = await cli.start({ ...options, onProgress: toStderr })
      process.stdout.write(`${describeStatus(cli, status)}\n${cli.usage(status)}\n`)
    })

  withOptions(command.command('stop'))
    .description(cli.stopDescription)
    .action(async (options: Options) => {
      const result = await cli.stop({ ...options, onProgress: toStderr })
      process.stdout.write(result.stopped ? `${cli.name} (pid ${result.pid}) stopped\n` : `${cli.name} was not running\n`)
    })

  withOptions(command.command('status'))
    .description(`whether the ${cli.noun} runs and answers, where, and where its log is`)
    .option('--json', 'print one JSON object')
    .action(async (options: Options) => {
      const status = await cli.status(options)
      process.stdout.write(options.json ? `${JSON.stringify(status)}\n` : `${describeStatus(cli, status)}\n`)
    })

  return command
}

function kafkaCommand(): Command {
  return serverCommand<ServerCommandOptions & { controllerPort?: number }, KafkaStatus>({
    command: 'kafka',
    description: 'a local single-node Apache Kafka broker (KRaft), assembled from Maven Central and run with the JDK',
    name: 'Kafka',
    noun: 'broker',
    portOptions: (command) =>
      command
        .option('--port <port>', 'client port (default: the last one used for this data directory, else 9092)', integerArg(1, 65_535))
        .option('--controller-port <port>', 'KRaft controller port (default: port + 1)', integerArg(1, 65_535)),
    stopDescription: 'stop the broker of this data directory (SIGTERM, then SIGKILL after 30 s)',
    start: startKafka,
    stop: stopKafka,
    status: kafkaStatus,
    usage: (status) => `Use it with: npx koober topics list --kafka ${status.address}`,
  })
}

function cassandraCommand(): Command {
  return serverCommand<ServerCommandOptions & { storagePort?: number }, CassandraStatus>({
    command: 'cassandra',
    description: 'a local single-node Apache Cassandra 5.0, assembled from Maven Central and run with JDK 17',
    name: 'Cassandra',
    noun: 'node',
    portOptions: (command) =>
      command
        .option('--port <port>', 'CQL native port (default: the last one used for this data directory, else 9042)', integerArg(1, 65_535))
        .option('--storage-port <port>', 'internode port (default: 7000 with port 9042, else port + 1)', integerArg(1, 65_535)),
    stopDescription: 'stop the node of this data directory (SIGTERM: it flushes its memtables; SIGKILL after 60 s)',
    start: startCassandra,
    stop: stopCassandra,
    status: cassandraStatus,
    usage: (status) => `Connect a driver to ${status.address} with localDataCenter '${status.dataCenter}'`,
  })
}

export function infraCommand(): Command {
  return new Command('infra')
    .description('run real servers on this machine for tests and local clusters')
    .addCommand(kafkaCommand())
    .addCommand(cassandraCommand())
}
