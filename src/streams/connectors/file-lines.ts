import { createReadStream, createWriteStream } from 'node:fs'
import { once } from 'node:events'
import { finished } from 'node:stream/promises'
import { StringDecoder } from 'node:string_decoder'
import { drain } from '../run-control.js'
import { Sink } from '../sink.js'
import { Source } from '../source.js'
import { DONE, type Pulled } from '../stage.js'

/**
 * The lines of a UTF-8 text file (without their `\n` or `\r\n`), read in
 * chunks as demand comes: a slow consumer leaves the rest of the file unread.
 * The file is closed when the stream completes, fails or is cancelled; a
 * missing file fails the stream with the `ENOENT` error.
 */
export function fileLines(path: string, options: { highWaterMark?: number } = {}): Source<string> {
  return Source.fromStage(() => {
    const stream = createReadStream(path, { highWaterMark: options.highWaterMark ?? 64 * 1024 })
    const chunks = stream[Symbol.asyncIterator]()
    const decoder = new StringDecoder('utf8')
    let carry = ''
    let finished = false
    const close = async (): Promise<void> => {
      if (finished) return
      finished = true
      await chunks.return?.()
      stream.destroy()
    }
    return {
      pull: async (): Promise<Pulled<string>> => {
        while (!finished) {
          let step: IteratorResult<Buffer>
          try {
            step = (await chunks.next()) as IteratorResult<Buffer>
          } catch (error) {
            await close()
            throw error
          }
          if (step.done) {
            finished = true
            const last = carry + decoder.end()
            carry = ''
            return last.length > 0 ? [stripCr(last)] : DONE
          }
          const lines = (carry + decoder.write(step.value)).split('\n')
          carry = lines.pop()!
          if (lines.length > 0) return lines.map(stripCr)
        }
        return DONE
      },
      cancel: close,
    }
  })
}

function stripCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line
}

/**
 * Writes each element as a line (`\n` appended) to a file, replacing it
 * (`append: true` adds to it), waiting for the file's buffer to drain when
 * full: disk speed backpressures the stream. Resolves with the number of
 * lines once the file is flushed and closed.
 */
export function fileLinesSink(path: string, options: { append?: boolean } = {}): Sink<string, number> {
  return new Sink(async (upstream, control) => {
    const out = createWriteStream(path, { flags: options.append ? 'a' : 'w' })
    let lines = 0
    let failure: unknown
    out.on('error', (error) => (failure ??= error))
    try {
      try {
        await once(out, 'open')
      } catch (error) {
        await upstream.cancel(error).catch(() => undefined)
        throw error
      }
      await drain(upstream, control, async (chunk) => {
        if (failure) throw failure
        let text = ''
        for (const line of chunk) text += `${line}\n`
        lines += chunk.length
        if (!out.write(text)) await once(out, 'drain')
      })
    } finally {
      out.end()
      await finished(out).catch(() => undefined) // settles at once when the stream already closed (after an error)
    }
    if (failure) throw failure
    return lines
  })
}
