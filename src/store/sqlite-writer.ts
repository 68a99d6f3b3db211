import { extname } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Worker } from 'node:worker_threads'
import { kooberError } from '../errors.js'
import { startWorker } from '../system/start-worker.js'

/**
 * One statement of a write request. Without `width` it runs once with
 * `params`; with it, `params` holds rows of `width` values laid end to end
 * and the statement runs once per row (a batch travels as one flat array,
 * which crosses threads far cheaper than an array of row objects).
 */
export interface WriteStatement {
  sql: string
  params?: unknown[]
  width?: number
}

/** Main thread → writer thread: statements to run as one transaction. */
export interface WriteRequest {
  id: number
  statements: WriteStatement[]
}

/** Writer thread → main thread: the rows changed, or why the transaction rolled back. */
export type WriteReply = { id: number; changes: number; error?: undefined } | { id: number; error: { message: string; code?: string } }

interface Pending {
  resolve: (changes: number) => void
  reject: (error: Error) => void
  description: string
}

/**
 * The SQLite store's writes, on a thread of their own. Encoding and
 * validating a batch happen on the caller's thread; the inserts, the commit
 * and SQLite's page work happen on the writer's, so a process that reads the
 * log, serves sockets and writes the store uses both cores, and a 10,000-row
 * transaction never stalls the event loop. Requests run one at a time, in
 * the order they were sent, each as one transaction (WAL mode: readers on
 * other connections see it once it commits).
 *
 * The thread starts at the first write and holds the process open only
 * while a write is pending.
 */
export class SqliteWriter {
  private worker: Worker | undefined
  private nextId = 1
  private readonly pending = new Map<number, Pending>()
  /** Settles after the newest request: replies come in request order. */
  private last: Promise<unknown> = Promise.resolve()

  constructor(private readonly path: string) {}

  /** Runs `statements` as one transaction; resolves with the rows changed once it committed. */
  write(statements: WriteStatement[], description: string): Promise<number> {
    const worker = this.worker ?? this.start()
    const id = this.nextId++
    const done = new Promise<number>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, description })
      if (this.pending.size === 1) worker.ref()
      worker.postMessage({ id, statements } satisfies WriteRequest)
    })
    this.last = done.catch(() => undefined)
    return done
  }

  /** Waits for the writes in flight, then closes the write connection and ends the thread. */
  async close(): Promise<void> {
    const worker = this.worker
    if (!worker) return
    this.worker = undefined
    await this.last
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()))
    worker.ref()
    worker.postMessage('close')
    await exited
  }

  private start(): Worker {
    // Beside this file, with its extension: .js when built, .ts under tsx.
    const here = fileURLToPath(import.meta.url)
    const worker = startWorker(new URL(`./sqlite-writer-thread${extname(here)}`, import.meta.url), { workerData: { path: this.path } })
    worker.unref()
    worker.on('message', (reply: WriteReply) => {
      const request = this.pending.get(reply.id)
      if (!request) return
      this.pending.delete(reply.id)
      if (this.pending.size === 0) worker.unref()
      if (reply.error) {
        const cause = Object.assign(new Error(reply.error.message), reply.error.code ? { code: reply.error.code } : {})
        request.reject(kooberError('KOOBER_STORE_IO', `${request.description} failed: ${reply.error.message}`, cause))
      } else request.resolve(reply.changes)
    })
    const fail = (why: string, cause?: unknown): void => {
      if (this.worker === worker) this.worker = undefined
      for (const [id, request] of this.pending) {
        this.pending.delete(id)
        request.reject(kooberError('KOOBER_STORE_IO', `${request.description} failed: the SQLite writer thread ${why}`, cause))
      }
    }
    worker.on('error', (err) => fail(`failed: ${err.message}`, err))
    worker.on('exit', (code) => fail(`exited with code ${code}`))
    this.worker = worker
    return worker
  }
}
