import fs from 'node:fs'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { DirectoryResponse } from '../../schemas/directory'
import type { UsersResponse } from '../../schemas/users'
import type { DatasetResponse } from '../../schemas/analytics'
import { dateRange, DEFAULT_FILTERS } from '../../dashboard/ui/filters'
import { screenshot, settled, startDashboard, shownText } from '../helpers/browser'
import type { TestCcscope } from '../helpers/ccscope'
import { defined } from '../helpers/defined'

/** The directory in Chromium: a malformed CSV is refused row by row and loads nothing; a good one replaces the directory. */
let cc: TestCcscope
let page: Page
let stop: () => Promise<void>

beforeAll(async () => {
  ;({ cc, page, stop } = await startDashboard(5))
}, 60_000)
afterAll(async () => {
  await stop?.()
})

async function api<T>(path: string): Promise<T> {
  const res = await fetch(`${cc.apiUrl}${path}`)
  if (res.status !== 200) throw new Error(`${path}: ${res.status}`)
  return (await res.json()) as T
}
const file = (name: string, text: string) => ({ name, mimeType: 'text/csv', buffer: Buffer.from(text) })

it('checks a CSV row by row, loads nothing while a row is bad, and replaces the directory with a good one', async () => {
  const range = dateRange(DEFAULT_FILTERS)
  const [someone] = (await api<DatasetResponse<'cost'>>(`/api/v1/cost?from=${range.from}&to=${range.to}&tz=UTC&groupBy=user&limit=1`)).rows
  const user = defined(someone?.group)

  expect((await api<UsersResponse>(`/api/v1/users?from=${range.from}&to=${range.to}&tz=UTC&neverActive=true`)).neverActive).toBeNull()
  // Without a directory there is no never-active list, so nothing to export.
  await page.goto(`${cc.apiUrl}/adoption`)
  await settled(page)
  expect(await page.locator('[data-export="users-never-active"]').count()).toBe(0)
  await page.goto(`${cc.apiUrl}/directory`)
  await settled(page)
  expect(await page.getByText('No directory loaded').count()).toBe(1)

  // Malformed: an empty user, a duplicate, a bad seat, a short row. Nothing to load; each bad row named by its line.
  const bad = `user,display_name,team,department,cost_center,seat\n${user},Ana,platform,Eng,CC-1,yes\n,Nobody,web,,,\n${user},Twice,web,,,\nx@example.com,X,web,,,maybe\ny@example.com,Y\n`
  await page.locator('[data-directory-file]').setInputFiles(file('people.csv', bad))
  await expect.poll(() => page.locator('[data-preview-summary]').count()).toBe(1)
  expect(await shownText(page.locator('[data-preview-summary]'))).toContain('5 people in people.csv: 1 ready, 4 with problems')
  expect(await page.locator('[data-directory-load]').count()).toBe(0)
  const problems = await page
    .locator('[data-table="directory-preview"] tbody tr')
    .evaluateAll((rows) => rows.map((r) => [r.querySelector('td')?.textContent, r.querySelector('[data-row-errors]')?.textContent]))
  expect(problems).toEqual([
    ['3', 'user: must not be empty'],
    ['4', `${user} is already on line 2`],
    ['5', 'seat: must be yes or no (true/false, 1/0, or empty for no)'],
    ['6', '2 cells where the header has 6'],
  ])
  await screenshot(page, 'directory-errors')
  await page.setViewportSize({ width: 390, height: 900 })
  await screenshot(page, 'directory-errors-390')
  await page.setViewportSize({ width: 1366, height: 900 })

  // Unknown columns: the file as a whole is refused.
  await page.locator('[data-directory-file]').setInputFiles(file('hr-export.csv', 'email,name\na@x.com,A\n'))
  await expect.poll(() => shownText(page.locator('[data-file-errors]'))).toContain('Unknown columns "email", "name"')
  expect((await api<DirectoryResponse>('/api/v1/directory')).entries).toEqual([])

  // A good file: loaded, listed, and the team it names wins over the telemetry's on the other pages.
  const good = `user,display_name,team,department,cost_center,seat\n${user},Ana Lima,platform,Eng,CC-1,yes\nnew@example.com,New Hire,platform,Eng,CC-1,yes\n`
  await page.locator('[data-directory-file]').setInputFiles(file('people.csv', good))
  await page.locator('[data-directory-load]').click()
  await expect.poll(() => page.locator('[data-directory-status]').getAttribute('data-directory-status')).toBe('loaded')
  expect(await shownText(page.locator('[data-directory-status]'))).toBe('Loaded 2 people (2 seats) from people.csv.')
  await settled(page)
  expect(await page.locator('[data-table="directory"] tbody tr').count()).toBe(2)
  const stored = await api<DirectoryResponse>('/api/v1/directory')
  expect(stored.entries.map((e) => [e.user, e.team, e.seat])).toEqual(
    [
      [user, 'platform', true],
      ['new@example.com', 'platform', true],
    ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
  )
  const byTeam = await api<DatasetResponse<'cost'>>(`/api/v1/cost?from=${range.from}&to=${range.to}&tz=UTC&groupBy=team&team=platform`)
  expect(byTeam.rows.map((r) => r.group)).toEqual(['platform'])
  // Managers see who in the directory never sent telemetry: the new hire.
  const users = await api<UsersResponse>(`/api/v1/users?from=${range.from}&to=${range.to}&tz=UTC&neverActive=true`)
  expect(users.neverActive).toEqual({
    total: 1,
    rows: [{ user: 'new@example.com', displayName: 'New Hire', team: 'platform', department: 'Eng', costCenter: 'CC-1', seat: true }],
  })
  await page.goto(`${cc.apiUrl}/adoption`)
  await settled(page)
  expect(await page.locator('[data-never-active]').getAttribute('data-never-active')).toBe('1')
  expect(await shownText(page.locator('[data-table="never-active"] tbody tr'))).toContain('new@example.com')
  await screenshot(page, 'adoption-never-active')
  // The list downloads as CSV, named for what it is.
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-export="users-never-active"]').click()])
  expect(download.suggestedFilename()).toMatch(/^ccscope-users-never-active-as-of-\d{4}-\d{2}-\d{2}\.csv$/)
  const saved = await download.path()
  expect(fs.readFileSync(saved, 'utf8')).toBe('user,display_name,team,department,cost_center,seat\nnew@example.com,New Hire,platform,Eng,CC-1,true\n')
  await page.goto(`${cc.apiUrl}/directory`)
  await settled(page)
  await screenshot(page, 'directory-loaded')
  await page.setViewportSize({ width: 390, height: 900 })
  await screenshot(page, 'directory-loaded-390')
  await page.setViewportSize({ width: 1366, height: 900 })

  // One entry edited in place: the new hire moves team and gets a manager; the rest stays.
  await page.locator('[data-entry-edit="new@example.com"]').click()
  await page.locator('[data-entry-field="team"]').fill('data')
  await page.locator('[data-entry-field="manager"]').fill('lee@example.com')
  await page.locator('[data-entry-save]').click()
  await expect.poll(async () => (await api<DirectoryResponse>('/api/v1/directory')).entries.find((e) => e.user === 'new@example.com')?.team).toBe('data')
  const edited = (await api<DirectoryResponse>('/api/v1/directory')).entries
  expect(edited.map((e) => [e.user, e.team, e.manager]).sort()).toEqual(
    [
      [user, 'platform', ''],
      ['new@example.com', 'data', 'lee@example.com'],
    ].sort(),
  )
  await expect.poll(() => shownText(page.locator('[data-table="directory"] tbody tr', { hasText: 'new@example.com' }))).toContain('lee@example.com')
  // Adding a person: a bad one is refused with the field named, a good one is listed.
  await page.locator('[data-entry-add]').click()
  await page.locator('[data-entry-field="team"]').fill('web')
  await page.locator('[data-entry-save]').click()
  expect(await shownText(page.locator('[data-entry-error]'))).toBe('user: must not be empty')
  await page.locator('[data-entry-field="user"]').fill('kim@example.com')
  await page.locator('[data-entry-save]').click()
  await expect.poll(() => page.locator('[data-table="directory"] tbody tr').count()).toBe(3)
  await page.setViewportSize({ width: 390, height: 900 })
  await page.locator('[data-entry-edit="kim@example.com"]').click()
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
  await screenshot(page, 'directory-edit-390')
  await page.setViewportSize({ width: 1366, height: 900 })
  await screenshot(page, 'directory-edit')
  // Removing one.
  page.once('dialog', (dialog) => void dialog.accept())
  await page.locator('[data-entry-remove="kim@example.com"]').click()
  await expect.poll(() => page.locator('[data-table="directory"] tbody tr').count()).toBe(2)
}, 60_000)
