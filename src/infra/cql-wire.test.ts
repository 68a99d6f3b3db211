import assert from 'node:assert/strict'
import type { Socket } from 'node:net'
import { describe, it } from 'node:test'
import { CqlError, probeCassandra, queryCql } from './cql-wire.js'
import { assertTellsPeersApart, serve } from './testing/fake-peers.js'

/** A v4 response frame: version 0x84, flags, the request's stream, opcode, body. */
function frame(stream: number, opcode: number, body: Buffer, flags = 0): Buffer {
  const header = Buffer.alloc(9)
  header.writeUInt8(0x84, 0)
  header.writeUInt8(flags, 1)
  header.writeInt16BE(stream, 2)
  header.writeUInt8(opcode, 4)
  header.writeInt32BE(body.length, 5)
  return Buffer.concat([header, body])
}

function str(text: string): Buffer {
  const b = Buffer.from(text)
  const len = Buffer.alloc(2)
  len.writeUInt16BE(b.length)
  return Buffer.concat([len, b])
}

function int(n: number): Buffer {
  const b = Buffer.alloc(4)
  b.writeInt32BE(n)
  return b
}

/** A Rows result with one varchar column (global table spec) and the given values. */
function rows(column: string, values: Array<string | null>): Buffer {
  const cells = values.map((v) => (v === null ? int(-1) : Buffer.concat([int(Buffer.byteLength(v)), Buffer.from(v)])))
  const varchar = Buffer.from([0x00, 0x0d])
  return Buffer.concat([int(2), int(0x0001), int(1), str('system'), str('local'), str(column), varchar, int(values.length), ...cells])
}

/** A fake node: answers STARTUP with READY (or `startup`), every QUERY with `answer`, reading real request frames. */
function fakeNode(answer: (query: string, stream: number) => Buffer, startup?: (stream: number) => Buffer): (socket: Socket) => void {
  return (socket) => {
    let buffered = Buffer.alloc(0)
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk])
      while (buffered.length >= 9 && buffered.length >= 9 + buffered.readInt32BE(5)) {
        assert.equal(buffered.readUInt8(0), 0x04, 'requests are protocol v4')
        const stream = buffered.readInt16BE(2)
        const opcode = buffered.readUInt8(4)
        const body = buffered.subarray(9, 9 + buffered.readInt32BE(5))
        buffered = buffered.subarray(9 + body.length)
        if (opcode === 0x01) socket.write(startup?.(stream) ?? frame(stream, 0x02, Buffer.alloc(0)))
        else if (opcode === 0x07) socket.write(answer(body.toString('utf8', 4, 4 + body.readInt32BE(0)), stream))
      }
    })
  }
}

describe('probeCassandra', () => {
  it('tells a closed port from a silent program and from a program that is not Cassandra', async (t) => {
    await assertTellsPeersApart(t, probeCassandra, { state: 'not-cassandra', reason: /does not speak CQL/ })
  })

  it('is ready when system.local answers a release_version, skipping warnings the node attaches', async (t) => {
    const warnings = Buffer.concat([Buffer.from([0, 1]), str('Aggregation query used without partition key')])
    const port = await serve(
      t,
      fakeNode((query, stream) => {
        assert.equal(query, 'SELECT release_version FROM system.local')
        return frame(stream, 0x08, Buffer.concat([warnings, rows('release_version', ['5.0.9'])]), 0x08)
      }),
    )
    assert.deepEqual(await probeCassandra('127.0.0.1', port), { state: 'ready', releaseVersion: '5.0.9', protocolVersion: 4 })
  })

  it('is not ready while the node answers errors or wants a password', async (t) => {
    const unavailable = await serve(t, fakeNode((_q, stream) => frame(stream, 0x00, Buffer.concat([int(0x1000), str('Cannot achieve consistency level ONE')]))))
    const notYet = await probeCassandra('127.0.0.1', unavailable)
    assert.equal(notYet.state, 'no-answer')
    assert.match(notYet.state === 'no-answer' ? notYet.reason : '', /Cannot achieve consistency level ONE \(CQL error 0x1000\)/)

    const password = await serve(t, fakeNode(() => Buffer.alloc(0), (stream) => frame(stream, 0x03, str('org.apache.cassandra.auth.PasswordAuthenticator'))))
    const locked = await probeCassandra('127.0.0.1', password)
    assert.equal(locked.state, 'no-answer')
    assert.match(locked.state === 'no-answer' ? locked.reason : '', /asks for credentials \(org\.apache\.cassandra\.auth\.PasswordAuthenticator\)/)

    const old = await serve(t, (socket) => {
      socket.once('data', () => {
        const reply = frame(0, 0x00, Buffer.concat([int(0x000a), str('Invalid or unsupported protocol version (4)')]))
        reply.writeUInt8(0x83, 0)
        socket.write(reply)
      })
    })
    const tooOld = await probeCassandra('127.0.0.1', old)
    assert.equal(tooOld.state, 'not-cassandra')
    assert.match(tooOld.state === 'not-cassandra' ? tooOld.reason : '', /protocol v3, not v4: Invalid or unsupported protocol version/)
  })
})

describe('queryCql', () => {
  it('decodes rows and throws the node\'s errors as CqlError', async (t) => {
    const port = await serve(
      t,
      fakeNode((query, stream) =>
        query.startsWith('SELECT') ? frame(stream, 0x08, rows('name', ['a', null, 'é'])) : frame(stream, 0x00, Buffer.concat([int(0x2200), str('no such table')])),
      ),
    )
    assert.deepEqual(await queryCql('127.0.0.1', port, 'SELECT name FROM t'), { columns: ['name'], rows: [['a'], [null], ['é']] })
    await assert.rejects(queryCql('127.0.0.1', port, 'DROP TABLE t'), (err) => err instanceof CqlError && err.code === 0x2200 && /no such table/.test(err.message))
  })
})
