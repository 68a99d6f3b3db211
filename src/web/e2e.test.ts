import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { openEmbeddedLog } from '../log/index.js'
import { KOOBER_TOPICS } from '../koober/topics.js'
import { startWebServer } from './server.js'
import { ARTIFACTS, browserSkip, launchWithPages, watchedPage } from './testing/browser.js'

/*
 * A whole ride in a real browser: a driver page and a rider page, each in its
 * own browser context (two people), against the real server on an embedded
 * log. Cars drive fast (400 m/s, a tick every 100 ms) so the ride takes
 * seconds. Screenshots of both pages go to test-artifacts/.
 *
 * The browser is Debian's Chromium; playwright-core never downloads one.
 */

const skip = browserSkip('the browser end-to-end test')

/** Clicks the map `dx`, `dy` pixels from its center (both pages open on the same center and zoom). */
async function clickMap(page: Page, dx: number, dy: number): Promise<void> {
  const box = await page.getByTestId('map').boundingBox()
  assert.ok(box, 'the map has a size')
  await page.mouse.click(box.x + box.width / 2 + dx, box.y + box.height / 2 + dy)
}

const waitFor = (page: Page, selector: string): Promise<void> => page.locator(selector).first().waitFor()

async function openPage(browser: Browser, url: string, problems: string[]): Promise<Page> {
  const page = await watchedPage(browser, problems, { label: new URL(url).pathname })
  await page.goto(url, { waitUntil: 'domcontentloaded' })
  await waitFor(page, '[data-testid="connection"][data-state="open"]')
  // No tiles: the page says so and draws its plain grid instead of waiting.
  await waitFor(page, '[data-testid="tiles-offline"]')
  return page
}

async function snap(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) })
}

test('a whole ride, from request to drop-off, in two browsers', { skip, timeout: 120_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'koober-e2e-log-'))
  const { browser, publicDir } = await launchWithPages()
  const log = await openEmbeddedLog({ dataDir })
  for (const topic of ['driver', 'rider', 'rides', 'analytics', 'dead-letters']) await log.ensureTopic(topic, { partitions: KOOBER_TOPICS[topic]!.partitions })
  const server = await startWebServer({ log, port: 0, publicDir, speedMetersPerSecond: 400, tickMs: 100 })
  const problems: string[] = []
  try {
    const home = await openPlain(browser, server.url, problems)
    assert.equal(await home.getByTestId('go-rider').getAttribute('href'), '/rider')

    // The driver places the car about 2 km from where the rider will stand (a few seconds' drive), and goes offline and available again.
    const driver = await openPage(browser, `${server.url}/driver`, problems)
    await clickMap(driver, 150, -250)
    await waitFor(driver, '[data-testid="driver-status"]:not([data-driver-status="none"])')
    if ((await driver.getByTestId('driver-status').getAttribute('data-driver-status')) === 'available') {
      await driver.getByTestId('status-toggle').click()
      await waitFor(driver, '[data-testid="driver-status"][data-driver-status="offline"]')
    }
    await driver.getByTestId('status-toggle').click()
    await waitFor(driver, '[data-testid="driver-status"][data-driver-status="available"]')

    // The rider sees the car, stands somewhere, picks a destination about 1.3 km east, and requests.
    const rider = await openPage(browser, `${server.url}/rider`, problems)
    await waitFor(rider, '[data-testid="car-marker"]')
    await clickMap(rider, -250, 150)
    await waitFor(rider, '[data-testid="click-mode"][data-mode="destination"]')
    await clickMap(rider, 110, 150)
    await rider.locator('[data-testid="request-ride"]:enabled').click()
    await waitFor(rider, '[data-testid="ride-status"][data-ride-status="requested"]')

    // The driver sees the request in the list and on the map; the rider thinks better of it, and the request goes away.
    const request = driver.getByTestId('ride-request')
    await request.waitFor()
    await waitFor(driver, '[data-testid="request-marker"]')
    await rider.getByTestId('cancel-ride').click()
    await waitFor(rider, '[data-testid="ride-status"][data-ride-status="cancelled"]')
    await request.waitFor({ state: 'detached' })

    // Asked again, the driver accepts.
    await rider.locator('[data-testid="request-ride"]:enabled').click()
    await waitFor(rider, '[data-testid="ride-status"][data-ride-status="requested"]')
    await request.getByTestId('accept-ride').click()

    // The rider sees the driver coming, with an ETA and the route drawn.
    await waitFor(rider, '[data-testid="ride-status"][data-ride-status="accepted"]')
    await rider.getByTestId('eta').filter({ hasText: /Pickup in \d+/ }).waitFor()
    await waitFor(rider, '[data-car="ride"]')
    assert.ok(((await rider.locator('path.ride-route').getAttribute('d')) ?? '').length > 10, 'the route to the pickup is drawn')

    // Picked up: both pages show the trip.
    await waitFor(rider, '[data-testid="ride-status"][data-ride-status="pickedUp"]')
    await waitFor(driver, '[data-testid="ride-status"][data-ride-status="pickedUp"]')
    await Promise.all([snap(rider, 'rider-trip'), snap(driver, 'driver-trip')])
    assert.equal(await rider.getByTestId('ride-status').textContent(), 'On trip')

    // Dropped off: the rider has arrived and the driver is available again.
    await waitFor(rider, '[data-testid="ride-status"][data-ride-status="completed"]')
    await waitFor(driver, '[data-testid="ride-status"][data-ride-status="completed"]')
    await waitFor(driver, '[data-testid="driver-status"][data-driver-status="available"]')
    assert.equal(await rider.getByTestId('ride-status').textContent(), 'Arrived')
    await Promise.all([snap(rider, 'rider-end'), snap(driver, 'driver-end')])

    for (const page of [rider, driver]) assert.ok(await page.getByTestId('error').isHidden(), `no error shown: ${await page.getByTestId('error').textContent()}`)
    assert.deepEqual(problems, [], 'no console errors but failed tiles')
  } finally {
    await browser.close()
    await server.close()
    await log.close()
    rmSync(dataDir, { recursive: true, force: true })
    rmSync(publicDir, { recursive: true, force: true })
  }
})

/** The home page: no socket, no map. */
async function openPlain(browser: Browser, url: string, problems: string[]): Promise<Page> {
  const page = await (await browser.newContext()).newPage()
  page.on('pageerror', (error) => problems.push(`/: ${error.message}`))
  page.on('console', (message) => message.type() === 'error' && problems.push(`/: console: ${message.text()}`))
  await page.goto(url)
  return page
}
