import { extname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { kooberError, type ErrorCode } from '../errors.js'
import { startWorker } from '../system/start-worker.js'
import type { TrainDemandModelOptions } from './demand-model.js'
import type { PackedDemandModel } from './packed-model.js'

/** What crosses into the training thread: the options, with the pickups as three columns (cheap to copy, unlike 400,000 objects). */
export type TrainRequest = Omit<TrainDemandModelOptions, 'pickups' | 'onProgress' | 'trainers'> & { times: Float64Array; lats: Float64Array; lngs: Float64Array }

export type TrainThreadMessage = { kind: 'progress'; message: string } | { kind: 'done'; packed: PackedDemandModel } | { kind: 'failed'; message: string; code?: ErrorCode }

/**
 * `trainDemandModel` on a worker thread: training takes seconds to a
 * minute of CPU, which would stall a process that also serves sockets, and
 * so does packing the version (JSON and gzip of megabytes), which the
 * thread does too. The trainers are the registry's (functions do not cross
 * threads). Resolves with the packed version and its summary; rejects with
 * the thread's error, code kept.
 *
 * @example
 * ```ts
 * const { bytes, summary } = await trainInWorker({ pickups, weather, from, until, places: { kind: 'kmeans', k: 200 }, timeZone: 'America/New_York', onProgress: console.log })
 * const saved = await unpackDemandModel(bytes)
 * ```
 */
export function trainInWorker(options: Omit<TrainDemandModelOptions, 'trainers'>): Promise<PackedDemandModel> {
  const { pickups, onProgress, ...rest } = options
  const times = new Float64Array(pickups.length)
  const lats = new Float64Array(pickups.length)
  const lngs = new Float64Array(pickups.length)
  pickups.forEach((p, i) => {
    times[i] = p.time
    lats[i] = p.lat
    lngs[i] = p.lng
  })
  const request: TrainRequest = { ...rest, times, lats, lngs }
  const here = fileURLToPath(import.meta.url)
  return new Promise((resolve, reject) => {
    const worker = startWorker(new URL(`./train-thread${extname(here)}`, import.meta.url), { workerData: request, transferList: [times.buffer, lats.buffer, lngs.buffer] })
    let settled = false
    worker.on('message', (message: TrainThreadMessage) => {
      if (message.kind === 'progress') onProgress?.(message.message)
      else {
        settled = true
        if (message.kind === 'done') resolve(message.packed)
        else reject(message.code ? kooberError(message.code, message.message) : new Error(`forecast training failed: ${message.message}`))
        void worker.terminate()
      }
    })
    worker.on('error', (error) => {
      settled = true
      reject(error)
    })
    worker.on('exit', (code) => {
      if (!settled) reject(new Error(`the forecast training thread exited with code ${code}`))
    })
  })
}
