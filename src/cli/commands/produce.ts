import { Command } from 'commander'
import type { Readable } from 'node:stream'
import { StringDecoder } from 'node:string_decoder'
import { kooberError } from '../../errors.js'
import type { EventLog, ProducerRecord, RecordMetadata } from '../../log/index.js'
import { LineWriter } from '../output.js'
import { dataDirOption, kafkaOption, openLogForWriting, type LogOptions } from '../options.js'

/** Appends kept in flight at once; they share syncs through the log's group commit. */
const MAX_IN_FLIGHT = 8
const MAX_RECORDS_PER_APPEND = 10_000

interface ProduceOptions extends LogOptions {
  keyField?: string
}

export function produceCommand(): Command {
  return new Command('produce')
    .summary('append one record per line of standard input')
    .description(
      'append one record per line of standard input; prints {"partition":P,"offset":O} for each, in input order, once it is durable. ' +
        'Empty lines are skipped. At the first bad line it stops: the lines before it are kept, that line and the rest are not.',
    )
    .argument('<topic>', 'topic to append to')
    .option('--key-field <field>', 'parse each line as JSON and use this field as the record key')
    .addOption(dataDirOption())
    .addOption(kafkaOption())
    .action(async (topic: string, options: ProduceOptions) => {
      const log = await openLogForWriting(options)
      try {
        await log.describeTopic(topic) // an unknown topic fails before any input is read
        await produceLines(log, topic, process.stdin, new LineWriter(process.stdout), options.keyField)
      } finally {
        await log.close()
      }
    })
}

/** Turns one input line into a record, or explains why it cannot. */
function toRecord(line: string, lineNumber: number, keyField: string | undefined): ProducerRecord {
  if (keyField === undefined) return { value: line }
  let parsed: unknown
  try {
    parsed = JSON.parse(line)
  } catch (err) {
    throw kooberError('KOOBER_CLI_INPUT', `line ${lineNumber} is not JSON (needed for --key-field ${keyField}): ${(err as Error).message}`)
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw kooberError('KOOBER_CLI_INPUT', `line ${lineNumber} is not a JSON object, so it has no field ${JSON.stringify(keyField)}`)
  }
  const key = (parsed as Record<string, unknown>)[keyField]
  if (typeof key !== 'string' && typeof key !== 'number' && typeof key !== 'boolean') {
    throw kooberError('KOOBER_CLI_INPUT', `line ${lineNumber} has no string or number field ${JSON.stringify(keyField)} to use as its key`)
  }
  return { key: String(key), value: line }
}

/**
 * Reads lines, appends them in batches with up to MAX_IN_FLIGHT appends
 * outstanding, and prints each batch's acknowledgements in input order.
 */
export async function produceLines(log: EventLog, topic: string, input: Readable, out: LineWriter, keyField?: string): Promise<number> {
  const inFlight: Array<Promise<RecordMetadata[]>> = []
  let acknowledged = 0
  const printOldest = async (): Promise<void> => {
    const acks = await inFlight.shift()!
    acknowledged += acks.length
    let text = ''
    for (const { partition, offset } of acks) text += `{"partition":${partition},"offset":${offset}}\n`
    await out.write(text)
  }
  let refused = false
  const send = async (records: ProducerRecord[]): Promise<void> => {
    for (let start = 0; start < records.length && !refused; start += MAX_RECORDS_PER_APPEND) {
      const append = log.append(topic, records.slice(start, start + MAX_RECORDS_PER_APPEND))
      inFlight.push(append)
      // The log checks records before queueing them, so a refused append is already rejected here:
      // one microtask turn runs this handler, and nothing after a refused line is sent.
      append.catch(() => (refused = true))
      await null
      while (inFlight.length > MAX_IN_FLIGHT) await printOldest()
    }
  }

  const decoder = new StringDecoder('utf8')
  let carry = ''
  let lineNumber = 0
  let failure: unknown
  const take = (text: string, final: boolean): ProducerRecord[] => {
    const lines = text.split('\n')
    carry = final ? '' : lines.pop()!
    const records: ProducerRecord[] = []
    for (const raw of lines) {
      lineNumber++
      const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw
      if (line.length === 0) continue
      try {
        records.push(toRecord(line, lineNumber, keyField))
      } catch (err) {
        failure = err
        break
      }
    }
    return records
  }

  for await (const chunk of input) {
    await send(take(carry + decoder.write(chunk as Buffer), false))
    if (failure || refused) break
  }
  if (!failure && !refused) await send(take(carry + decoder.end(), true))
  while (inFlight.length > 0) await printOldest()
  if (failure) throw failure
  return acknowledged
}
