import { Worker, type WorkerOptions } from 'node:worker_threads'

/**
 * Starts a worker thread on a module of this package, given by its URL with
 * the extension of the file that asks (`.js` when built, `.ts` from source).
 *
 * From source the thread first registers tsx itself: Node 20 does not carry
 * the `--import tsx` loader hooks of the main thread into worker threads.
 *
 * @example
 * ```ts
 * const worker = startWorker(new URL(`./writer-thread${extname(fileURLToPath(import.meta.url))}`, import.meta.url), { workerData })
 * ```
 */
export function startWorker(module: URL, options: WorkerOptions = {}): Worker {
  // A thread inherits the process's flags; --input-type (from `node -e`) would refuse a module file.
  const execArgv = options.execArgv ?? process.execArgv.filter((flag) => !flag.startsWith('--input-type'))
  if (!module.pathname.endsWith('.ts')) return new Worker(module, { ...options, execArgv })
  const tsx = import.meta.resolve('tsx/esm/api')
  const bootstrap = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(module.href)}) })`
  return new Worker(bootstrap, { ...options, execArgv, eval: true })
}
