/**
 * The web role under many sockets: N simulated drivers, each with a view of
 * a small area around itself, sending a position every second; how long it
 * takes for a position to reach the other drivers watching its cell (p50,
 * p99), how many messages the server delivers per second, how many sockets
 * it still holds at the end, and how much CPU it used. Beside it, in the same
 * run, the same clients against a baseline: a plain `ws` server that fans
 * the same messages out over the same grid, with no validation and no log.
 *
 *   npm run bench:web [-- --quick] [--sockets N] [--seconds S] [--view-meters M] [--only koober|baseline]
 *
 * Defaults: 5,000 sockets (1,000 with --quick) spread over New York's five
 * boroughs, views of 300 m around each (1 to 4 grid cells), 30 s measured
 * per server (10 s with --quick). The load grows with `fanout`, the other
 * drivers watching a driver's cell (about 12 at 5,000 sockets): messages
 * delivered per second are about sockets x fanout.
 *
 * Each server runs in a child process, so its CPU is its own (process.cpuUsage,
 * every thread, sent back over IPC); the load generator is this process:
 * all sockets on one event loop, one timer for all of them.
 *
 * Latency is measured without touching the protocol: a client remembers when
 * it sent each position (positions differ each second by a micro-degree
 * step), and a receiver finds the sending client by the update's driver id
 * and the send time by its position. Both ends are in this process, on one clock.
 *
 * Progress on stderr; the last stdout line is one JSON object:
 * {"bench":"web","sockets":N,"p50_ms":X,"p99_ms":Y,"messages_per_s":Z,...,"baseline_p99_ms":...}
 * The goal: 5,000 sockets with p99 < 200 ms on a 2-core machine.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import WebSocket, { WebSocketServer } from 'ws'
import { cellOf, cellsIn } from '../src/koober/geo.js'
import type { Bounds, LatLon } from '../src/koober/protocol.js'
import { boundsAround, openFileLimit, Random, roundPosition } from '../src/koober/simulator/index.js'
import { KOOBER_TOPICS } from '../src/koober/topics.js'
import { openEmbeddedLog } from '../src/log/index.js'
import { startWebServer } from '../src/web/server.js'

/** New York's five boroughs, roughly: about 1,000 grid cells, so 5,000 drivers are ~5 per cell, as in a real city. */
const AREA: Bounds = { south: 40.55, west: -74.05, north: 40.9, east: -73.75 }
/** Positions remembered per client, one a second: an update later than this cannot be matched (counted as lost). */
const SENT_KEPT = 16
/** Sockets opening at once during the ramp. */
const CONNECT_CONCURRENCY = 100
/** Files a process holds besides its sockets. */
const SPARE_FILES = 200

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    sockets: { type: 'string' },
    seconds: { type: 'string' },
    'view-meters': { type: 'string', default: '300' },
    only: { type: 'string' },
    serve: { type: 'string' },
    'data-dir': { type: 'string' },
  },
})

const progress = (line: string): void => void process.stderr.write(`${line}\n`)

// ---------------------------------------------------------------- servers (child processes)

type ToChild = { type: 'cpu' } | { type: 'stop' }
type FromChild = { type: 'ready'; url: string } | { type: 'cpu'; user: number; system: number; rss: number }

/** Runs in the child: one server, until the parent says stop. */
async function serve(kind: string): Promise<void> {
  let url: string
  let close: () => Promise<void>
  if (kind === 'koober') {
    const dataDir = args['data-dir']!
    const log = await openEmbeddedLog({ dataDir })
    for (const topic of ['driver', 'rider', 'rides', 'dead-letters']) await log.ensureTopic(topic, { partitions: KOOBER_TOPICS[topic]!.partitions })
    const server = await startWebServer({ log, port: 0 })
    url = server.url
    close = async () => {
      await server.close()
      await log.close()
    }
  } else if (kind === 'baseline') {
    ;({ url, close } = await startBaselineServer())
  } else {
    throw new Error(`--serve takes koober or baseline, got ${kind}`)
  }
  const send = (message: FromChild): void => void process.send!(message)
  process.on('message', (message: ToChild) => {
    if (message.type === 'cpu') {
      const { user, system } = process.cpuUsage()
      send({ type: 'cpu', user, system, rss: process.memoryUsage().rss })
    } else if (message.type === 'stop') {
      void close().finally(() => process.exit(0))
    }
  })
  process.on('disconnect', () => process.exit(0))
  send({ type: 'ready', url })
}

