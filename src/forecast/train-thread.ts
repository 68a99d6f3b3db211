/**
 * The worker thread behind `trainInWorker`: rebuilds the pickups from their
 * columns, trains, and posts progress messages, then the saved version (or
 * the error, with its code).
 */
import { parentPort, workerData } from 'node:worker_threads'
import { isKooberError } from '../errors.js'
import { saveDemandModel, trainDemandModel } from './demand-model.js'
import type { TrainRequest, TrainThreadMessage } from './train-in-worker.js'
import type { Pickup } from './types.js'

const request = workerData as TrainRequest
const post = (message: TrainThreadMessage): void => parentPort!.postMessage(message)
try {
  const { times, lats, lngs, ...options } = request
  const pickups: Pickup[] = new Array<Pickup>(times.length)
  for (let i = 0; i < times.length; i++) pickups[i] = { time: times[i]!, lat: lats[i]!, lng: lngs[i]! }
  const version = trainDemandModel({ ...options, pickups, onProgress: (message) => post({ kind: 'progress', message }) })
  post({ kind: 'done', saved: saveDemandModel(version) })
} catch (error) {
  post({ kind: 'failed', message: (error as Error)?.message ?? String(error), ...(isKooberError(error) ? { code: error.code } : {}) })
}
