import type { Writable } from 'node:stream'

/**
 * Writes to a stream and waits for it to drain when its buffer is full, so a
 * command that prints millions of lines holds bounded memory. Resolves false
 * once the reader has gone away (EPIPE: `koober consume ... | head`).
 */
export class LineWriter {
  private broken = false

  constructor(private readonly out: Writable) {
    out.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') this.broken = true
      else throw err
    })
  }

  get closed(): boolean {
    return this.broken
  }

  async write(text: string): Promise<boolean> {
    if (this.broken) return false
    if (!this.out.write(text)) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          this.out.off('drain', done)
          this.out.off('error', done)
          this.out.off('close', done)
          resolve()
        }
        this.out.on('drain', done)
        this.out.on('error', done)
        this.out.on('close', done)
      })
    }
    return !this.broken
  }
}
