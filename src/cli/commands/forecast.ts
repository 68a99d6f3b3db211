import { Command } from 'commander'
import { forecastEvaluateCommand } from './forecast-evaluate.js'

/** `koober forecast ...`: the demand forecast's commands, one subcommand each. */
export function forecastCommand(): Command {
  return new Command('forecast').description('demand forecasting: evaluate the models on a time split of pickup files').addCommand(forecastEvaluateCommand())
}
