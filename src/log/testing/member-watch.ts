/**
 * Waiting on child processes' output in the multi-process tests: a check
 * runs whenever a member prints or exits, until it holds, a member it needs
 * exits, or time is up.
 */
export class MemberWatch {
  private readonly watchers = new Set<() => void>()

  /** Call when any member printed or exited. */
  notify(): void {
    for (const watcher of [...this.watchers]) watcher()
  }

  /** Resolves once `check` holds; fails when one of `alive` exits first, or after `timeoutMs`. */
  waitFor(what: string, alive: ReadonlyArray<{ name: string; exit?: unknown }>, check: () => boolean, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = (err?: Error): void => {
        clearTimeout(timer)
        this.watchers.delete(watcher)
        if (err) reject(err)
        else resolve()
      }
      const watcher = (): void => {
        const gone = alive.find((m) => m.exit)
        if (check()) done()
        else if (gone) done(new Error(`member ${gone.name} exited (${JSON.stringify(gone.exit)}) before ${what}`))
      }
      const timer = setTimeout(() => done(new Error(`no ${what} after ${timeoutMs} ms`)), timeoutMs)
      this.watchers.add(watcher)
      watcher()
    })
  }
}
