import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { TopicPartition } from './event-log.js'
import { LockFile } from '../system/lock-file.js'
import { OffsetStore } from './offset-store.js'

/** What the coordinator needs of a consumer that joins a group. */
export interface GroupMember {
  readonly memberId: number
  readonly topics: readonly string[]
  /** Replaces the member's partitions; called synchronously during a rebalance. */
  assign(partitions: TopicPartition[]): void
}

interface Group {
  readonly name: string
  readonly members: GroupMember[]
  readonly lock: LockFile
  readonly offsets: OffsetStore
}

/**
 * The consumer groups of one embedded log, coordinated in its process. The
 * members of a group share each topic's partitions by ranges, as Kafka's range
 * assignor does: members sorted by join order, each taking a contiguous run of
 * partitions, the first ones one more when the count does not divide. Every
 * join and leave rebalances synchronously, so no partition ever has two owners.
 *
 * A group's committed offsets live in `groups/<name>/offsets.json`. While a
 * group has members here, its lock file keeps other processes out of it.
 */
export class GroupCoordinator {
  private groups = new Map<string, Group>()

  constructor(
    private readonly groupsDir: string,
    private readonly partitionCount: (topic: string) => number,
  ) {}

  /** Adds a member and rebalances; returns the group's committed offsets. */
  join(groupName: string, member: GroupMember): OffsetStore {
    let group = this.groups.get(groupName)
    if (!group) {
      const dir = join(this.groupsDir, encodeURIComponent(groupName))
      mkdirSync(dir, { recursive: true })
      const lock = LockFile.acquire(join(dir, 'LOCK'), `consumer group ${JSON.stringify(groupName)}`, 'KOOBER_LOG_GROUP_BUSY')
      const offsets = new OffsetStore(join(dir, 'offsets.json'))
      try {
        offsets.load()
      } catch (err) {
        lock.release()
        throw err
      }
      group = { name: groupName, members: [], lock, offsets }
      this.groups.set(groupName, group)
    }
    group.members.push(member)
    this.rebalance(group)
    return group.offsets
  }

  /** Removes a member; its partitions go to the others. */
  leave(groupName: string, member: GroupMember): void {
    const group = this.groups.get(groupName)
    if (!group) return
    const at = group.members.indexOf(member)
    if (at < 0) return
    group.members.splice(at, 1)
    if (group.members.length === 0) {
      this.groups.delete(groupName)
      group.lock.release()
      return
    }
    this.rebalance(group)
  }

  members(groupName: string): number {
    return this.groups.get(groupName)?.members.length ?? 0
  }

  close(): void {
    for (const group of this.groups.values()) group.lock.release()
    this.groups.clear()
  }

  private rebalance(group: Group): void {
    const next = new Map<GroupMember, TopicPartition[]>()
    for (const member of group.members) next.set(member, [])
    const topics = new Set(group.members.flatMap((m) => m.topics))
    for (const topic of topics) {
      const subscribers = group.members.filter((m) => m.topics.includes(topic))
      const partitions = this.partitionCount(topic)
      const base = Math.floor(partitions / subscribers.length)
      const extra = partitions % subscribers.length
      let partition = 0
      subscribers.forEach((member, i) => {
        const count = base + (i < extra ? 1 : 0)
        for (let k = 0; k < count; k++) next.get(member)!.push({ topic, partition: partition++ })
      })
    }
    for (const [member, partitions] of next) member.assign(partitions)
  }
}