/**
 * The baseline: what any WebSocket fan-out by place costs on this machine.
 * The same endpoint, welcome, grid and messages as the web role, and the
 * same rule (an update goes to the sockets watching its cell, and to its own
 * socket); no schema checks, no log, no city view.
 */
async function startBaselineServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, path: '/ws/driver' })
  await new Promise<void>((resolve) => wss.once('listening', resolve))
  const watchers = new Map<string, Set<WebSocket>>()
  let next = 0
  wss.on('connection', (socket) => {
    const id = `driver-${(next++).toString(16).padStart(8, '0')}`
    let cells: string[] = []
    let cell: string | undefined
    let status = 'available'
    socket.send(JSON.stringify({ type: 'welcome', protocol: 1, role: 'driver', id, serverTime: Date.now(), center: { lat: 40.758, lon: -73.9855 }, limits: {} }))
    socket.on('message', (data) => {
      const message = JSON.parse(data.toString()) as { type: string; bounds?: Bounds; position?: LatLon; status?: string }
      if (message.type === 'view' && message.bounds) {
        for (const c of cells) watchers.get(c)?.delete(socket)
        cells = cellsIn(message.bounds) ?? []
        for (const c of cells) {
          let set = watchers.get(c)
          if (!set) watchers.set(c, (set = new Set()))
          set.add(socket)
        }
        socket.send(JSON.stringify({ type: 'snapshot', drivers: [], riders: [], rides: [] }))
      } else if (message.type === 'position' && message.position) {
        const previous = cell
        cell = cellOf(message.position)
        const text = JSON.stringify({ type: 'driver', driver: { id, position: message.position, status, time: Date.now() } })
        const sent = new Set<WebSocket>()
        for (const s of watchers.get(cell) ?? []) {
          sent.add(s)
          s.send(text)
        }
        if (!sent.has(socket)) socket.send(text)
        if (previous !== undefined && previous !== cell) {
          const gone = JSON.stringify({ type: 'gone', kind: 'driver', id })
          for (const s of watchers.get(previous) ?? []) if (!sent.has(s)) s.send(gone)
        }
      } else if (message.type === 'status' && message.status) {
        status = message.status
      }
    })
    socket.on('close', () => {
      for (const c of cells) watchers.get(c)?.delete(socket)
    })
  })
  const address = wss.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        for (const client of wss.clients) client.terminate()
        wss.close(() => resolve())
      }),
  }
}

// ---------------------------------------------------------------- the load (this process)

class Client {
  socket!: WebSocket
  id = ''
  open = false
  seq = 0
  /** The last SENT_KEPT positions sent, as a ring: lat, lon, send time (performance.now()). */
  readonly sentLat = new Float64Array(SENT_KEPT)
  readonly sentLon = new Float64Array(SENT_KEPT)
  readonly sentAt = new Float64Array(SENT_KEPT)
  /** The send time of the last position heard from each other client. */
  readonly heard = new Map<Client, number>()

  constructor(
    readonly home: LatLon,
    readonly view: Bounds,
  ) {}

  /** Where the car is at step `seq`: a micro-degree step around home, so each second's position is unique. */
  position(seq: number): LatLon {
    return roundPosition({ lat: this.home.lat + (seq % 32) * 1e-6, lon: this.home.lon + (seq % 31) * 1e-6 })
  }

  sentTime(position: LatLon): number | undefined {
    for (let i = 0; i < SENT_KEPT; i++) {
      if (this.sentLat[i] === position.lat && this.sentLon[i] === position.lon) return this.sentAt[i]
    }
    return undefined
  }
}

interface Measurement {
  sockets: number
  /** Sockets still open at the end of the window. */
  held: number
  p50: number
  p99: number
  max: number
  messagesPerSecond: number
  /** Other drivers' updates received for positions sent in the window, over the number that should have arrived. */
  deliveredRatio: number
  /** Updates that could not be matched to a position sent in the last SENT_KEPT seconds. */
  unmatched: number
  /** Deliveries per position: how many other drivers watch a driver's cell, on average. */
  fanout: number
  serverCpuPercent: number
  serverRssMb: number
  clientCpuPercent: number
  clientLoopDelayP99Ms: number
  /** All cores busy, as a percentage of the machine (100 = every core busy), or -1 where unknown. */
  machineCpuPercent: number
  connectSeconds: number
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

const round = (x: number, digits = 1): number => Number(x.toFixed(digits))

/** The machine's CPU time so far from /proc/stat: busy and total jiffies (kernel network work included, which no process is billed for). */
function machineCpu(): { busy: number; total: number } | undefined {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number)
    const total = fields.reduce((a, b) => a + b, 0)
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0)
    return { busy: total - idle, total }
  } catch {
    return undefined
  }
}

