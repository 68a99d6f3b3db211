import { join } from 'node:path'
import { localServerPaths, type LocalServerPaths } from './local-server.js'
import { checkPorts } from './ports.js'
import { readTextFile } from './text-file.js'

/** Servers listen on loopback only (DESIGN.md: 127.0.0.1 unless told otherwise). */
export const KAFKA_HOST = '127.0.0.1'
export const DEFAULT_KAFKA_PORT = 9092
/**
 * Heap for a 2-core machine shared with tests: 256 MB to start, 768 MB at
 * most, which a one-node broker with test traffic never needs (G1 keeps the
 * resident size well under the cap).
 */
export const KAFKA_HEAP = ['-Xms256m', '-Xmx768m']

/** Where one data directory keeps its broker: everything under `<dataDir>/kafka/`; its config is server.properties. */
export interface KafkaPaths extends LocalServerPaths {
  /** log.dirs: the partitions and the KRaft metadata log. */
  data: string
  /** Written by the storage format: its presence means "formatted". */
  metaProperties: string
}

export function kafkaPaths(dataDir: string): KafkaPaths {
  const paths = localServerPaths(dataDir, 'kafka', { config: 'server.properties', serverLog: 'server.log' })
  const data = join(paths.root, 'data')
  return { ...paths, data, metaProperties: join(data, 'meta.properties') }
}

export interface KafkaPorts {
  /** The PLAINTEXT listener clients use. */
  port: number
  /** The KRaft CONTROLLER listener (the broker talks to its own controller there). */
  controllerPort: number
}

/** Fills in the defaults (9092, and the controller on the next port) and checks the ports. */
export function kafkaPorts(port: number | undefined, controllerPort: number | undefined): KafkaPorts {
  const p = port ?? DEFAULT_KAFKA_PORT
  const c = controllerPort ?? p + 1
  checkPorts('Kafka', [
    ['port', p],
    ['controller port', c],
  ])
  return { port: p, controllerPort: c }
}

/**
 * server.properties for one KRaft node that is its own controller (no
 * ZooKeeper), on loopback. Replication factors and ISR minimums are 1 because
 * there is one broker: with Kafka's defaults (3) the first consumer group or
 * transaction would wait forever for its internal topic.
 */
export function serverProperties(ports: KafkaPorts, dataDir: string): string {
  const lines = [
    '# Written by src/infra/kafka.ts at every start; edits here are lost.',
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@${KAFKA_HOST}:${ports.controllerPort}`,
    `listeners=PLAINTEXT://${KAFKA_HOST}:${ports.port},CONTROLLER://${KAFKA_HOST}:${ports.controllerPort}`,
    `advertised.listeners=PLAINTEXT://${KAFKA_HOST}:${ports.port}`,
    'inter.broker.listener.name=PLAINTEXT',
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    `log.dirs=${dataDir}`,
    // Koober creates its topics itself; a typo in a topic name must fail, not create a topic.
    'auto.create.topics.enable=false',
    'num.partitions=1',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'share.coordinator.state.topic.num.partitions=1',
    // A consumer group's first member starts at once instead of waiting 3 s for others.
    'group.initial.rebalance.delay.ms=0',
    // Two cores: fewer threads than Kafka's defaults (3 network, 8 I/O).
    'num.network.threads=2',
    'num.io.threads=2',
    'num.recovery.threads.per.data.dir=1',
    'background.threads=2',
    // Segments of 16 MB instead of 1 GB: retention tests see segments roll.
    'log.segment.bytes=16777216',
  ]
  return `${lines.join('\n')}\n`
}

/** The ports an existing server.properties was written with, or undefined when there is none. */
export function readConfiguredPorts(configPath: string): KafkaPorts | undefined {
  const text = readTextFile(configPath)
  if (text === undefined) return undefined
  const listeners = /^listeners=(.*)$/m.exec(text)?.[1] ?? ''
  const port = /PLAINTEXT:\/\/[^,]*:(\d+)/.exec(listeners)?.[1]
  const controllerPort = /CONTROLLER:\/\/[^,]*:(\d+)/.exec(listeners)?.[1]
  if (port === undefined || controllerPort === undefined) return undefined
  return { port: Number(port), controllerPort: Number(controllerPort) }
}
