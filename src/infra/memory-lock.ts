import { readFileSync } from 'node:fs'
import { runCommand } from './run.js'

/** CAP_IPC_LOCK, bit 14 of the capability sets in /proc/<pid>/status. */
const CAP_IPC_LOCK = 14n

/**
 * Cassandra calls mlockall(MCL_CURRENT) at start. A normal user's
 * RLIMIT_MEMLOCK (8 MB) makes that fail, harmlessly ("Unable to lock JVM
 * memory"); but root has CAP_IPC_LOCK, and then everything mapped at that
 * moment (the -Xms heap, every jar, the JVM's own libraries) is faulted in
 * and pinned: measured 660-700 MB resident instead of 410-450 MB for the same
 * node. A test node on a shared machine should not pin its memory, so when
 * we hold CAP_IPC_LOCK, java runs under `setpriv` without it (setpriv execs
 * java: the pid stays the node's). Without setpriv, or where it cannot drop
 * the capability, java runs as is.
 */
export async function withoutMemoryLock(java: string, args: string[], env: NodeJS.ProcessEnv | undefined): Promise<{ command: string; args: string[] }> {
  const plain = { command: java, args }
  if (!holdsCapability(CAP_IPC_LOCK)) return plain
  const setpriv = ['--inh-caps=-ipc_lock', '--bounding-set=-ipc_lock', '--']
  try {
    const probe = await runCommand('setpriv', [...setpriv, 'true'], { env, timeoutMs: 10_000 })
    if (probe.code !== 0) return plain
  } catch {
    return plain // no setpriv (not Linux, or util-linux without it)
  }
  return { command: 'setpriv', args: [...setpriv, java, ...args] }
}

function holdsCapability(bit: bigint): boolean {
  try {
    const hex = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]
    return hex !== undefined && ((BigInt(`0x${hex}`) >> bit) & 1n) === 1n
  } catch {
    return false
  }
}
