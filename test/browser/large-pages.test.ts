import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { SummaryResponse } from '../../schemas/analytics'
import { dateRange, DEFAULT_FILTERS } from '../../dashboard/ui/filters'
import { formatCount, formatUsd } from '../../dashboard/ui/format'
import { seedWarehouse } from '../../bench/seed'
import { selectRows } from '../../warehouse/client'
import { launchBrowser, screenshot, settled } from '../helpers/browser'
import { startTestCcscope, type TestCcscope } from '../helpers/ccscope'

/**
 * Every page on a large generated data set (bench/seed.ts: 300 users, 30 days, 200 000 events made inside
 * the engine): no page errors, no panel in error, and the Overview's figures equal the API's.
 */
let cc: TestCcscope
let browser: Browser
let page: Page
const errors: string[] = []

beforeAll(async () => {
  cc = await startTestCcscope()
  await seedWarehouse(cc.client, { events: 200_000, users: 300, days: 30, end: new Date() })
  browser = await launchBrowser()
  page = await browser.newPage({ viewport: { width: 1366, height: 900 } })
  page.on('pageerror', (error) => errors.push(error.message))
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text())
  })
}, 120_000)
afterAll(async () => {
  await browser?.close()
  await cc?.stop()
})

it('renders every page without errors, with the API figures', async () => {
  const [top] = await selectRows<{ u: string; s: string }>(
    cc.client,
    "SELECT user_key AS u, any(session_id) AS s FROM events WHERE event_name = 'api_request' GROUP BY u ORDER BY count() DESC LIMIT 1",
  )
  const pages: [string, string][] = [
    ['/', 'large-overview'],
    ['/adoption', 'large-adoption'],
    ['/cost', 'large-cost'],
    ['/cost?by=user&stack=team', 'large-cost-by-user'],
    ['/policy', 'large-policy'],
    ['/users', 'large-users'],
    [`/users/${encodeURIComponent(top!.u)}`, 'large-user'],
    [`/sessions/${encodeURIComponent(top!.s)}`, 'large-session'],
  ]
  for (const [path, name] of pages) {
    const began = Date.now()
    await page.goto(`${cc.apiUrl}${path}`)
    await settled(page)
    process.stdout.write(`  ${path}: settled in ${Date.now() - began} ms\n`)
    expect(await page.locator('.error').count(), `${path}: panels in error`).toBe(0)
    expect(errors, `${path}: page errors`).toEqual([])
    await screenshot(page, name)
  }
  const range = dateRange(DEFAULT_FILTERS)
  const s = (await (await fetch(`${cc.apiUrl}/api/v1/summary?from=${range.from}&to=${range.to}&tz=UTC`)).json()) as SummaryResponse
  await page.goto(`${cc.apiUrl}/`)
  await settled(page)
  expect(s.users).toBeGreaterThan(100)
  expect(await page.locator('[data-stat="active-users"] [data-value]').innerText()).toBe(formatCount(s.users))
  expect(await page.locator('[data-stat="cost"] [data-value]').innerText()).toBe(formatUsd(s.costUsd))
}, 120_000)
