import assert from 'node:assert/strict'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import type { Page } from 'playwright-core'
import type { AnalyticsResult } from '../koober/analytics/index.js'
import { cellOf } from '../koober/geo.js'
import { startTestServer } from './testing/web-fixture.js'
import { ARTIFACTS, browserSkip, launchWithPages, watchedPage } from './testing/browser.js'

/*
 * The dashboard in a real browser, against the real server on an embedded
 * log: it says there are no analytics yet, then charts the `analytics`
 * records this test appends (as the analytics job would: several minutes,
 * citywide and three cells, the current minute still firing early), maps
 * the cells shaded by demand over supply, switches the charts to a cell on
 * a click and back, and follows a new firing of the current minute. A
 * screenshot goes to test-artifacts/dashboard.png.
 *
 * The browser is Debian's Chromium; playwright-core never downloads one.
 */

const skip = browserSkip('the dashboard end-to-end test')

const MINUTE = 60_000

type Figures = Omit<AnalyticsResult, 'id' | 'area' | 'windowStart' | 'windowEnd' | 'minutes' | 'firing' | 'demandSupply'>

/** A result as the analytics job writes it to the topic; `firing` follows from the window's end unless given. */
function result(area: string, windowStart: number, minutes: number, figures: Partial<Figures>, firing?: AnalyticsResult['firing']): AnalyticsResult {
  const f: Figures = { requests: 0, availableDrivers: 0, waitAvgSeconds: null, waitP90Seconds: null, tripsCompleted: 0, tripSecondsAvg: null, tripMetersAvg: null, ...figures }
  const windowEnd = windowStart + minutes * MINUTE
  return {
    id: `${area}/${minutes}/${windowStart}`,
    area,
    windowStart,
    windowEnd,
    minutes,
    firing: firing ?? (windowEnd <= Date.now() ? 'on-time' : 'early'),
    ...f,
    demandSupply: f.availableDrivers === 0 ? null : f.requests / f.availableDrivers,
  }
}

/** Three cells near Times Square: few drivers for its riders in B, plenty in A, none in C. */
const A = cellOf({ lat: 40.755, lon: -73.995 })
const B = cellOf({ lat: 40.765, lon: -73.995 })
const C = cellOf({ lat: 40.755, lon: -73.985 })

/** Six minutes of the city, the last one the current (still counting), plus the 5-minute waits and the three cells. */
function cityRecords(now: number): AnalyticsResult[] {
  const current = Math.floor(now / MINUTE) * MINUTE
  const minute = (k: number): number => current - k * MINUTE
  const city = [
    { requests: 10, availableDrivers: 8, waitAvgSeconds: 60, waitP90Seconds: 90, tripsCompleted: 3, tripSecondsAvg: 400, tripMetersAvg: 2500 },
    { requests: 12, availableDrivers: 8, waitAvgSeconds: 75, waitP90Seconds: 110, tripsCompleted: 4, tripSecondsAvg: 420, tripMetersAvg: 2700 },
    // No pickup this minute: no wait figures.
    { requests: 9, availableDrivers: 6, tripsCompleted: 2, tripSecondsAvg: 380, tripMetersAvg: 2300 },
    { requests: 14, availableDrivers: 5, waitAvgSeconds: 90, waitP90Seconds: 130, tripsCompleted: 5, tripSecondsAvg: 450, tripMetersAvg: 3100 },
    { requests: 11, availableDrivers: 5, waitAvgSeconds: 80, waitP90Seconds: 120, tripsCompleted: 3, tripSecondsAvg: 410, tripMetersAvg: 2600 },
    { requests: 9, availableDrivers: 7, waitAvgSeconds: 70, waitP90Seconds: 95, tripsCompleted: 1, tripSecondsAvg: 390, tripMetersAvg: 2400 },
  ]
  return [
    // An early firing of the minute before, superseded by its on-time firing (same id): one point, not two.
    result('city', minute(1), 1, { requests: 6, availableDrivers: 5 }, 'early'),
    ...city.map((figures, i) => result('city', minute(5 - i), 1, figures)),
    // 5-minute windows sliding by a minute, ending with minutes 3 to 0 ago; the one ending a minute from now is only partly past.
    ...[3, 2, 1, 0, -1].map((k) => result('city', minute(k + 4), 5, { waitAvgSeconds: 70 + k, waitP90Seconds: 110 + k })),
    ...[3, 2, 1, 0].map((k) => result(A, minute(k), 1, { requests: 1 + k, availableDrivers: 5, waitAvgSeconds: 40 + k })),
    result(B, minute(0), 1, { requests: 6, availableDrivers: 2, waitAvgSeconds: 150, waitP90Seconds: 200 }),
    result(C, minute(0), 1, { requests: 2, availableDrivers: 0 }),
  ]
}

