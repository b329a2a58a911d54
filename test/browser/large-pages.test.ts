import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { SummaryResponse } from '../../schemas/analytics'
import { dateRange, DEFAULT_FILTERS } from '../../dashboard/ui/filters'
import { formatCount, formatUsd } from '../../dashboard/ui/format'
import { pageRequestUrls } from '../../dashboard/ui/plans'
import { ROWS_SHOWN } from '../../dashboard/ui/components/DataTable'
import { seedWarehouse } from '../../bench/seed'
import { selectRows } from '../../warehouse/client'
import { launchChromium } from '../../bench/chromium'
import { screenshot, settled, shownText } from '../helpers/browser'
import { startTestCcscope, type TestCcscope } from '../helpers/ccscope'
import { defined } from '../helpers/defined'

/**
 * Every page on a large generated data set (bench/seed.ts: about 300 users, 7 days, 200 000 events copied inside
 * the engine): no page errors, no panel in error, and the Overview's figures equal the API's.
 */
let cc: TestCcscope
let browser: Browser
let page: Page
const errors: string[] = []

beforeAll(async () => {
  cc = await startTestCcscope()
  // A simulated user-day holds about 130 events: 200 000 events over a week are some 300 users.
  await seedWarehouse(cc.client, { events: 200_000, users: 300, days: 7, end: new Date() })
  browser = await launchChromium()
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
    [`/users/${encodeURIComponent(defined(top).u)}`, 'large-user'],
    [`/sessions/${encodeURIComponent(defined(top).s)}`, 'large-session'],
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
  expect(await shownText(page.locator('[data-stat="active-users"] [data-value]'))).toBe(formatCount(s.users))
  expect(await shownText(page.locator('[data-stat="cost"] [data-value]'))).toBe(formatUsd(s.costUsd))
}, 120_000)

/** The filter bar's option lists (components/FilterBar.tsx): asked for after the page's own requests, by design. */
const OPTION_LIST = /groupBy=(team|user)&sort=(team|user)&limit=(500|2000)|groupBy=model&limit=100/

it('starts every page request of the first load before the app itself has loaded, and asks for each once', async () => {
  const [one] = await selectRows<{ u: string }>(cc.client, "SELECT any(user_key) AS u FROM events WHERE event_name = 'api_request'")
  const paths = [
    '/',
    '/adoption?step=week',
    '/cost?by=team&sort=requests',
    '/policy?by=command',
    '/users?sort=user',
    `/users/${encodeURIComponent(defined(one).u)}`,
  ]
  for (const path of paths) {
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 } })
    const fresh = await context.newPage()
    const asked: string[] = []
    fresh.on('request', (request) => {
      const url = new URL(request.url())
      if (url.pathname.startsWith('/api/')) asked.push(url.pathname + url.search)
    })
    await fresh.goto(`${cc.apiUrl}${path}`)
    await settled(fresh)
    const target = new URL(path, cc.apiUrl)
    const planned = pageRequestUrls(target.pathname, target.searchParams)
    expect(planned.length, path).toBeGreaterThan(0)
    // Each planned request once: the page took the early answer instead of asking again.
    for (const url of planned)
      expect(
        asked.filter((u) => u === url),
        `${path}: ${url}`,
      ).toHaveLength(1)
    // Nothing else but who is signed in, the server facts and the filter bar's lists: the page asked for no URL the plan missed.
    const others = asked.filter((u) => !planned.includes(u) && u !== '/api/v1/auth/me' && u !== '/api/v1/meta' && !OPTION_LIST.test(u))
    expect(others, path).toEqual([])
    // Started before the app (React, the router, the query cache) had even been evaluated.
    const started = await fresh.evaluate((urls) => {
      const boot = performance.getEntriesByName('ccscope:boot')[0]?.startTime ?? -1
      const starts = performance
        .getEntriesByType('resource')
        .filter((e) => urls.some((u) => e.name.endsWith(u)))
        .map((e) => e.startTime)
      return { boot, latest: Math.max(...starts), count: starts.length }
    }, planned)
    expect(started.boot, path).toBeGreaterThan(0)
    expect(started.count, path).toBe(planned.length)
    expect(started.latest, path).toBeLessThan(started.boot)
    await context.close()
  }
}, 120_000)

it('draws the first rows of a long cost table and the rest on request, with the total over all of them', async () => {
  const range = dateRange(DEFAULT_FILTERS)
  const s = (await (await fetch(`${cc.apiUrl}/api/v1/summary?from=${range.from}&to=${range.to}&tz=UTC`)).json()) as SummaryResponse
  await page.goto(`${cc.apiUrl}/cost?by=user`)
  await settled(page)
  const groups = page.locator('[data-table="cost-breakdown"] td[data-group]')
  const more = page.locator('[data-more-rows]')
  const all = Number(await more.getAttribute('data-more-rows'))
  expect(all).toBeGreaterThan(ROWS_SHOWN)
  expect(await groups.count()).toBe(ROWS_SHOWN)
  expect(await shownText(page.locator('[data-table="cost-breakdown"] tr[data-row="total"] td[data-col="costUsd"]'))).toBe(formatUsd(s.costUsd))
  await more.getByRole('button').click()
  expect(await groups.count()).toBe(all)
  expect(await more.count()).toBe(0)
}, 60_000)
