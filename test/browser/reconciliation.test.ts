import path from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { hashPassword } from '../../dashboard/api/auth/passwords'
import { writeUsersFile } from '../../dashboard/api/auth/store'
import type { DatasetResponse } from '../../schemas/analytics'
import type { ReconciliationResponse } from '../../schemas/billing'
import { screenshot, settled, startDashboard } from '../helpers/browser'
import { tempDir, type TestCcscope } from '../helpers/ccscope'

/** Finance in Chromium: nothing imported yet, a bill refused row by row, then a bill imported and its day flagged. */
const PASSWORD = 'finance password 2026'
let cc: TestCcscope
let page: Page
let stop: () => Promise<void>

beforeAll(async () => {
  const usersFile = path.join(tempDir('ccscope-users-'), 'users.json')
  writeUsersFile(usersFile, { users: [{ name: 'fin', role: 'finance', teams: [], passwordHash: await hashPassword(PASSWORD) }], tokens: [] })
  ;({ cc, page, stop } = await startDashboard(9, { CCSCOPE_USERS_FILE: usersFile }))
}, 60_000)
afterAll(async () => {
  await stop?.()
})

const file = (name: string, text: string) => ({ name, mimeType: name.endsWith('.json') ? 'application/json' : 'text/csv', buffer: Buffer.from(text) })

async function asFinance<T>(url: string): Promise<T> {
  const cookie = (await page.context().cookies()).find((c) => c.name === 'ccscope_session')
  const res = await fetch(`${cc.apiUrl}${url}`, { headers: { cookie: `ccscope_session=${cookie?.value}` } })
  if (res.status !== 200) throw new Error(`${url}: ${res.status}`)
  return (await res.json()) as T
}

it('lets finance upload a bill, lists the bad rows of a broken one, and flags the day that does not reconcile', async () => {
  await page.goto(`${cc.apiUrl}/`)
  await page.getByLabel('User name').fill('fin')
  await page.getByLabel('Password').fill(PASSWORD)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.waitForURL(/\/cost$/)
  await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Reconciliation' }).click()
  await page.waitForURL(/\/reconciliation$/)
  await settled(page)
  expect(await page.locator('[data-billing-empty]').innerText()).toContain('No billing data imported yet')
  expect(await page.locator('[data-stat="billed"] [data-value]').innerText()).toBe('—')
  await screenshot(page, 'reconciliation-empty')

  // Yesterday (UTC) and someone who worked then: their bill is $123.45, whatever the telemetry says.
  const today = new Date().toISOString().slice(0, 10)
  const yesterday = new Date(Date.parse(`${today}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10)
  const cost = await asFinance<DatasetResponse<'cost'>>(`/api/v1/cost?from=${yesterday}&to=${today}&tz=UTC&groupBy=user&limit=1`)
  const user = cost.rows[0]?.group
  if (!user) throw new Error(`nobody worked on ${yesterday} in the generated fleet`)

  const bad = `date,user_email,model,cost_usd\n${yesterday},${user},claude-opus-5,123.45\n${yesterday},${user},claude-opus-5,lots\n`
  await page.locator('[data-billing-file]').setInputFiles(file('bill.csv', bad))
  await expect.poll(() => page.locator('[data-billing-status]').getAttribute('data-billing-status')).toBe('failed')
  const problems = await page
    .locator('[data-table="billing-problems"] tbody tr')
    .evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent)))
  expect(problems).toEqual([['line 3', 'cost_usd', 'must be a non-negative amount of dollars such as 12.34 (at most 6 decimals)']])
  expect((await asFinance<ReconciliationResponse>('/api/v1/billing/reconciliation')).stored.days).toBe(0)
  await screenshot(page, 'reconciliation-refused')

  const good = `date,user_email,model,cost_usd\n${yesterday},${user},claude-opus-5,123.45\n`
  await page.locator('[data-billing-file]').setInputFiles(file('bill.csv', good))
  await expect.poll(() => page.locator('[data-billing-status]').getAttribute('data-billing-status')).toBe('imported')
  expect(await page.locator('[data-billing-status]').innerText()).toBe(`Imported $123.45 billed to 1 person over 1 day, ${yesterday} from bill.csv.`)
  await settled(page)
  expect(await page.locator('[data-billing-empty]').count()).toBe(0)
  expect(await page.locator('[data-stat="billed"] [data-value]').innerText()).toBe('$123.45')

  const api = await asFinance<ReconciliationResponse>('/api/v1/billing/reconciliation')
  const day = api.days.find((d) => d.date === yesterday)
  expect(day?.flagged).toBe(true)
  const dayRow = page.locator('[data-table="reconciliation-days"] tbody tr', { hasText: yesterday })
  expect(await dayRow.getAttribute('class')).toBe('highlight')
  expect(await dayRow.locator('[data-day-status]').innerText()).toBe('over threshold')
  // The other days show the bill as not reported, never $0.00.
  const other = page.locator('[data-table="reconciliation-days"] tbody tr').first()
  expect(await other.locator('[data-col="billed"]').innerText()).toBe('—')
  const person = page.locator('[data-table="reconciliation-people"] tbody tr', { hasText: user }).filter({ hasText: yesterday })
  expect(await person.getAttribute('class')).toBe('highlight')
  await screenshot(page, 'reconciliation-flagged')
  await page.setViewportSize({ width: 390, height: 900 })
  // On a phone nothing is wider than the screen (long tables scroll inside their card).
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
  await screenshot(page, 'reconciliation-flagged-390')

  // The rows a page at a time: the API's order, the next page from the pager, the totals unchanged; every row as CSV.
  await page.setViewportSize({ width: 1366, height: 900 })
  const all = await asFinance<ReconciliationResponse>('/api/v1/billing/reconciliation?limit=1000')
  expect(all.page.rows).toBeGreaterThan(100)
  const people = page.locator('[data-table="reconciliation-people"] tbody tr')
  const firstCells = async () => (await people.first().locator('td').allTextContents()).slice(0, 2)
  expect(await page.locator('[data-pager-label]').textContent()).toBe(`Rows 1–100 of ${all.page.rows.toLocaleString('en-US')}`)
  expect(await firstCells()).toEqual([all.rows[0]?.date, all.rows[0]?.user])
  const billedTile = await page.locator('[data-stat="billed"] [data-value]').textContent()
  await page.locator('[data-page="next"]').click()
  await settled(page)
  expect(await page.locator('[data-pager-label]').textContent()).toBe(
    `Rows 101–${Math.min(200, all.page.rows).toLocaleString('en-US')} of ${all.page.rows.toLocaleString('en-US')}`,
  )
  expect(await firstCells()).toEqual([all.rows[100]?.date, all.rows[100]?.user])
  expect(await page.locator('[data-stat="billed"] [data-value]').textContent()).toBe(billedTile)
  await screenshot(page, 'reconciliation-page-2')
  await page.locator('[data-page="previous"]').click()
  await settled(page)
  expect(await firstCells()).toEqual([all.rows[0]?.date, all.rows[0]?.user])
  const href = await page.locator('[data-export="reconciliation"]').getAttribute('href')
  expect(href).toMatch(/^\/api\/v1\/billing\/reconciliation\.csv\?from=\d{4}-\d{2}-\d{2}&to=\d{4}-\d{2}-\d{2}$/)
  const csv = await (
    await fetch(`${cc.apiUrl}${href}`, {
      headers: { cookie: `ccscope_session=${(await page.context().cookies()).find((c) => c.name === 'ccscope_session')?.value}` },
    })
  ).text()
  expect(csv.trim().split('\n').length).toBe(all.page.rows + 2)
}, 90_000)
