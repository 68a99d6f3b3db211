import { createReadStream } from 'node:fs'
import { open, stat } from 'node:fs/promises'
import { StringDecoder } from 'node:string_decoder'
import { createGunzip } from 'node:zlib'
import { isKooberError, kooberError } from '../../errors.js'

/** A run of whole lines from a text file, and how far into the file (on disk) the reading is. */
export interface LineChunk {
  lines: string[]
  /** The 1-based line number of `lines[0]`. */
  firstLine: number
  /** Bytes of the file on disk read so far (compressed bytes for a gzip file). */
  bytesRead: number
  totalBytes: number
}

/** A gzip member starts with these two bytes, whatever the file is called. */
const GZIP_MAGIC = [0x1f, 0x8b] as const
/** Large reads: the importers parse a chunk at a time, and each chunk costs a little bookkeeping. */
const READ_BYTES = 1 << 20
/**
 * Smaller reads of a gzip file: the bytes read from disk are what progress is
 * measured by, and the file stream reads ahead of the decompressor by up to
 * one read. 64 KiB of compressed text is still about 10,000 lines.
 */
const GZIP_READ_BYTES = 64 << 10

/** The file's size in bytes; a missing or unreadable file is KOOBER_IMPORT_IO naming it. */
export async function fileSize(path: string): Promise<number> {
  try {
    const info = await stat(path)
    if (!info.isFile()) throw kooberError('KOOBER_IMPORT_IO', `${path} is not a file`)
    return info.size
  } catch (err) {
    if (isKooberError(err)) throw err
    throw kooberError('KOOBER_IMPORT_IO', `cannot read ${path}: ${describeIoError(err)}`, err)
  }
}

/** Whether the file starts as gzip does (its magic bytes, not its name). */
export async function isGzip(path: string): Promise<boolean> {
  let handle
  try {
    handle = await open(path, 'r')
    const head = Buffer.alloc(2)
    const { bytesRead } = await handle.read(head, 0, 2, 0)
    return bytesRead === 2 && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1]
  } catch (err) {
    throw kooberError('KOOBER_IMPORT_IO', `cannot read ${path}: ${describeIoError(err)}`, err)
  } finally {
    await handle?.close()
  }
}

/**
 * The lines of a text file, plain or gzip (told apart by its first bytes),
 * streamed a chunk at a time so a file of any size is never all in memory.
 * Line ends may be `\n` or `\r\n`; a byte order mark at the start is dropped.
 * Stopping early (`break`) closes the file.
 *
 * @example
 * ```ts
 * for await (const { lines, firstLine } of readLines('trips.csv.gz')) console.log(firstLine, lines.length)
 * ```
 */
export async function* readLines(path: string): AsyncGenerator<LineChunk> {
  const totalBytes = await fileSize(path)
  const gzip = await isGzip(path)
  const file = createReadStream(path, { highWaterMark: gzip ? GZIP_READ_BYTES : READ_BYTES })
  const input = gzip ? file.pipe(createGunzip({ chunkSize: READ_BYTES })) : file
  // pipe() does not pass a read error on: make the stream we iterate fail with it.
  if (gzip) file.on('error', (err) => input.destroy(err))
  const decoder = new StringDecoder('utf8')
  let carry = ''
  let nextLine = 1
  const chunkOf = (text: string, final: boolean): LineChunk => {
    const lines = text.split('\n')
    carry = final ? '' : lines.pop()!
    if (final && lines.length > 0 && lines[lines.length - 1] === '') lines.pop()
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!
      if (line.charCodeAt(line.length - 1) === 13) lines[i] = line.slice(0, -1)
    }
    if (nextLine === 1 && lines.length > 0 && lines[0]!.charCodeAt(0) === 0xfeff) lines[0] = lines[0]!.slice(1)
    const chunk = { lines, firstLine: nextLine, bytesRead: file.bytesRead, totalBytes }
    nextLine += lines.length
    return chunk
  }
  try {
    for await (const data of input) {
      const chunk = chunkOf(carry + decoder.write(data as Buffer), false)
      if (chunk.lines.length > 0) yield chunk
    }
    const last = chunkOf(carry + decoder.end(), true)
    if (last.lines.length > 0) yield last
  } catch (err) {
    if (gzip && (err as { code?: string }).code?.startsWith('Z_')) {
      throw kooberError('KOOBER_IMPORT_IO', `${path} starts as gzip but cannot be decompressed: ${(err as Error).message}`, err)
    }
    throw kooberError('KOOBER_IMPORT_IO', `cannot read ${path}: ${describeIoError(err)}`, err)
  } finally {
    input.destroy()
    file.destroy()
  }
}

/** The first line of a file that is not blank, or undefined for a file without one. */
export async function readHeader(path: string): Promise<{ header: string; line: number } | undefined> {
  for await (const { lines, firstLine } of readLines(path)) {
    const index = lines.findIndex((line) => line.trim().length > 0)
    if (index >= 0) return { header: lines[index]!, line: firstLine + index }
  }
  return undefined
}

function describeIoError(err: unknown): string {
  const code = (err as { code?: string }).code
  if (code === 'ENOENT') return 'no such file'
  if (code === 'EACCES') return 'permission denied'
  if (code === 'EISDIR') return 'it is a directory'
  return (err as Error)?.message ?? String(err)
}
