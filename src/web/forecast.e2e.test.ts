import assert from 'node:assert/strict'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import type { Page } from 'playwright-core'
import type { ForecastCollection, ModelsReply, SeriesReply } from './forecast-wire.js'
import { ARTIFACTS, browserSkip, launchWithPages, watchedPage } from './testing/browser.js'
import { PLACES, openForecastStore } from './testing/forecast-store.js'
import { startTestServer } from './testing/web-fixture.js'

/*
 * The /forecast page in a real browser, against the real server with
 * Koober's forecaster over a real SQLite store and a version trained on
 * generated pickups of March 2014: the page draws the places live (pinned
 * with ?at= to a week the pickups cover), switches models, lists their
 * evaluation, charts a clicked place, and redraws what-ifs from the calendar
 * model: a rainy Friday 18:00 is busier than a Sunday 04:00. A store with no
 * model and a server that went away each get their message. A screenshot
 * goes to test-artifacts/forecast.png.
 *
 * The browser is Debian's Chromium; playwright-core never downloads one.
 */

const skip = browserSkip('the forecast page end-to-end test')

/** Waits for `selector` to match `count` elements. Page code as a string: this file has no DOM types. */
async function expectCount(page: Page, selector: string, count: number): Promise<void> {
  await page.waitForFunction(`document.querySelectorAll(${JSON.stringify(selector)}).length === ${count}`)
}

/** Every place on the map as place → predicted demand. */
async function mapDemand(page: Page): Promise<Map<number, number>> {
  const pairs = await page.getByTestId('place').evaluateAll((nodes) => nodes.map((n) => [Number(n.getAttribute('data-place')), Number(n.getAttribute('data-demand'))] as const))
  return new Map(pairs)
}

const demandOf = (collection: ForecastCollection): Map<number, number> => new Map(collection.features.map((f) => [f.properties.place, f.properties.demand]))
const total = (demand: Map<number, number>): number => [...demand.values()].reduce((a, b) => a + b, 0)

