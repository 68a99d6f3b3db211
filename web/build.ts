/**
 * Builds the browser pages into dist/public, which the web role serves:
 * the HTML pages at /, /rider, /driver, /dashboard and /forecast, everything else under /static/.
 *
 *   node --import tsx web/build.ts [--out-dir DIR] [--skip-typecheck]
 *
 * It type-checks web/ first (its own tsconfig, with the DOM library the
 * server code must not see), then bundles rider.ts, driver.ts,
 * dashboard.ts and forecast.ts with esbuild and copies the pages, the stylesheet and
 * Leaflet's CSS and marker images beside them.
 */
import { spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { build } from 'esbuild'

const WEB_DIR = import.meta.dirname
const ROOT = join(WEB_DIR, '..')
export const DEFAULT_PUBLIC_DIR = join(ROOT, 'dist', 'public')

export interface BuildWebOptions {
  /** Where the pages go (emptied first); default dist/public. */
  outDir?: string
  /** Type-check web/ before bundling (default true); esbuild alone only strips types. */
  typecheck?: boolean
}

/** Type-checks the browser code and the build script, each with its own tsconfig; throws when tsc finds errors. */
export function typecheckWeb(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
  for (const project of ['tsconfig.json', 'tsconfig.node.json']) {
    const result = spawnSync(process.execPath, [tsc, '-p', join(WEB_DIR, project)], { stdio: 'inherit' })
    if (result.status !== 0) throw new Error(`type errors in web/ (tsc -p web/${project})`)
  }
}

/** Builds the pages into `outDir`; resolves to the files written, relative to it. */
export async function buildWeb(options: BuildWebOptions = {}): Promise<string[]> {
  const outDir = options.outDir ?? DEFAULT_PUBLIC_DIR
  if (options.typecheck ?? true) typecheckWeb()
  // Emptied first, so a renamed chunk or page never lingers from an older build.
  rmSync(outDir, { recursive: true, force: true })
  mkdirSync(outDir, { recursive: true })

  await build({
    entryPoints: { rider: join(WEB_DIR, 'rider.ts'), driver: join(WEB_DIR, 'driver.ts'), dashboard: join(WEB_DIR, 'dashboard.ts'), forecast: join(WEB_DIR, 'forecast.ts') },
    outdir: outDir,
    bundle: true,
    // The pages share Leaflet and web/shared: one cached chunk instead of a copy each.
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    sourcemap: true,
    tsconfig: join(WEB_DIR, 'tsconfig.json'),
    logLevel: 'warning',
  })

  for (const name of readdirSync(WEB_DIR)) {
    if (name.endsWith('.html') || name.endsWith('.css')) cpSync(join(WEB_DIR, name), join(outDir, name))
  }
  const leaflet = join(dirname(createRequire(import.meta.url).resolve('leaflet/package.json')), 'dist')
  cpSync(join(leaflet, 'leaflet.css'), join(outDir, 'leaflet.css'))
  cpSync(join(leaflet, 'images'), join(outDir, 'images'), { recursive: true })
  return listFiles(outDir).map((file) => relative(outDir, file))
}

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? listFiles(path) : [path]
  })
}

/** A path as the user would type it: relative when under the working directory. */
function shown(path: string): string {
  const rel = relative(process.cwd(), path)
  return rel.startsWith('..') ? path : rel || '.'
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'out-dir': { type: 'string' }, 'skip-typecheck': { type: 'boolean' } } })
  const outDir = values['out-dir'] ?? DEFAULT_PUBLIC_DIR
  const started = Date.now()
  console.error(values['skip-typecheck'] ? 'web: bundling (type check skipped)' : 'web: type-checking and bundling')
  const files = await buildWeb({ outDir, typecheck: !values['skip-typecheck'] })
  const kb = (file: string): string => `${Math.round(statSync(join(outDir, file)).size / 1024)} kB`
  const scripts = files.filter((file) => file.endsWith('.js')).map((file) => `${file} ${kb(file)}`)
  console.error(`web: ${files.length} files in ${shown(outDir)} in ${Date.now() - started} ms (${scripts.join(', ')})`)
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: Error) => {
    console.error(`web build failed: ${err.message}`)
    process.exitCode = 1
  })
}
