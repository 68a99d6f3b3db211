import { Command } from 'commander'
import { KOOBER_TOPICS } from '../../koober/topics.js'
import { openEmbeddedLog } from '../../log/index.js'
import { dataDirOption, type LogOptions } from '../options.js'

export function startCommand(): Command {
  return new Command('start')
    .summary('run Koober on one machine until Ctrl-C')
    .description("run Koober on one machine: opens the embedded log (creating Koober's topics) and runs until Ctrl-C")
    .addOption(dataDirOption())
    .action(async (options: LogOptions) => {
      const log = await openEmbeddedLog({ dataDir: options.dataDir })
      const created: string[] = []
      for (const [name, { partitions }] of Object.entries(KOOBER_TOPICS)) {
        if (await log.ensureTopic(name, { partitions })) created.push(name)
      }
      const topics = await Promise.all(Object.keys(KOOBER_TOPICS).map((name) => log.describeTopic(name)))
      const out = process.stdout
      out.write(`Koober is running on the embedded log in ${log.dataDir} (process ${process.pid})\n`)
      for (const topic of topics) {
        const records = topic.partitions.reduce((sum, p) => sum + p.endOffset - p.startOffset, 0)
        out.write(
          `  topic ${topic.name.padEnd(13)} ${topic.config.partitions} partitions, ${records} records${created.includes(topic.name) ? ' (new)' : ''}\n`,
        )
      }
      out.write(`Watch it from another terminal: npx koober consume driver --follow --data-dir ${log.dataDir}\n`)
      out.write('Stop with Ctrl-C.\n')
      await new Promise<void>((resolve) => {
        // Signal listeners alone do not keep Node running; this timer does, until a signal arrives.
        const keepAlive = setInterval(() => undefined, 1 << 30)
        const stop = (): void => {
          clearInterval(keepAlive)
          resolve()
        }
        process.once('SIGINT', stop)
        process.once('SIGTERM', stop)
      })
      out.write('Koober is stopping: closing the log\n')
      await log.close()
    })
}
