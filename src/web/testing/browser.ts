import assert from 'node:assert/strict'
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core'
import { buildWeb } from '../../../web/build.js'

/*
 * What the browser tests share: Debian's Chromium (playwright-core never
 * downloads one), the flags that keep it off this machine's closed network,
 * the pages built fresh from web/, and where screenshots go.
 */

export const CHROMIUM = '/usr/bin/chromium'
export const ARTIFACTS = join(import.meta.dirname, '..', '..', '..', 'test-artifacts')
/** OpenStreetMap's tiles: refused in the tests (no network here, and tests must not load a public tile server). */
export const TILES = 'https://tile.openstreetmap.org/'

const REQUIRE_SERVICES = process.env.KOOBER_REQUIRE_SERVICES === '1'

/** The test's `skip`: false when Chromium is there or CI requires it (then its absence fails the test). */
export function browserSkip(what: string): string | false {
  const skip = existsSync(CHROMIUM) || REQUIRE_SERVICES ? false : `needs Chromium at ${CHROMIUM} (Debian: apt-get install chromium)`
  if (skip) console.error(`SKIPPING ${what}: ${skip}`)
  return skip
}

/** Chromium, headless, with background networking off; the pages as they are in web/ now (not whatever dist/public holds). */
export async function launchWithPages(): Promise<{ browser: Browser; publicDir: string }> {
  assert.ok(existsSync(CHROMIUM), `KOOBER_REQUIRE_SERVICES=1, and there is no Chromium at ${CHROMIUM} (Debian: apt-get install chromium)`)
  mkdirSync(ARTIFACTS, { recursive: true })
  const publicDir = mkdtempSync(join(tmpdir(), 'koober-browser-public-'))
  await buildWeb({ outDir: publicDir, typecheck: false })
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
  return { browser, publicDir }
}

/** Refuses map tiles in a context, as a machine without internet would. */
export async function blockTiles(context: BrowserContext): Promise<void> {
  await context.route(`${TILES}**`, (route) => route.abort('internetdisconnected'))
}

/**
 * A page in a fresh context with map tiles refused, a 20 s default timeout,
 * and every page error and console error (but the refused tiles') pushed to
 * `problems`, each prefixed with `label` when given.
 */
export async function watchedPage(browser: Browser, problems: string[], options: { viewport?: { width: number; height: number }; label?: string } = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 800 } })
  await blockTiles(context)
  const page = await context.newPage()
  page.setDefaultTimeout(20_000)
  const prefix = options.label ? `${options.label}: ` : ''
  page.on('pageerror', (error) => problems.push(`${prefix}${error.message}`))
  page.on('console', (message: ConsoleMessage) => {
    if (message.type() === 'error' && !message.location().url.startsWith(TILES)) problems.push(`${prefix}console: ${message.text()}`)
  })
  return page
}
