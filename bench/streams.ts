/**
 * The stream DSL's throughput: map → filter → map → fold over 10,000,000
 * numbers, beside the same work as a node:stream object-mode pipeline and as
 * a plain `for` loop, in the same run; and mapAsync(8) over an async identity.
 *
 *   npm run bench:streams [-- --quick] [--elements N]
 *
 * Prints progress on stderr, then as its last line one JSON object.
 */
import { Readable, Transform, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { parseArgs } from 'node:util'
import { Sink, Source } from '../src/streams/index.js'

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    elements: { type: 'string' },
  },
})
const N = Number(args.elements ?? 10_000_000)
const ASYNC_N = args.quick ? 1_000_000 : 4_000_000
const NODE_N = args.quick ? 2_000_000 : N
const ROUNDS = args.quick ? 3 : 5
if (!Number.isSafeInteger(N) || N <= 0) {
  console.error('--elements takes a positive integer')
  process.exit(2)
}

const double = (x: number): number => x * 2
const multipleOf3 = (x: number): boolean => x % 3 === 0
const plusOne = (x: number): number => x + 1
const add = (a: number, b: number): number => a + b
const expected = (n: number): number => {
  let sum = 0
  for (let i = 0; i < n; i++) {
    const y = i * 2
    if (y % 3 === 0) sum += y + 1
  }
  return sum
}

function rate(elements: number, startNs: bigint): number {
  return Math.round(elements / (Number(process.hrtime.bigint() - startNs) / 1e9))
}

function* numbers(n: number): Generator<number> {
  for (let i = 0; i < n; i++) yield i
}

async function streamsDsl(n: number): Promise<number> {
  const start = process.hrtime.bigint()
  const sum = await Source.range(0, n - 1).map(double).filter(multipleOf3).map(plusOne).runWith(Sink.fold(0, add)).result
  if (sum !== expected(n)) throw new Error(`streams computed ${sum}, expected ${expected(n)}`)
  return rate(n, start)
}

function plainLoop(n: number): number {
  const start = process.hrtime.bigint()
  let sum = 0
  for (let x = 0; x < n; x++) {
    const y = double(x)
    if (multipleOf3(y)) sum = add(sum, plusOne(y))
  }
  if (sum !== expected(n)) throw new Error('loop computed a wrong sum')
  return rate(n, start)
}

async function nodeStreams(n: number): Promise<number> {
  const start = process.hrtime.bigint()
  let sum = 0
  const transform = (f: (x: number) => number | undefined): Transform =>
    new Transform({
      objectMode: true,
      transform(x: number, _encoding, done) {
        const y = f(x)
        done(null, y)
      },
    })
  await pipeline(
    Readable.from(numbers(n)),
    transform(double),
    transform((x) => (multipleOf3(x) ? x : undefined)),
    transform(plusOne),
    new Writable({
      objectMode: true,
      write(x: number, _encoding, done) {
        sum = add(sum, x)
        done()
      },
    }),
  )
  if (sum !== expected(n)) throw new Error(`node:stream computed ${sum}, expected ${expected(n)}`)
  return rate(n, start)
}

async function mapAsync(n: number): Promise<number> {
  const identity = async (x: number): Promise<number> => x
  const start = process.hrtime.bigint()
  const count = await Source.range(0, n - 1).mapAsync(8, identity).runWith(Sink.count()).result
  if (count !== n) throw new Error(`mapAsync passed ${count} of ${n}`)
  return rate(n, start)
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

const results = { streams: [] as number[], loop: [] as number[], node: [] as number[], async: [] as number[] }
process.stderr.write(`bench streams: ${N} elements (node:stream on ${NODE_N}, mapAsync on ${ASYNC_N}), ${ROUNDS} rounds\n`)
for (let round = 0; round < ROUNDS; round++) {
  results.streams.push(await streamsDsl(N))
  results.loop.push(plainLoop(N))
  results.node.push(await nodeStreams(NODE_N))
  results.async.push(await mapAsync(ASYNC_N))
  process.stderr.write(
    `  round ${round + 1}/${ROUNDS}: streams ${results.streams[round]}/s, loop ${results.loop[round]}/s, ` +
      `node:stream ${results.node[round]}/s, mapAsync ${results.async[round]}/s\n`,
  )
}
const streams = median(results.streams)
const node = median(results.node)
console.log(
  JSON.stringify({
    bench: 'streams',
    elements: N,
    elements_per_s: streams,
    node_stream_elements_per_s: node,
    loop_elements_per_s: median(results.loop),
    map_async_elements_per_s: median(results.async),
    vs_node_stream: Number((streams / node).toFixed(1)),
  }),
)
