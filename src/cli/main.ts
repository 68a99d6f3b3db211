import { Command, CommanderError } from 'commander'
import { isKooberError } from '../errors.js'
import { analyticsCommand } from './commands/analytics.js'
import { consumeCommand } from './commands/consume.js'
import { demoDataCommand } from './commands/demo-data.js'
import { forecastCommand } from './commands/forecast.js'
import { importCommand } from './commands/import.js'
import { infraCommand } from './commands/infra.js'
import { ingestCommand } from './commands/ingest.js'
import { produceCommand } from './commands/produce.js'
import { simulateCommand } from './commands/simulate.js'
import { startCommand } from './commands/start.js'
import { tablesCommand } from './commands/tables.js'
import { topicsCommand } from './commands/topics.js'
import { webCommand } from './commands/web.js'
import { EXIT_FAILURE, EXIT_USAGE } from './exit-codes.js'

export function buildProgram(): Command {
  const program = new Command('koober')
    .description('Koober: a real-time ride-hailing data pipeline on an embedded log (or Apache Kafka)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    // A command's flags come before its subcommand's (koober forecast and koober forecast train both take --data-dir).
    .enablePositionalOptions()
  program.addCommand(startCommand())
  program.addCommand(topicsCommand())
  program.addCommand(produceCommand())
  program.addCommand(consumeCommand())
  program.addCommand(ingestCommand())
  program.addCommand(importCommand())
  program.addCommand(demoDataCommand())
  program.addCommand(forecastCommand())
  program.addCommand(analyticsCommand())
  program.addCommand(tablesCommand())
  program.addCommand(webCommand())
  program.addCommand(simulateCommand())
  program.addCommand(infraCommand())
  forEachCommand(program, (command) => command.exitOverride().showHelpAfterError('(run with --help for usage)'))
  return program
}

function forEachCommand(command: Command, visit: (command: Command) => void): void {
  visit(command)
  for (const sub of command.commands) forEachCommand(sub, visit)
}

/** Runs the CLI; errors become a message on standard error and a non-zero exit code. */
export async function run(argv: string[]): Promise<void> {
  const program = buildProgram()
  try {
    await program.parseAsync(argv)
  } catch (err) {
    process.exitCode = exitCodeFor(err)
    if (err instanceof CommanderError) return // commander already printed it
    const message = isKooberError(err) ? `${err.message} [${err.code}]` : (err as Error)?.stack ?? String(err)
    process.stderr.write(`koober: ${message}\n`)
  }
}

function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) {
    return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0 ? 0 : EXIT_USAGE
  }
  if (isKooberError(err) && (err.code === 'KOOBER_CLI_USAGE' || err.code === 'KOOBER_INVALID_ARGUMENT')) return EXIT_USAGE
  return EXIT_FAILURE
}

// Run directly (tests, `node --import tsx src/cli/main.ts`), not when imported by bin/koober.js.
if (import.meta.url === `file://${process.argv[1]}`) await run(process.argv)
