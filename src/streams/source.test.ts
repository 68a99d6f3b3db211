import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Sink } from './sink.js'
import { Source } from './source.js'
import { DONE, type Pulled } from './stage.js'
import { boom, probe, within } from './testing/probe.js'

const collect = <T>(source: Source<T>): Promise<T[]> => within(source.runWith(Sink.collect<T>()).result, 2000, 'the stream')

describe('Source', () => {
  it('single, empty and failed', async () => {
    assert.deepEqual(await collect(Source.single('one')), ['one'])
    assert.deepEqual(await collect(Source.empty()), [])
    const error = boom()
    await assert.rejects(collect(Source.failed(error)), error)
    await assert.rejects(collect(Source.failed<number>(error).map((n) => n + 1)), error)
  })

  it('is a blueprint: each run of a graph opens fresh stages', async () => {
    const source = probe({ count: 3 })
    const graph = source.source.map((n) => n * 2).grouped(2)
    assert.deepEqual(await collect(graph), [[0, 2], [4]])
    assert.deepEqual(await collect(graph), [[0, 2], [4]])
    assert.equal(source.opens, 2)
    source.assertReleased()
  })

  it('nothing runs until runWith', async () => {
    const source = probe()
    source.source.map((n) => n).filter(() => true).take(3)
    assert.equal(source.opens, 0)
  })

  it('a source that fails to open fails the run', async () => {
    const error = boom('cannot open')
    const source = Source.fromStage<number>(() => {
      throw error
    })
    await assert.rejects(collect(source.map((n) => n)), error)
  })

  it('fromStage runs a stage of your own, answering synchronously or not', async () => {
    const answers: Array<() => Pulled<number> | Promise<Pulled<number>>> = [() => [1], async () => [2, 3], () => DONE]
    let i = 0
    const source = Source.fromStage<number>(() => ({ pull: () => answers[i++]!(), cancel: async () => undefined }))
    assert.deepEqual(await collect(source.map((n) => n * 10)), [10, 20, 30])
  })
})