class ServerChild {
  private readonly replies: Array<(m: FromChild) => void> = []

  private constructor(
    readonly child: ChildProcess,
    readonly url: string,
    private readonly dataDir: string,
  ) {
    child.on('message', (m: FromChild) => this.replies.shift()?.(m))
  }

  /** Forks this file as `--serve kind`; the data directory is made and removed here, so a child killed at the end leaves nothing behind. */
  static start(kind: string): Promise<ServerChild> {
    const dataDir = mkdtempSync(join(tmpdir(), 'koober-bench-web-'))
    const child = fork(new URL(import.meta.url).pathname, ['--serve', kind, '--data-dir', dataDir], { execArgv: process.execArgv, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
    return new Promise((resolve, reject) => {
      const failed = (error: Error): void => {
        rmSync(dataDir, { recursive: true, force: true })
        reject(error)
      }
      child.once('error', failed)
      child.once('exit', (code) => failed(new Error(`the ${kind} server exited with ${code} before it was ready`)))
      child.once('message', (m: FromChild) => {
        child.removeAllListeners('exit')
        if (m.type === 'ready') resolve(new ServerChild(child, m.url, dataDir))
      })
    })
  }

  cpu(): Promise<{ micros: number; rss: number }> {
    return new Promise((resolve) => {
      this.replies.push((m) => resolve(m.type === 'cpu' ? { micros: m.user + m.system, rss: m.rss } : { micros: 0, rss: 0 }))
      this.child.send({ type: 'cpu' } satisfies ToChild)
    })
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000)
      this.child.once('exit', () => {
        clearTimeout(timer)
        rmSync(this.dataDir, { recursive: true, force: true })
        resolve()
      })
      this.child.send({ type: 'stop' } satisfies ToChild)
    })
  }
}

