import path from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashPassword } from '../../dashboard/api/auth/passwords'
import { writeUsersFile } from '../../dashboard/api/auth/store'
import type { SummaryResponse } from '../../schemas/analytics'
import { dateRange, DEFAULT_FILTERS } from '../../dashboard/ui/filters'
import { formatUsd } from '../../dashboard/ui/format'
import { screenshot, settled, startDashboard, shownText } from '../helpers/browser'
import { tempDir, type TestCcscope } from '../helpers/ccscope'
import { defined } from '../helpers/defined'

/** Signing in to the dashboard in Chromium: the login page, a finance user's pages, a page not for them, signing out. */
const PASSWORD = 'finance password 2026'
let cc: TestCcscope
let page: Page
let stop: () => Promise<void>

beforeAll(async () => {
  const usersFile = path.join(tempDir('ccscope-users-'), 'users.json')
  writeUsersFile(usersFile, { users: [{ name: 'fin', role: 'finance', teams: [], passwordHash: await hashPassword(PASSWORD) }], tokens: [] })
  ;({ cc, page, stop } = await startDashboard(5, { CCSCOPE_USERS_FILE: usersFile }))
}, 60_000)
afterAll(async () => {
  await stop?.()
})

const navLinks = () => page.getByRole('navigation', { name: 'Pages' }).getByRole('link').allInnerTexts()

describe('signing in', () => {
  it('shows the login page first, and says so when the password is wrong', async () => {
    await page.goto(`${cc.apiUrl}/`)
    await page.getByRole('heading', { name: 'Sign in to ccscope' }).waitFor()
    expect(await page.getByRole('navigation', { name: 'Pages' }).count()).toBe(0)
    await page.getByLabel('User name').fill('fin')
    await page.getByLabel('Password').fill('not it')
    await page.getByRole('button', { name: 'Sign in' }).click()
    expect(await shownText(page.getByRole('alert'))).toBe('Wrong user name or password.')
    await screenshot(page, 'login-failed')
  })

  it('lets finance in to the cost pages only, with the same figures as the API', async () => {
    await page.getByLabel('Password').fill(PASSWORD)
    await page.getByRole('button', { name: 'Sign in' }).click()
    // Finance has no overview: the landing page is their first page.
    await page.waitForURL(/\/cost$/)
    await settled(page)
    expect(await navLinks()).toEqual(['Cost', 'Budgets', 'Reconciliation', 'Users'])
    expect(await shownText(page.locator('[data-me="fin"]'))).toContain('finance')
    expect(await page.locator('[data-forbidden]').count()).toBe(0)
    const range = dateRange(DEFAULT_FILTERS)
    const cookie = (await page.context().cookies()).find((c) => c.name === 'ccscope_session')
    expect(cookie?.httpOnly).toBe(true)
    const res = await fetch(`${cc.apiUrl}/api/v1/summary?from=${range.from}&to=${range.to}&tz=UTC`, { headers: { cookie: `ccscope_session=${cookie?.value}` } })
    const summary = (await res.json()) as SummaryResponse
    expect(summary.costUsd).toBeGreaterThan(0)
    expect((await shownText(page.locator('[data-panel="cost-tiles"] [data-stat="cost"] [data-value]'))).trim()).toBe(formatUsd(summary.costUsd))
    await screenshot(page, 'login-finance-cost')
  })

  it('says in place that finance cannot see the policy page', async () => {
    await page.goto(`${cc.apiUrl}/policy`)
    await settled(page)
    expect((await shownText(page.locator('[data-forbidden]'))).trim()).toBe('Your role (finance) cannot see this page. Ask an admin if you need it.')
    expect(await navLinks()).toEqual(['Cost', 'Budgets', 'Reconciliation', 'Users'])
    await screenshot(page, 'login-finance-policy')
  })

  it('signs out back to the login page, and the old session is gone', async () => {
    const before = defined((await page.context().cookies()).find((c) => c.name === 'ccscope_session')).value
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByRole('heading', { name: 'Sign in to ccscope' }).waitFor()
    await page.goto(`${cc.apiUrl}/cost`)
    await page.getByRole('heading', { name: 'Sign in to ccscope' }).waitFor()
    const res = await fetch(`${cc.apiUrl}/api/v1/cost`, { headers: { cookie: `ccscope_session=${before}` } })
    expect(res.status).toBe(401)
  })
})
