import { ProtocolError } from './wire-connection.js'

/**
 * Big-endian reads of a probe's answer that throw a ProtocolError, not a
 * RangeError, past the end: an answer that ends early is the peer's fault
 * (it does not speak the protocol), not a bug here. Each protocol adds its
 * own string and bytes encodings.
 */
export class WireReader {
  constructor(
    private readonly buf: Buffer,
    private at = 0,
  ) {}

  get offset(): number {
    return this.at
  }

  int16(): number {
    this.need(2)
    const v = this.buf.readInt16BE(this.at)
    this.at += 2
    return v
  }

  uint16(): number {
    this.need(2)
    const v = this.buf.readUInt16BE(this.at)
    this.at += 2
    return v
  }

  int32(): number {
    this.need(4)
    const v = this.buf.readInt32BE(this.at)
    this.at += 4
    return v
  }

  /** The next `length` bytes. */
  take(length: number): Buffer {
    this.need(length)
    const v = this.buf.subarray(this.at, this.at + length)
    this.at += length
    return v
  }

  /** The next `length` bytes as UTF-8. */
  utf8(length: number): string {
    return this.take(length).toString('utf8')
  }

  skip(count: number): void {
    this.need(count)
    this.at += count
  }

  private need(bytes: number): void {
    if (this.at + bytes > this.buf.length) throw new ProtocolError('the answer ends early')
  }
}