/** Connects `count` drivers to the server, runs them for warmup + window seconds, and measures the window. */
async function measure(kind: string, count: number, windowSeconds: number, viewMeters: number): Promise<Measurement> {
  const server = await ServerChild.start(kind)
  const random = new Random(2024)
  const clients = Array.from({ length: count }, () => {
    const home = roundPosition({ lat: random.between(AREA.south, AREA.north), lon: random.between(AREA.west, AREA.east) })
    return new Client(home, boundsAround(home, viewMeters))
  })
  const byId = new Map<string, Client>()
  // How many clients watch each cell: the deliveries a position there should make.
  const watching = new Map<string, number>()
  for (const client of clients) for (const cell of cellsIn(client.view) ?? []) watching.set(cell, (watching.get(cell) ?? 0) + 1)

  let measuring = false
  let windowStart = 0
  let received = 0
  let expected = 0
  let matched = 0
  let unmatched = 0
  const latencies: number[] = []

  const onMessage = (client: Client, text: string): void => {
    if (!measuring) return
    received++
    const message = JSON.parse(text) as { type: string; driver?: { id: string; position: LatLon } }
    if (message.type !== 'driver' || message.driver!.id === client.id) return
    const sender = byId.get(message.driver!.id)
    const sentAt = sender?.sentTime(message.driver!.position)
    if (sender === undefined || sentAt === undefined) return void unmatched++
    // Only the first time this client hears of that position: the server's heartbeat repeats positions, and a repeat is not a delivery.
    if (sentAt < windowStart || client.heard.get(sender) === sentAt) return
    client.heard.set(sender, sentAt)
    matched++
    latencies.push(performance.now() - sentAt)
  }

  const connectOne = (client: Client): Promise<void> =>
    new Promise((resolve, reject) => {
      // The load generator's own costs kept low: no compression, no UTF-8 check of what the server sends.
      const socket = new WebSocket(`${server.url.replace(/^http/, 'ws')}/ws/driver`, { perMessageDeflate: false, skipUTF8Validation: true })
      client.socket = socket
      socket.once('message', (data) => {
        client.id = (JSON.parse(data.toString()) as { id: string }).id
        byId.set(client.id, client)
        client.open = true
        socket.on('message', (more) => onMessage(client, more.toString()))
        socket.send(JSON.stringify({ type: 'view', bounds: client.view }))
        sendPosition(client)
        socket.send(JSON.stringify({ type: 'status', status: 'available' }))
        resolve()
      })
      socket.once('error', reject)
      socket.on('close', () => (client.open = false))
    })

  const sendPosition = (client: Client): void => {
    if (!client.open) return
    const seq = client.seq++
    const position = client.position(seq)
    const slot = seq % SENT_KEPT
    client.sentLat[slot] = position.lat
    client.sentLon[slot] = position.lon
    client.sentAt[slot] = performance.now()
    client.socket.send(JSON.stringify({ type: 'position', position }))
    if (measuring) expected += (watching.get(cellOf(position)) ?? 1) - 1
  }

  progress(`  ${kind}: connecting ${count} sockets to ${server.url}`)
  const connectStart = performance.now()
  let next = 0
  await Promise.all(
    Array.from({ length: CONNECT_CONCURRENCY }, async () => {
      while (next < clients.length) await connectOne(clients[next++]!)
    }),
  )
  const connectSeconds = (performance.now() - connectStart) / 1000
  progress(`  ${kind}: ${count} sockets open in ${round(connectSeconds)} s; warming up`)
  // The positions start once every socket is open (each sent one at connect): the ramp is not what is measured, and a loaded ramp is slow.
  // One timer for every client: client i sends in slot i % 100 of each second, so the load is even.
  const SLOTS = 100
  let sentSlots = Math.floor(performance.now() / 10)
  const ticker = setInterval(() => {
    const now = Math.floor(performance.now() / 10)
    for (; sentSlots < now; sentSlots++) {
      const slot = (sentSlots + 1) % SLOTS
      for (let i = slot; i < clients.length; i += SLOTS) sendPosition(clients[i]!)
    }
  }, 10)

  await sleep(args.quick ? 3000 : 5000)

  const loop = monitorEventLoopDelay({ resolution: 10 })
  const serverCpu0 = await server.cpu()
  const clientCpu0 = process.cpuUsage()
  const machine0 = machineCpu()
  windowStart = performance.now()
  measuring = true
  loop.enable()
  for (let s = 1; s <= windowSeconds; s++) {
    await sleep(1000)
    if (s % 5 === 0 || s === windowSeconds) progress(`  ${kind}: ${s}/${windowSeconds} s, ${received} messages, ${latencies.length} latencies`)
  }
  measuring = false
  loop.disable()
  const elapsed = (performance.now() - windowStart) / 1000
  const clientCpu = process.cpuUsage(clientCpu0)
  const machine1 = machineCpu()
  const serverCpu1 = await server.cpu()
  const held = clients.filter((c) => c.open).length
  clearInterval(ticker)
  for (const client of clients) client.socket.terminate()
  await server.stop()

  const sorted = Float64Array.from(latencies).sort()
  return {
    sockets: count,
    held,
    p50: round(percentile(sorted, 50)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted.length ? sorted[sorted.length - 1]! : NaN),
    messagesPerSecond: Math.round(received / elapsed),
    deliveredRatio: round(expected === 0 ? 1 : matched / expected, 3),
    unmatched,
    fanout: round(clients.reduce((sum, c) => sum + (watching.get(cellOf(c.home)) ?? 1) - 1, 0) / count),
    serverCpuPercent: Math.round(((serverCpu1.micros - serverCpu0.micros) / 1e6 / elapsed) * 100),
    serverRssMb: Math.round(serverCpu1.rss / 2 ** 20),
    clientCpuPercent: Math.round(((clientCpu.user + clientCpu.system) / 1e6 / elapsed) * 100),
    clientLoopDelayP99Ms: round(loop.percentile(99) / 1e6),
    machineCpuPercent: machine0 && machine1 ? Math.round(((machine1.busy - machine0.busy) / (machine1.total - machine0.total)) * 100) : -1,
    connectSeconds: round(connectSeconds),
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

// ---------------------------------------------------------------- main

/**
 * Each socket is a file in both processes. Node raises its own soft limit on
 * open files to the hard limit at start, so what /proc says now is the most
 * this process can get: below what the run needs, say so and measure as many
 * sockets as fit (raising the hard limit takes root: `ulimit -Hn`).
 */
function fitToFileLimit(wanted: number): { sockets: number; limit: number | undefined } {
  const limit = openFileLimit()
  if (limit === undefined || wanted + SPARE_FILES <= limit) return { sockets: wanted, limit }
  const sockets = Math.max(1, limit - SPARE_FILES)
  progress(`bench web: WARNING: ${wanted} sockets need ${wanted + SPARE_FILES} open files, the limit is ${limit}: measuring ${sockets} sockets (raise it with ulimit -n)`)
  return { sockets, limit }
}

async function main(): Promise<void> {
  const wanted = Number(args.sockets ?? (args.quick ? 1000 : 5000))
  const windowSeconds = Number(args.seconds ?? (args.quick ? 10 : 30))
  const viewMeters = Number(args['view-meters'])
  for (const [name, value] of [['sockets', wanted], ['seconds', windowSeconds], ['view-meters', viewMeters]] as const) {
    if (!Number.isSafeInteger(value) || value <= 0) {
      console.error(`--${name} takes a positive integer, got ${value}`)
      process.exit(2)
    }
  }
  const { sockets, limit } = fitToFileLimit(wanted)
  // Whatever else runs on the machine takes from both sides: say how busy it was before we started.
  const idle0 = machineCpu()
  await sleep(1000)
  const idle1 = machineCpu()
  const busyBefore = idle0 && idle1 ? Math.round(((idle1.busy - idle0.busy) / (idle1.total - idle0.total)) * 100) : -1
  if (busyBefore > 10) progress(`bench web: WARNING: the machine was ${busyBefore}% busy before the run (other processes): the figures will suffer`)
  progress(
    `bench web: ${sockets} driver sockets, a position each per second, views of ${viewMeters} m around each; ` +
      `${windowSeconds} s measured per server; ${cpus().length} cores; open-file limit ${limit ?? 'unknown'}`,
  )
  // --only koober|baseline: one side alone, for exploring (the last line then has only that side's figures).
  const koober = args.only === 'baseline' ? undefined : await measure('koober', sockets, windowSeconds, viewMeters)
  if (koober) progress(`  koober: ${JSON.stringify(koober)}`)
  const baseline = args.only === 'koober' ? undefined : await measure('baseline', sockets, windowSeconds, viewMeters)
  if (baseline) progress(`  baseline: ${JSON.stringify(baseline)}`)
  if (!koober || !baseline) {
    console.log(JSON.stringify({ bench: 'web', only: args.only, machineBusyBeforePercent: busyBefore, ...(koober ?? baseline) }))
    return
  }
  console.log(
    JSON.stringify({
      bench: 'web',
      sockets: koober.held,
      sockets_wanted: wanted,
      fd_limit: limit ?? null,
      p50_ms: koober.p50,
      p99_ms: koober.p99,
      max_ms: koober.max,
      messages_per_s: koober.messagesPerSecond,
      delivered_ratio: koober.deliveredRatio,
      server_cpu_percent: koober.serverCpuPercent,
      server_rss_mb: koober.serverRssMb,
      client_cpu_percent: koober.clientCpuPercent,
      client_loop_delay_p99_ms: koober.clientLoopDelayP99Ms,
      machine_cpu_percent: koober.machineCpuPercent,
      machine_busy_before_percent: busyBefore,
      connect_s: koober.connectSeconds,
      fanout: koober.fanout,
      baseline: 'plain ws fan-out by cell, no validation, no log (child process)',
      baseline_sockets: baseline.held,
      baseline_p50_ms: baseline.p50,
      baseline_p99_ms: baseline.p99,
      baseline_messages_per_s: baseline.messagesPerSecond,
      baseline_delivered_ratio: baseline.deliveredRatio,
      baseline_server_cpu_percent: baseline.serverCpuPercent,
      baseline_client_cpu_percent: baseline.clientCpuPercent,
      baseline_machine_cpu_percent: baseline.machineCpuPercent,
      p99_ratio: round(koober.p99 / baseline.p99, 2),
      cpu_ratio: round(koober.serverCpuPercent / Math.max(1, baseline.serverCpuPercent), 2),
      goal_5000_sockets_p99_under_200_ms: koober.held >= 5000 && koober.p99 < 200 && koober.deliveredRatio >= 0.99,
    }),
  )
}

if (args.serve !== undefined) await serve(args.serve)
else await main()
