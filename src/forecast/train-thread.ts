/**
 * The worker thread behind `trainInWorker`: rebuilds the pickups from their
 * columns, trains, and posts progress messages, then the version packed
 * (gzipped JSON, its buffer moved to the main thread, not copied) with its
 * summary, or the error with its code.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { isKooberError } from '../errors.js'
import { saveDemandModel, trainDemandModel } from './demand-model.js'
import { packDemandModel } from './packed-model.js'
import type { TrainRequest, TrainThreadMessage } from './train-in-worker.js'
import type { Pickup } from './types.js'

const request = workerData as TrainRequest
const post = (message: TrainThreadMessage, transfer: ArrayBuffer[] = []): void => parentPort!.postMessage(message, transfer)
try {
  const { times, lats, lngs, ...options } = request
  const pickups: Pickup[] = new Array<Pickup>(times.length)
  for (let i = 0; i < times.length; i++) pickups[i] = { time: times[i]!, lat: lats[i]!, lng: lngs[i]! }
  const version = trainDemandModel({ ...options, pickups, onProgress: (message) => post({ kind: 'progress', message }) })
  const { bytes, summary } = packDemandModel(saveDemandModel(version))
  // Its own buffer, whole: a Buffer may be a view on a larger shared one, which cannot move.
  const packed = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice()
  post({ kind: 'done', packed: { bytes: packed, summary } }, [packed.buffer as ArrayBuffer])
} catch (error) {
  post({ kind: 'failed', message: (error as Error)?.message ?? String(error), ...(isKooberError(error) ? { code: error.code } : {}) })
}
