import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { hashPassword } from '../../dashboard/api/auth/passwords'
import { writeUsersFile } from '../../dashboard/api/auth/store'
import { addDays, todayIn } from '../../dashboard/ui/filters'
import { formatUsd } from '../../dashboard/ui/format'
import type { AlertsResponse, BudgetsResponse } from '../../schemas/budgets'
import { screenshot, settled, startDashboard, shownText } from '../helpers/browser'
import { tempDir, type TestCcscope } from '../helpers/ccscope'

/** Finance in Chromium: creates a budget, sees spend and forecast as the API states them, and the alerts with their webhook delivery. */
const PASSWORD = 'finance password 2026'
let cc: TestCcscope
let page: Page
let stop: () => Promise<void>
let receiver: http.Server
const received: string[] = []

beforeAll(async () => {
  const usersFile = path.join(tempDir('ccscope-users-'), 'users.json')
  writeUsersFile(usersFile, { users: [{ name: 'fin', role: 'finance', teams: [], passwordHash: await hashPassword(PASSWORD) }], tokens: [] })
  ;({ cc, page, stop } = await startDashboard(8, { CCSCOPE_USERS_FILE: usersFile }))
  receiver = http.createServer((request, response) => {
    let body = ''
    request.on('data', (c: Buffer) => (body += c.toString()))
    request.on('end', () => {
      received.push(body)
      response.end()
    })
  })
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
}, 60_000)
afterAll(async () => {
  await new Promise((resolve) => receiver?.close(resolve))
  await stop?.()
})

it('finance creates a budget, sees its spend and forecast, and the alerts it fired in the log', async () => {
  await page.goto(`${cc.apiUrl}/budgets`)
  await page.getByLabel('User name').fill('fin')
  await page.getByLabel('Password').fill(PASSWORD)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.waitForURL(/\/budgets$/)
  await settled(page)
  expect(await page.getByText('No budgets yet').count()).toBe(1)
  await screenshot(page, 'budgets-empty')

  await page.locator('[data-budget-new]').click()
  // A mistake first: no amount. The form says which field, and nothing is saved.
  await page.locator('[data-field="name"]').fill('Last ten days')
  await page.locator('[data-budget-save]').click()
  expect(await shownText(page.locator('[data-budget-error]'))).toMatch(/^Amount \(USD\): /)
  // Ten days ago to five days ahead, in the browser's zone; 10 USD, so both thresholds are already reached.
  const zone = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone)
  const today = todayIn(zone)
  await page.getByLabel('Period').selectOption('custom')
  await page.getByLabel('First day').fill(addDays(today, -10))
  await page.getByLabel('Last day (included)').fill(addDays(today, 5))
  await page.locator('[data-field="amount"]').fill('10')
  await page.locator('[data-field="webhooks"]').fill(`http://127.0.0.1:${(receiver.address() as AddressInfo).port}/finance`)
  await page.locator('[data-budget-save]').click()
  await expect.poll(() => page.locator('[data-budget-spent]').count()).toBe(1)
  await settled(page)

  const cookie = (await page.context().cookies()).find((c) => c.name === 'ccscope_session')
  const headers = { cookie: `ccscope_session=${cookie?.value}` }
  const { budgets } = (await (await fetch(`${cc.apiUrl}/api/v1/budgets`, { headers })).json()) as BudgetsResponse
  const [{ budget, status } = { budget: undefined, status: undefined }] = budgets
  expect(budget).toMatchObject({ name: 'Last ten days', updatedBy: 'fin', timeZone: zone, amountUsd: 10 })
  expect(status?.spentUsd).toBeGreaterThan(10)
  // The card states the API's figures.
  expect(await shownText(page.locator('[data-budget-spent]'))).toBe(formatUsd(status?.spentUsd))
  expect(await shownText(page.locator('[data-budget-forecast]'))).toBe(formatUsd(status?.forecastUsd))
  expect(await shownText(page.locator('[data-budget-crossing]'))).toMatch(/^Crossed on /)
  expect(await page.locator('[data-budget-tone]').getAttribute('data-budget-tone')).toBe('over')

  // Both thresholds fired once, each delivered to the webhook.
  const alerts = (await (await fetch(`${cc.apiUrl}/api/v1/alerts`, { headers })).json()) as AlertsResponse
  expect(alerts.alerts.map((a) => a.threshold).sort()).toEqual([75, 95])
  const rows = await page.locator('[data-table="alerts"] tbody tr').evaluateAll((trs) => trs.map((tr) => tr.textContent ?? ''))
  expect(rows.length).toBe(2)
  expect(rows.some((r) => r.includes('75% reached'))).toBe(true)
  expect(rows.some((r) => r.includes('95% reached'))).toBe(true)
  expect(await page.locator('[data-delivery="delivered"]').count()).toBe(2)
  expect(received.length).toBe(2)
  await screenshot(page, 'budgets-created')

  // Editing: the audit trail names who changed what.
  await page.locator('[data-budget-edit]').click()
  await page.locator('[data-field="amount"]').fill('5000')
  await page.locator('[data-budget-save]').click()
  await expect.poll(() => page.locator('[data-budget-tone]').getAttribute('data-budget-tone')).not.toBe('over')
  await page.getByRole('button', { name: 'Who changed what' }).click()
  await expect.poll(() => page.locator('[data-budget-history] li').count()).toBe(2)
  const history = await page.locator('[data-budget-history] li').allInnerTexts()
  expect(history[0]).toMatch(/fin · update · \$5,000/)
  expect(history[1]).toMatch(/fin · create · \$10/)
  // The alerts stay: a threshold fires once per period, whatever the edits.
  expect(await page.locator('[data-table="alerts"] tbody tr').count()).toBe(2)
  await screenshot(page, 'budgets-edited')

  // Reports: last week's digest opens as a page of its own, without the app; a schedule goes out at once.
  const digest = await page.request.get(`${cc.apiUrl}${await page.locator('[data-report-link="digest-html"]').getAttribute('href')}`)
  expect(digest.status()).toBe(200)
  expect(await digest.text()).toMatch(/<h1[^>]*>ccscope weekly digest: /)
  await page.locator('[data-field="scheduleName"]').fill('Finance weekly')
  await page.locator('[data-field="scheduleUrl"]').fill(`http://127.0.0.1:${(receiver.address() as AddressInfo).port}/digest`)
  await page.locator('[data-schedule-add]').click()
  await expect.poll(() => page.locator('[data-report-run="delivered"]').count()).toBe(1)
  expect(await shownText(page.locator('[data-report-schedules]'))).toContain('Finance weekly')
  const report = JSON.parse(received.at(-1) ?? '{}') as { type?: string; files?: { name: string }[] }
  expect(report.type).toBe('ccscope.report')
  expect(report.files?.map((f) => f.name.replace(/\d{4}-\d{2}-\d{2}/g, 'D'))).toEqual(['ccscope-weekly-digest-D-to-D.md', 'ccscope-weekly-digest-D-to-D.html'])
  await screenshot(page, 'budgets-reports')

  // On a phone: nothing wider than the screen, the form included.
  await page.setViewportSize({ width: 390, height: 844 })
  await page.locator('[data-budget-new]').click()
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
  await screenshot(page, 'budgets-390')
})
