import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import { describe, it } from 'node:test'
import { Sink } from '../sink.js'
import { Source } from '../source.js'
import { boom, sleep, within } from '../testing/probe.js'

const listeners = (emitter: EventEmitter): number => emitter.eventNames().reduce((n, name) => n + emitter.listenerCount(name), 0)

describe('Source.fromEvent', () => {
  it('emits the payloads of the event; the end event completes and removes every listener', async () => {
    const emitter = new EventEmitter()
    const source = Source.fromEvent<number>(emitter, 'data', { endEvent: 'end' })
    assert.equal(listeners(emitter), 0, 'no listener before the run')
    const { result } = source.runWith(Sink.collect())
    await sleep(1)
    assert.equal(listeners(emitter), 3, 'data, end and error')
    emitter.emit('data', 1)
    emitter.emit('data', 2)
    await sleep(1)
    emitter.emit('data', 3)
    emitter.emit('end')
    assert.deepEqual(await within(result, 1000), [1, 2, 3])
    assert.equal(listeners(emitter), 0)
  })

  it('the error event fails the stream and removes every listener', async () => {
    const emitter = new EventEmitter()
    const { result } = Source.fromEvent<number>(emitter, 'data').runWith(Sink.collect())
    await sleep(1)
    const error = boom()
    emitter.emit('error', error)
    await assert.rejects(within(result, 1000), error)
    await sleep(1)
    assert.equal(listeners(emitter), 0)
  })

  it('a custom error event', async () => {
    const emitter = new EventEmitter()
    const { result } = Source.fromEvent<number>(emitter, 'data', { errorEvent: 'oops' }).runWith(Sink.collect())
    await sleep(1)
    emitter.emit('oops', boom('custom'))
    await assert.rejects(within(result, 1000), /custom/)
    await sleep(1)
    assert.equal(listeners(emitter), 0)
  })

  it('cancellation (take) removes every listener', async () => {
    const emitter = new EventEmitter()
    const { result } = Source.fromEvent<number>(emitter, 'data', { endEvent: 'end' }).take(2).runWith(Sink.collect())
    await sleep(1)
    for (let n = 0; n < 5; n++) emitter.emit('data', n)
    assert.deepEqual(await within(result, 1000), [0, 1])
    await sleep(1)
    assert.equal(listeners(emitter), 0)
    emitter.emit('data', 9) // no listener left: nothing happens
  })

  it('the kill switch removes every listener', async () => {
    const emitter = new EventEmitter()
    const { result, killSwitch } = Source.fromEvent<number>(emitter, 'data').runWith(Sink.collect())
    await sleep(1)
    emitter.emit('data', 1)
    await sleep(1)
    killSwitch.abort(boom('stop'))
    await assert.rejects(within(result, 1000), /stop/)
    await sleep(1)
    assert.equal(listeners(emitter), 0)
  })

  it('a full buffer drops the oldest payloads by default (dropHead)', async () => {
    const emitter = new EventEmitter()
    const { result } = Source.fromEvent<number>(emitter, 'data', { capacity: 2, endEvent: 'end' }).runWith(Sink.collect())
    await sleep(1)
    for (let n = 1; n <= 5; n++) emitter.emit('data', n)
    emitter.emit('end')
    assert.deepEqual(await within(result, 1000), [4, 5])
  })

  it('overflow fail fails the stream with KOOBER_STREAM_OVERFLOW', async () => {
    const emitter = new EventEmitter()
    const { result } = Source.fromEvent<number>(emitter, 'data', { capacity: 2, overflow: 'fail' }).runWith(Sink.collect())
    await sleep(1)
    for (let n = 1; n <= 5; n++) emitter.emit('data', n)
    await assert.rejects(within(result, 1000), { code: 'KOOBER_STREAM_OVERFLOW' })
    await sleep(1)
    assert.equal(listeners(emitter), 0)
  })

  it('runs only once', async () => {
    const emitter = new EventEmitter()
    const source = Source.fromEvent<number>(emitter, 'data', { endEvent: 'end' })
    const { result } = source.runWith(Sink.ignore())
    await sleep(1)
    emitter.emit('end')
    await within(result, 1000)
    await assert.rejects(source.runWith(Sink.ignore()).result, { code: 'KOOBER_STREAM_REUSED' })
  })
})
