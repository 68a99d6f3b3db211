/**
 * What a worker of a multi-process test reports about the consumers that the
 * code under test makes for itself (a job opens its own consumer from the
 * log it is given): their assignment, once joined and after every rebalance.
 */
import type { Consumer, ConsumerOptions, EventLog, TopicPartition } from '../event-log.js'
import { printJson } from './worker-process.js'

/** A worker's assignment line: `partitions` as `<topic>/<partition>`, sorted. */
export interface AssignmentLine {
  type: 'assignment'
  group: string | undefined
  partitions: string[]
}

/**
 * Hands every consumer that `log` opens from now on to `hook`, before its
 * caller gets it: the hook may report on it or wrap its methods. Hooks added
 * one after the other run in that order.
 *
 * @example
 * onEachConsumer(log, (consumer) => {
 *   const commit = consumer.commit.bind(consumer)
 *   consumer.commit = async (offsets) => { await commit(offsets); printLine('committed') }
 * })
 */
export function onEachConsumer(log: EventLog, hook: (consumer: Consumer, options: ConsumerOptions) => void): void {
  const open = log.consumer.bind(log)
  ;(log as { consumer: EventLog['consumer'] }).consumer = async (options: ConsumerOptions): Promise<Consumer> => {
    const consumer = await open(options)
    hook(consumer, options)
    return consumer
  }
}

/**
 * Calls `report` with the consumer's assignment now and after every
 * rebalance.
 *
 * @example
 * followAssignment(consumer, (assignment) => printLine(`assignment ${assignment.map((tp) => tp.partition).join(',')}`))
 */
export function followAssignment(consumer: Consumer, report: (assignment: TopicPartition[]) => void): void {
  const reportNow = (): void => report(consumer.assignment())
  reportNow()
  consumer.onRebalance(reportNow)
}

/**
 * Prints an `AssignmentLine` for every consumer that `log` opens from now on,
 * once joined and after every rebalance (or hands it to `print`).
 *
 * @example
 * printAssignments(log) // {"type":"assignment","group":"ingest","partitions":["driver/0","driver/2"]}
 */
export function printAssignments(log: EventLog, print: (line: AssignmentLine) => void = printJson): void {
  onEachConsumer(log, (consumer, options) =>
    followAssignment(consumer, (assignment) =>
      print({
        type: 'assignment',
        group: options.group,
        partitions: assignment.map((tp) => `${tp.topic}/${tp.partition}`).sort(),
      }),
    ),
  )
}
