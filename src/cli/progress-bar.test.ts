import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { describe, it } from 'node:test'
import { ProgressBar, progressLine } from './progress-bar.js'

type Out = Writable & { isTTY: boolean; columns: number; text: () => string }

/** A stream that keeps what is written, as a terminal (isTTY) or not. */
function stream(isTTY: boolean): Out {
  let written = ''
  const out = new Writable({
    write(chunk: Buffer, _encoding, done) {
      written += chunk.toString('utf8')
      done()
    },
  }) as Out
  out.isTTY = isTTY
  out.columns = 200
  out.text = () => written
  return out
}

describe('ProgressBar', () => {
  it('shows the share done, rows, rate, time left and detail', () => {
    assert.equal(
      progressLine({ fraction: 0.25, rows: 100_000, rowsPerSecond: 200_000, detail: '1.0 of 4.0 MB  apr14.csv.gz' }, 3),
      '[######··················]   25%  100,000 rows  200,000 rows/s  ~9 s left  1.0 of 4.0 MB  apr14.csv.gz',
    )
    assert.match(progressLine({ fraction: 0, rows: 0, rowsPerSecond: 0 }, 1), /^\[·{24}\]\s+0% {2}0 rows {2}0 rows\/s$/)
    assert.match(progressLine({ fraction: 0.01, rows: 1, rowsPerSecond: 1 }, 100), /~2 h 45 min left/)
  })

  it('draws over one line on a terminal and ends with the final line', () => {
    const out = stream(true)
    const bar = new ProgressBar(out)
    bar.update({ fraction: 0.5, rows: 10, rowsPerSecond: 20 })
    bar.update({ fraction: 0.6, rows: 12, rowsPerSecond: 20 }) // within the redraw interval: skipped
    bar.done('imported 20 rows')
    const text = out.text()
    assert.match(text, /^\r\[#{12}·{12}\] {3}50% {2}10 rows {2}20 rows\/s/)
    assert.ok(!text.includes('60%'))
    assert.ok(text.endsWith('\r\x1b[Kimported 20 rows\n'))
  })

  it('draws nothing but the final line elsewhere (a file, a pipe)', () => {
    const out = stream(false)
    const bar = new ProgressBar(out)
    bar.update({ fraction: 0.5, rows: 10, rowsPerSecond: 20 })
    bar.done('imported 20 rows')
    assert.equal(out.text(), 'imported 20 rows\n')
  })
})
