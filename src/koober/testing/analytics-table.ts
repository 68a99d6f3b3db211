import type { Row, Store } from '../../store/index.js'
import { ANALYTICS_TABLE } from '../analytics/city-analytics.js'

/**
 * The `analytics` table as comparable rows, by window id: numbers to 10
 * significant digits (quantile sketches merged in another order differ in
 * their last bits) and without `firing` (which firing wrote a row last
 * depends on timing; its figures do not).
 *
 * @example
 * ```ts
 * assert.deepEqual(await analyticsTable(distributed), await analyticsTable(reference))
 * ```
 */
export async function analyticsTable(store: Store): Promise<Map<string, Row>> {
  const rows = new Map<string, Row>()
  let page: string | undefined
  do {
    const result = await store.scan(ANALYTICS_TABLE.name, { limit: 1000, ...(page ? { page } : {}) })
    for (const row of result.rows) {
      const rounded = Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'number' ? Number(v.toPrecision(10)) : v]))
      rows.set(String(row.id), { ...rounded, firing: undefined })
    }
    page = result.nextPage
  } while (page)
  return rows
}
