/**
 * The demand forecast on the shared April 2014 file (401,906 Uber pickups):
 * - import: the file into a fresh embedded log (`pickups` topic) and SQLite
 *   store (`pickups` table), as `koober import pickups` does, in rows per
 *   second; beside it, in the same run, reading and parsing the file alone
 *   (the baseline: what the import costs beyond the parse);
 * - training: every model of both questions (next, calendar) on 04-01..16,
 *   scored on 04-17..23, as `koober forecast train` does (k-means:200
 *   places, hourly weather), seconds per model (both questions together)
 *   and CPU seconds;
 * - serving: predictions per second through the serving path (features and
 *   the best model) for every place over the held-out week, per question;
 *   the slower question is the figure.
 *
 *   npm run bench:forecast [-- --quick]
 *
 * --quick imports once instead of three times (the median is the figure).
 * Progress on stderr; the last stdout line is one JSON object:
 * {"bench":"forecast","import_rows_per_s":N,"train_seconds":{"linear":X,"ridge":X,"random_forest":X,"gbt":X},"train_seconds_total":X,"predictions_per_s":N,...}
 * Goals: import >= 200,000 rows/s; the four models trained in under 60 s in total.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { parseArgs } from 'node:util'
import { localMidnight } from '../src/forecast/calendar.js'
import { loadPickups, loadWeather, readPickupFiles } from '../src/forecast/data/index.js'
import { predictDemand, recentRange, trainDemandModel } from '../src/forecast/demand-model.js'
import { countDemand } from '../src/forecast/demand.js'
import { QUESTIONS } from '../src/forecast/features.js'
import { SLOT_MS } from '../src/forecast/types.js'
import { weatherIndex } from '../src/forecast/weather-index.js'
import { importPickups, type IdentifiedPickups } from '../src/koober/forecast/pickup-import.js'
import { createPickupTables } from '../src/koober/forecast/pickup-tables.js'
import { CITY_TIME_ZONE } from '../src/koober/geo.js'
import { KOOBER_TOPICS } from '../src/koober/topics.js'
import { openEmbeddedLog } from '../src/log/index.js'
import { openSqliteStore } from '../src/store/index.js'

const { values: args } = parseArgs({ options: { quick: { type: 'boolean', default: false } } })
const APRIL = join(import.meta.dirname, '..', '..', 'shared', 'data', 'nyc', 'uber-pickups-2014-04-01_23.csv.gz')
const WEATHER = join(import.meta.dirname, '..', '..', 'shared', 'data', 'nyc', 'nyc-weather-hourly-utc.csv')
const LEARNED = ['linear', 'ridge', 'random_forest', 'gbt'] as const
const progress = (line: string): void => void process.stderr.write(`${line}\n`)
const round = (value: number, digits = 2): number => Number(value.toFixed(digits))
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

/** One import of the file into a fresh data directory; rows read per second. */
async function importOnce(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'koober-bench-forecast-'))
  try {
    const log = await openEmbeddedLog({ dataDir: dir })
    const store = openSqliteStore({ dataDir: dir })
    try {
      await log.ensureTopic('pickups', { partitions: KOOBER_TOPICS.pickups!.partitions })
      await createPickupTables(store)
      let rows = 0
      async function* identified(): AsyncGenerator<IdentifiedPickups> {
        for await (const chunk of readPickupFiles([APRIL])) {
          rows += chunk.rows
          yield { pickups: chunk.pickups, ids: chunk.lines.map((line) => `${basename(chunk.path)}:${line}`) }
        }
      }
      const started = performance.now()
      await importPickups(log, store, identified())
      return rows / ((performance.now() - started) / 1000)
    } finally {
      await store.close()
      await log.close()
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Reading and parsing the file alone; rows per second. */
async function parseOnce(): Promise<number> {
  let rows = 0
  const started = performance.now()
  for await (const chunk of readPickupFiles([APRIL])) rows += chunk.rows
  return rows / ((performance.now() - started) / 1000)
}

async function main(): Promise<void> {
  const runs = args.quick ? 1 : 3
  const imports: number[] = []
  const parses: number[] = []
  for (let run = 0; run < runs; run++) {
    parses.push(await parseOnce())
    imports.push(await importOnce())
    progress(`import ${run + 1}/${runs}: ${Math.round(imports.at(-1)!).toLocaleString('en-US')} rows/s (parse alone: ${Math.round(parses.at(-1)!).toLocaleString('en-US')} rows/s)`)
  }

  const { pickups } = await loadPickups([APRIL])
  const weather = await loadWeather([WEATHER])
  const from = localMidnight('2014-04-01', CITY_TIME_ZONE)
  const until = localMidnight('2014-04-24', CITY_TIME_ZONE)
  progress(`training every model on ${pickups.length.toLocaleString('en-US')} pickups (04-01..16, scored on 04-17..23)`)
  const cpuBefore = process.cpuUsage()
  const started = performance.now()
  const version = trainDemandModel({ pickups, weather, from, until, holdoutDays: 7, places: { kind: 'kmeans', k: 200 }, timeZone: CITY_TIME_ZONE, onProgress: (m) => progress(`  ${m}`) })
  const trainWall = (performance.now() - started) / 1000
  const cpu = process.cpuUsage(cpuBefore)
  const trainSeconds: Record<string, number> = {}
  for (const name of LEARNED) trainSeconds[name] = round(QUESTIONS.reduce((sum, q) => sum + (version.questions[q]?.models[name]?.scores.train_seconds ?? 0), 0))
  const total = round(LEARNED.reduce((sum, name) => sum + trainSeconds[name]!, 0))

  const testFrom = until / SLOT_MS - 7 * 48
  const testUntil = until / SLOT_MS
  const index = weatherIndex(weather)
  const recent = countDemand(pickups, version.places, recentRange(testFrom, testUntil))
  const perQuestion: Record<string, number> = {}
  for (const question of QUESTIONS) {
    const startedAt = performance.now()
    const { predicted } = predictDemand(version, { question, fromSlot: testFrom, untilSlot: testUntil, weather: index, recent })
    perQuestion[question] = Math.round(predicted.length / ((performance.now() - startedAt) / 1000))
  }

  const best = Object.fromEntries(QUESTIONS.map((q) => [q, version.questions[q]!.best]))
  progress(`training: ${total} s for the four models (${round(trainWall)} s with places and features; ${round((cpu.user + cpu.system) / 1e6)} CPU-s); best: ${JSON.stringify(best)}`)
  progress(`goals: import >= 200,000 rows/s: ${median(imports) >= 200_000 ? 'met' : 'NOT met'}; training under 60 s: ${total < 60 ? 'met' : 'NOT met'}`)
  const line = {
    bench: 'forecast',
    import_rows_per_s: Math.round(median(imports)),
    train_seconds: trainSeconds,
    train_seconds_total: total,
    predictions_per_s: Math.min(...Object.values(perQuestion)),
    parse_baseline_rows_per_s: Math.round(median(parses)),
    train_wall_seconds: round(trainWall),
    train_cpu_seconds: round((cpu.user + cpu.system) / 1e6),
    predictions_per_s_by_question: perQuestion,
    best,
  }
  process.stdout.write(`${JSON.stringify(line)}\n`)
}

main().catch((err: unknown) => {
  console.error(err)
  process.exit(1)
})