const pointsOf = (chart: string, series: string): string => `[data-testid="${chart}"] [data-testid="point"][data-series="${series}"]`
const points = (page: Page, chart: string, series: string): Promise<number> => page.locator(pointsOf(chart, series)).count()

/** Waits for `selector` to match `count` elements (a refresh may still be on its way). Page code as a string: this file has no DOM types. */
async function expectCount(page: Page, selector: string, count: number): Promise<void> {
  await page.waitForFunction(`document.querySelectorAll(${JSON.stringify(selector)}).length === ${count}`)
}

const expectPoints = (page: Page, chart: string, series: string, count: number): Promise<void> => expectCount(page, pointsOf(chart, series), count)

/** A hex fill's red minus blue: positive for the reds of the scale (riders waiting), negative for its blues. */
function warmth(fill: string | null): number {
  const match = /^#([0-9a-f]{2})[0-9a-f]{2}([0-9a-f]{2})$/i.exec(fill ?? '')
  assert.ok(match, `a hex fill, not ${fill}`)
  return parseInt(match[1]!, 16) - parseInt(match[2]!, 16)
}

test('the dashboard charts the analytics over time and maps the areas by demand over supply', { skip, timeout: 120_000 }, async () => {
  const { browser, publicDir } = await launchWithPages()
  const { server, log, close } = await startTestServer({ publicDir })
  const problems: string[] = []
  try {
    const page = await watchedPage(browser, problems)

    // From the home page, the dashboard's link.
    await page.goto(server.url)
    await page.getByTestId('go-dashboard').click()
    await page.waitForURL(`${server.url}/dashboard`)

    // Before the analytics job has written anything, the page says so (and the map falls back to its plain background).
    await page.getByTestId('empty').waitFor()
    assert.match((await page.getByTestId('empty').textContent()) ?? '', /No analytics yet: the analytics job writes a result per minute/)
    assert.ok(await page.getByTestId('dash-body').isHidden())
    assert.equal(await page.getByTestId('live-status').textContent(), 'Waiting for analytics')
    await page.getByTestId('tiles-offline').waitFor()

    // The job's results arrive; the page, polling, charts them without a reload.
    const records = cityRecords(Date.now())
    await log.append('analytics', records.map((r) => ({ key: r.area, value: JSON.stringify(r) })))
    await page.getByTestId('dash-body').waitFor()
    assert.ok(await page.getByTestId('empty').isHidden())
    await page.locator('[data-testid="live-status"][data-state="open"]').waitFor()

    // Citywide: a point per minute for each figure, nulls left out; the current minute provisional.
    await expectPoints(page, 'chart-demand', 'requests', 6)
    assert.equal(await page.getByTestId('charts-title').textContent(), 'Citywide')
    assert.equal(await points(page, 'chart-demand', 'drivers'), 6)
    assert.equal(await points(page, 'chart-ratio', 'ratio'), 6)
    assert.equal(await points(page, 'chart-wait', 'wait-avg'), 5, 'a minute without pickups has no wait')
    assert.equal(await points(page, 'chart-wait', 'wait-p90'), 5)
    assert.equal(await points(page, 'chart-wait', 'wait-avg-5'), 4, 'the 5-minute window ending in the future is not drawn yet')
    assert.equal(await points(page, 'chart-trips', 'trips'), 6)
    assert.equal(await points(page, 'chart-trip-mean', 'trip-duration'), 6)
    assert.equal(await points(page, 'chart-trip-mean', 'trip-distance'), 6)
    const requests = page.locator('[data-testid="chart-demand"] [data-testid="point"][data-series="requests"]')
    const provisional = await requests.evaluateAll((nodes) => nodes.map((n) => [Number(n.getAttribute('data-time')), n.getAttribute('data-provisional')] as const))
    const newest = Math.max(...provisional.map(([time]) => time))
    assert.deepEqual(
      provisional.filter(([, p]) => p === 'true').map(([time]) => time),
      [newest],
      'only the current minute is provisional',
    )
    assert.equal(await page.locator('[data-testid="chart-demand"] [data-series="requests"] path.provisional').count(), 1, 'its segment is dashed')
    assert.equal(await requests.evaluateAll((nodes) => nodes.map((n) => Number(n.getAttribute('data-value'))).join(',')), '10,12,9,14,11,9')
    assert.equal(await page.getByTestId('now-requests').textContent(), '9')
    assert.equal(await page.getByTestId('now-ratio').textContent(), (9 / 7).toFixed(2))

    // The map: one rectangle per area of the newest minute, shaded by demand over supply.
    const cells = page.getByTestId('area-cell')
    await expectCount(page, '[data-testid="area-cell"]', 3)
    const cell = (area: string) => page.locator(`[data-testid="area-cell"][data-area="${area}"]`)
    const shade = async (area: string) => (await cell(area).getAttribute('data-shade')) ?? ''
    assert.deepEqual((await cells.evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-area')))).sort(), [A, B, C].sort())
    assert.ok(Number(await shade(A)) < Number(await shade(B)), 'A (0.2 requests per driver) is shaded below B (3)')
    assert.ok(warmth(await cell(A).getAttribute('fill')) < 0, 'A is blue: drivers to spare')
    assert.ok(warmth(await cell(B).getAttribute('fill')) > 0, 'B is red: riders waiting')
    assert.equal(await shade(C), 'no-driver')
    const fill = await cell(C).evaluate((n) => (globalThis as unknown as { getComputedStyle(e: unknown): { fill: string } }).getComputedStyle(n).fill)
    assert.match(fill, /url\("?#no-driver-hatch"?\)/, 'no driver: hatched')
    await page.getByTestId('legend').waitFor()

    // Its tooltip has the area's figures.
    await cell(B).hover()
    const tooltip = page.locator('.area-tooltip')
    await tooltip.waitFor()
    assert.match((await tooltip.textContent()) ?? '', new RegExp(`Area ${B}.*Demand / supply3\\.00.*Ride requests6.*Available drivers2`))

    // A click on an area switches the charts to it.
    await cell(A).click()
    await page.locator(`[data-testid="charts-title"][data-area="${A}"]`).waitFor()
    assert.equal(await page.getByTestId('charts-title').textContent(), `Area ${A}`)
    await expectPoints(page, 'chart-demand', 'requests', 4)
    assert.equal(await requests.evaluateAll((nodes) => nodes.map((n) => Number(n.getAttribute('data-value'))).join(',')), '4,3,2,1')
    assert.equal(await points(page, 'chart-wait', 'wait-avg-5'), 0)
    assert.equal(await cell(A).getAttribute('aria-pressed'), 'true')
    assert.match(page.url(), new RegExp(`#area=${A}$`))
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-area.png') })

    // And the citywide button back.
    await page.getByTestId('show-city').click()
    await page.locator('[data-testid="charts-title"][data-area="city"]').waitFor()
    await expectPoints(page, 'chart-demand', 'requests', 6)
    assert.ok(await page.getByTestId('show-city').isHidden())

    // From the keyboard too: a cell takes the focus, and Enter picks it.
    await cell(B).focus()
    await page.keyboard.press('Enter')
    await page.locator(`[data-testid="charts-title"][data-area="${B}"]`).waitFor()
    await expectPoints(page, 'chart-demand', 'requests', 1)
    await page.getByTestId('show-city').click()
    await page.locator('[data-testid="charts-title"][data-area="city"]').waitFor()

    // A new early firing of the current minute replaces its figures on the next poll.
    const current = records.filter((r) => r.area === 'city' && r.minutes === 1).reduce((a, b) => (b.windowStart > a.windowStart ? b : a))
    await log.append('analytics', [{ key: 'city', value: JSON.stringify({ ...current, requests: 15, demandSupply: 15 / 7 }) }])
    await page.locator('[data-testid="now-requests"]', { hasText: '15' }).waitFor()
    await expectPoints(page, 'chart-demand', 'requests', 6)

    await cell(B).hover()
    await tooltip.waitFor()
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png') })
    assert.deepEqual(problems, [], 'no console errors but failed tiles')
  } finally {
    await browser.close()
    await close()
    rmSync(publicDir, { recursive: true, force: true })
  }
})