test('the forecast page maps predicted demand live and for what-ifs, compares the models and charts a place', { skip, timeout: 180_000 }, async () => {
  const { browser, publicDir } = await launchWithPages()
  const data = await openForecastStore()
  const empty = await openForecastStore({ trained: false })
  const { server, close } = await startTestServer({ publicDir, forecaster: data.forecaster })
  const bare = await startTestServer({ publicDir, forecaster: empty.forecaster })
  const api = async <T>(path: string): Promise<T> => (await (await fetch(`${server.url}${path}`)).json()) as T
  const problems: string[] = []
  try {
    const models = await api<ModelsReply>('/api/forecast/models')
    const newest = (question: string) => models.models.filter((m) => m.version === models.newestVersion && m.question === question)
    const bestOf = (question: string): string => newest(question).find((m) => m.best)!.algorithm

    const page = await watchedPage(browser, problems, { viewport: { width: 1280, height: 860 } })

    // From the home page's link: live, the next half hour from now.
    await page.goto(server.url)
    await page.getByTestId('go-forecast').click()
    await page.waitForURL(`${server.url}/forecast`)
    await expectCount(page, '[data-testid="place"]', PLACES)
    await page.locator('[data-testid="live-status"][data-state="open"]', { hasText: 'Live' }).waitFor()
    assert.ok(await page.getByTestId('notice').isHidden())
    assert.ok(await page.getByTestId('pinned').isHidden())

    // Pinned to a Wednesday evening the pickups cover: the next model's forecast for 18:00–18:30 there, as the API gives it.
    await page.goto(`${server.url}/forecast?at=2014-03-19T18:00`)
    await page.locator('[data-testid="slot"]', { hasText: 'Wed 19 Mar 2014, 18:00–18:30 (New York)' }).waitFor()
    await expectCount(page, '[data-testid="place"]', PLACES)
    assert.match((await page.getByTestId('pinned').textContent()) ?? '', /now pinned to Wed 19 Mar 2014 18:00 \(New York\)/)
    assert.equal(await page.getByTestId('map-title').getAttribute('data-mode'), 'live')
    assert.equal(await page.getByTestId('map-model').getAttribute('data-algorithm'), bestOf('next'))
    assert.equal(await page.getByTestId('map-model').getAttribute('data-version'), String(models.newestVersion))
    const at = encodeURIComponent('2014-03-19T18:00:00-04:00')
    assert.deepEqual(await mapDemand(page), demandOf(await api<ForecastCollection>(`/api/forecast?at=${at}`)))
    assert.match((await page.getByTestId('place').first().getAttribute('aria-label')) ?? '', /^Place \d+: [\d.]+ pickups predicted, Wed 19 Mar 2014, 18:00–18:30$/)
    await page.getByTestId('legend').waitFor()

    // The model selector: the newest version's next models, the best chosen; the evaluation table scores each, the best marked.
    const select = page.getByTestId('model-select')
    assert.equal(await select.inputValue(), bestOf('next'))
    const options = await select.locator('option').evaluateAll((nodes) => nodes.map((n) => n.getAttribute('value')))
    assert.deepEqual([...options].sort(), newest('next').map((m) => m.algorithm).sort())
    const rows = page.getByTestId('evaluation-row')
    assert.equal(await rows.count(), newest('next').length)
    assert.deepEqual(await page.locator('[data-testid="evaluation-row"][data-best="true"]').evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-algorithm'))), [bestOf('next')])
    for (const model of newest('next')) {
      const rmse = page.locator(`[data-testid="evaluation-row"][data-algorithm="${model.algorithm}"] [data-score="rmse"]`)
      assert.equal(await rmse.textContent(), model.evaluation!.rmse!.toFixed(2), model.algorithm)
    }
    assert.match((await page.getByTestId('evaluation-caption').textContent()) ?? '', /question next/)

    // Another model redraws the map from it.
    await select.selectOption('historical_average')
    await page.locator('[data-testid="map-model"][data-algorithm="historical_average"]').waitFor()
    assert.deepEqual(await mapDemand(page), demandOf(await api<ForecastCollection>(`/api/forecast?at=${at}&algorithm=historical_average`)))
    assert.equal(await page.locator('[data-testid="evaluation-row"][aria-current="true"]').getAttribute('data-algorithm'), 'historical_average')

    // A click on a place charts its predicted against actual pickups over the three days up to the slot: 144 half hours.
    const placeId = Number(await page.getByTestId('place').nth(2).getAttribute('data-place'))
    // By its number: circles are reordered (the quietest on top), so a position names no place for long.
    const place = page.locator(`[data-testid="place"][data-place="${placeId}"]`)
    await place.click()
    await page.locator(`[data-testid="place-title"][data-place="${placeId}"]`).waitFor()
    assert.equal(await place.getAttribute('aria-pressed'), 'true')
    const pointsOf = (series: string): string => `[data-testid="chart-place"] [data-testid="point"][data-series="${series}"]`
    await expectCount(page, pointsOf('predicted'), 144)
    await expectCount(page, pointsOf('actual'), 144)
    const series = await api<SeriesReply>(
      `/api/forecast/series?place=${placeId}&from=${encodeURIComponent('2014-03-16T18:30:00-04:00')}&until=${encodeURIComponent('2014-03-19T18:30:00-04:00')}&algorithm=historical_average`,
    )
    const values = (selector: string): Promise<number[]> => page.locator(selector).evaluateAll((nodes) => nodes.map((n) => Number(n.getAttribute('data-value'))))
    assert.deepEqual(await values(pointsOf('actual')), series.points.map((p) => p.actual))
    assert.deepEqual(await values(pointsOf('predicted')), series.points.map((p) => p.predicted))
    assert.match((await page.getByTestId('place-hint').textContent()) ?? '', /Sun 16 Mar 2014 18:30 to Wed 19 Mar 2014 18:30/)

    // From the keyboard too: a place takes the focus, and Enter picks it.
    const otherId = Number(await page.locator(`[data-testid="place"]:not([data-place="${placeId}"])`).first().getAttribute('data-place'))
    await page.locator(`[data-testid="place"][data-place="${otherId}"]`).focus()
    await page.keyboard.press('Enter')
    await page.locator(`[data-testid="place-title"][data-place="${otherId}"]`).waitFor()
    await place.click()
    await page.locator(`[data-testid="place-title"][data-place="${placeId}"]`).waitFor()

    // What if: a rainy Friday at 18:00, from the calendar model, its best chosen.
    await page.getByTestId('what-if-date').fill('2014-03-21')
    await page.getByTestId('what-if-time').fill('18:00')
    await page.getByTestId('what-if-temperature').fill('4')
    await page.getByTestId('condition-rain').check()
    await page.getByTestId('what-if-apply').click()
    await page.locator('[data-testid="slot"]', { hasText: 'Fri 21 Mar 2014, 18:00–18:30' }).waitFor()
    assert.equal(await page.getByTestId('map-title').getAttribute('data-mode'), 'what-if')
    assert.equal(await page.getByTestId('map-title').textContent(), 'What if: 4 °C, rain')
    assert.equal(await page.getByTestId('live-status').textContent(), 'What if')
    assert.equal(await page.getByTestId('map-model').getAttribute('data-algorithm'), bestOf('calendar'))
    assert.equal(await select.inputValue(), bestOf('calendar'))
    assert.match((await page.getByTestId('evaluation-caption').textContent()) ?? '', /question calendar/)
    const friday = await mapDemand(page)
    const fridayAt = encodeURIComponent('2014-03-21T18:00:00-04:00')
    assert.deepEqual(friday, demandOf(await api<ForecastCollection>(`/api/forecast?at=${fridayAt}&question=calendar&temperature=4&conditions=rain`)))
    // The chosen place's chart follows the map's model and slot.
    await expectCount(page, pointsOf('predicted'), 144)
    await page.locator('[data-testid="place-hint"]', { hasText: 'Tue 18 Mar 2014 18:30 to Fri 21 Mar 2014 18:30' }).waitFor()
    await page.screenshot({ path: join(ARTIFACTS, 'forecast.png') })

    // A Sunday at 04:00, same weather: the city asleep.
    await page.getByTestId('what-if-date').fill('2014-03-23')
    await page.getByTestId('what-if-time').fill('04:00')
    await page.getByTestId('what-if-apply').click()
    await page.locator('[data-testid="slot"]', { hasText: 'Sun 23 Mar 2014, 04:00–04:30' }).waitFor()
    const sunday = await mapDemand(page)
    assert.ok(total(friday) > 2 * total(sunday), `a rainy Friday 18:00 (${total(friday).toFixed(1)} pickups) is far busier than a Sunday 04:00 (${total(sunday).toFixed(1)})`)

    // Back to live: the next model again, the one picked for it kept.
    await page.getByTestId('back-to-live').click()
    await page.locator('[data-testid="map-title"][data-mode="live"]').waitFor()
    await page.locator('[data-testid="slot"]', { hasText: 'Wed 19 Mar 2014, 18:00–18:30' }).waitFor()
    assert.equal(await select.inputValue(), 'historical_average')
    assert.ok(await page.getByTestId('back-to-live').isDisabled())
    assert.deepEqual(problems, [], 'no console errors but failed tiles')

    // A store with no model yet: the page says how to train one.
    const other = await page.context().newPage()
    await other.goto(`${bare.url}/forecast`)
    await other.locator('[data-testid="notice"][data-kind="no-model"]').waitFor()
    assert.match((await other.getByTestId('notice').textContent()) ?? '', /No model yet\. Train one with koober forecast train .*koober demo-data/)
    assert.equal(await other.getByTestId('live-status').textContent(), 'No model yet')
    assert.equal(await other.getByTestId('place').count(), 0)

    // The server goes away: the page says so, and keeps trying.
    await bare.close()
    await other.getByTestId('what-if-apply').click()
    await other.locator('[data-testid="notice"][data-kind="unreachable"]').waitFor()
    assert.equal(await other.getByTestId('live-status').textContent(), 'Server unreachable: retrying')
  } finally {
    await browser.close()
    await close()
    await bare.close()
    await data.close()
    await empty.close()
    rmSync(publicDir, { recursive: true, force: true })
  }
})
