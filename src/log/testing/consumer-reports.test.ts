import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { openEmbeddedLog, type Consumer } from '../index.js'
import { onEachConsumer, printAssignments, type AssignmentLine } from './consumer-reports.js'

const root = mkdtempSync(join(tmpdir(), 'koober-consumer-reports-'))
after(() => rmSync(root, { recursive: true, force: true }))

describe('consumer reports: what a worker says about the consumers the code under test opens', () => {
  it('hands every consumer the log opens to each hook, in the order they were added, before its caller gets it', async () => {
    const log = await openEmbeddedLog({ dataDir: join(root, 'hooks') })
    try {
      await log.createTopic('rides', { partitions: 2 })
      const seen: string[] = []
      const hooked: Consumer[] = []
      onEachConsumer(log, (consumer, options) => {
        hooked.push(consumer)
        seen.push(`first ${options.group ?? '-'} ${consumer.assignment().length}`)
      })
      onEachConsumer(log, (consumer, options) => seen.push(`second ${options.group ?? '-'}`))
      const grouped = await log.consumer({ topics: ['rides'], group: 'g' })
      const plain = await log.consumer({ topics: ['rides'] })
      assert.deepEqual(seen, ['first g 2', 'second g', 'first - 2', 'second -'])
      assert.deepEqual(hooked, [grouped, plain])
      await grouped.close()
      await plain.close()
    } finally {
      await log.close()
    }
  })

  it('prints each consumer’s assignment once joined and after every rebalance, as sorted <topic>/<partition>', async () => {
    const log = await openEmbeddedLog({ dataDir: join(root, 'assignments') })
    try {
      await log.createTopic('rides', { partitions: 2 })
      await log.createTopic('drivers', { partitions: 2 })
      const printed: AssignmentLine[] = []
      printAssignments(log, (line) => printed.push(line))
      const line = (group: string | undefined, partitions: string[]): AssignmentLine => ({ type: 'assignment', group, partitions })

      const a = await log.consumer({ topics: ['rides', 'drivers'], group: 'g' })
      assert.deepEqual(printed.splice(0), [line('g', ['drivers/0', 'drivers/1', 'rides/0', 'rides/1'])])
      // The second member's join takes half of a's partitions (a rebalance of a), then b reports its own.
      const b = await log.consumer({ topics: ['rides', 'drivers'], group: 'g' })
      assert.deepEqual(printed.splice(0), [line('g', ['drivers/0', 'rides/0']), line('g', ['drivers/1', 'rides/1'])])
      await b.close()
      assert.deepEqual(printed.splice(0), [line('g', ['drivers/0', 'drivers/1', 'rides/0', 'rides/1'])])
      await a.close()

      const plain = await log.consumer({ topics: ['rides'] })
      assert.deepEqual(printed.splice(0), [line(undefined, ['rides/0', 'rides/1'])])
      await plain.close()
    } finally {
      await log.close()
    }
  })
})
