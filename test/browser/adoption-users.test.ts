import path from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DatasetResponse, SummaryResponse } from '../../schemas/analytics'
import type { SessionResponse, UserSessionsResponse, UsersResponse } from '../../schemas/users'
import { dateRange, DEFAULT_FILTERS } from '../../dashboard/ui/filters'
import { formatCount, formatPercent, formatUsd } from '../../dashboard/ui/format'
import { ARTIFACTS, screenshot, settled, startDashboard, shownText } from '../helpers/browser'
import type { TestCcscope } from '../helpers/ccscope'
import { defined } from '../helpers/defined'

/** Adoption, Users, a user and a session, in Chromium: the figures on screen are the API's. */
let cc: TestCcscope
let page: Page
const range = dateRange(DEFAULT_FILTERS)
const RANGE = `from=${range.from}&to=${range.to}&tz=UTC`

async function api<T>(path: string): Promise<T> {
  const res = await fetch(`${cc.apiUrl}${path}`)
  if (res.status !== 200) throw new Error(`${path}: ${res.status}`)
  return (await res.json()) as T
}
const text = async (selector: string) => (await shownText(page.locator(selector))).trim()

let stop: () => Promise<void>

beforeAll(async () => {
  ;({ cc, page, stop } = await startDashboard(5))
}, 60_000)
afterAll(async () => {
  await stop?.()
})

describe('adoption', () => {
  it('shows the API figures: tiles, teams, lifecycle, leaderboard', async () => {
    await page.goto(`${cc.apiUrl}/adoption`)
    await settled(page)
    const totals = (await api<DatasetResponse<'adoption'>>(`/api/v1/adoption?${RANGE}`)).totals
    expect(await text('[data-stat="activeUsers"] [data-value]')).toBe(formatCount(totals.activeUsers))
    expect(await text('[data-stat="sessions"] [data-value]')).toBe(formatCount(totals.sessions))
    expect(await text('[data-stat="commits"] [data-value]')).toBe(formatCount(totals.commits))
    expect(await text('[data-stat="editAcceptRate"] [data-value]')).toBe(formatPercent(totals.editAcceptRate))

    const teams = await api<DatasetResponse<'adoption'>>(`/api/v1/adoption?${RANGE}&groupBy=team`)
    const rows = page.locator('[data-table="adoption-by-team"] tbody tr')
    expect(await rows.count()).toBe(teams.rows.length)
    for (const team of teams.rows.filter((r) => r.group)) {
      const row = page.locator('[data-table="adoption-by-team"] tbody tr', { has: page.locator(`td[data-col="team"]:text-is("${team.group}")`) })
      expect(await shownText(row.locator('td[data-col="sessions"]')), team.group).toBe(formatCount(team.sessions))
    }

    const users = await api<UsersResponse>(`/api/v1/users?${RANGE}&limit=15`)
    for (const tile of ['active', 'new', 'returning', 'quiet'] as const) {
      const expected = { active: users.counts.activeUsers, new: users.counts.newUsers, returning: users.counts.returningUsers, quiet: users.counts.quietUsers }[
        tile
      ]
      expect(await text(`[data-panel="lifecycle"] [data-stat="${tile}"] [data-value]`), tile).toBe(formatCount(expected))
    }
    const board = page.locator('[data-table="leaderboard"] tbody tr')
    expect(await board.count()).toBe(users.rows.length)
    for (const [i, user] of users.rows.entries()) {
      expect(await board.nth(i).locator('[data-user]').getAttribute('data-user')).toBe(user.user)
      expect(await shownText(board.nth(i).locator('td[data-col="costUsd"]'))).toBe(formatUsd(user.costUsd))
    }
    await screenshot(page, 'adoption')
  })

  it('switches to weekly active users in the URL, and shows seats once a directory is loaded', async () => {
    await page.goto(`${cc.apiUrl}/adoption`)
    await settled(page)
    await page.getByRole('button', { name: 'Week' }).click()
    await page.waitForURL(/step=week/)
    await settled(page)
    expect(await text('[data-panel="adoption-trend"] h2')).toBe('Weekly active users')

    const users = await api<UsersResponse>(`/api/v1/users?${RANGE}&limit=1000`)
    const csv = [
      'user,display_name,team,department,cost_center,seat',
      ...users.rows.slice(0, 3).map((u) => `${u.user},Person,${u.team},,,yes`),
      'idle@example.com,Idle,web,,,yes',
    ].join('\n')
    expect((await fetch(`${cc.apiUrl}/api/v1/directory`, { method: 'PUT', headers: { 'content-type': 'text/csv' }, body: csv })).status).toBe(200)
    await page.reload()
    await settled(page)
    expect(await text('[data-seats-active]')).toBe('3')
    expect(await text('[data-seats-total]')).toBe('4')
    await screenshot(page, 'adoption-weekly-seats')

    // Per team: the table and its CSV state the same teams, and add up to the meter's 3 of 4.
    const href = await page.locator('[data-export="seats-by-team"]').getAttribute('href')
    const download = await page.request.get(`${cc.apiUrl}${href}`)
    expect(download.status()).toBe(200)
    const [header, ...lines] = (await download.text()).trim().split('\n')
    expect(header).toBe('row_type,team,seats,active_seat_holders,utilization')
    expect(lines.at(-1)).toBe('total,,4,3,0.75')
    const cells = await page
      .locator('[data-table="seats-by-team"] tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].slice(0, 3).map((td) => td.textContent ?? '')))
    const csvTeams = lines.slice(0, -1).map((l) => l.split(','))
    expect(cells.length).toBe(csvTeams.length)
    for (const [, team, seats, active] of csvTeams) expect(cells).toContainEqual([team === '' ? '(no team)' : team, seats, active])
    await page.locator('[data-panel="seats"]').screenshot({ path: path.join(ARTIFACTS, 'adoption-seats-by-team.png') })
    await page.setViewportSize({ width: 390, height: 844 })
    await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
    await page.locator('[data-panel="seats"]').screenshot({ path: path.join(ARTIFACTS, 'adoption-seats-by-team-390.png') })
    await page.setViewportSize({ width: 1440, height: 900 })
  })
})

describe('users, a user, a session', () => {
  it('searches, opens a user with the API figures, then a session timeline with denials marked', async () => {
    const all = await api<UsersResponse>(`/api/v1/users?${RANGE}&limit=1000`)
    const target = defined(all.rows.find((u) => (u.sessions ?? 0) > 2))
    await page.goto(`${cc.apiUrl}/users`)
    await settled(page)
    await page.getByRole('searchbox', { name: /search/i }).fill(target.user.slice(0, 6))
    await page.keyboard.press('Enter')
    await page.waitForURL(/q=/)
    // The list re-renders once the search has answered: wait for the row, not for a moment of calm.
    await page.locator(`[data-table="users-list"] [data-user="${target.user}"]`).first().waitFor()
    await settled(page)
    const listed = await page.locator('[data-table="users-list"] [data-user]').evaluateAll((els) => els.map((e) => e.getAttribute('data-user')))
    expect(listed).toContain(target.user)
    const matching = all.rows.filter((u) => `${u.user} ${u.displayName}`.toLowerCase().includes(target.user.slice(0, 6).toLowerCase())).map((u) => u.user)
    expect(new Set(listed)).toEqual(new Set(matching))
    await screenshot(page, 'users')

    await page.locator(`[data-table="users-list"] [data-user="${target.user}"] a`).first().click()
    await page.waitForURL(/\/users\//)
    await settled(page)
    const s = await api<SummaryResponse>(`/api/v1/summary?${RANGE}&user=${encodeURIComponent(target.user)}`)
    expect(await text('[data-panel="user-stats"] [data-stat="cost"] [data-value]')).toBe(formatUsd(s.costUsd))
    expect(await text('[data-panel="user-stats"] [data-stat="sessions"] [data-value]')).toBe(formatCount(s.sessions))
    const sessions = await api<UserSessionsResponse>(`/api/v1/users/${encodeURIComponent(target.user)}/sessions?${RANGE}&limit=200`)
    expect(await page.locator('[data-table="user-sessions"] tbody tr').count()).toBe(sessions.sessions.length)
    await screenshot(page, 'user')

    const denied = sessions.sessions.find((x) => (x.policyDenials ?? 0) > 0) ?? defined(sessions.sessions[0])
    await page.goto(`${cc.apiUrl}/sessions/${denied.sessionId}`)
    await settled(page)
    const session = await api<SessionResponse>(`/api/v1/sessions/${denied.sessionId}`)
    expect(await page.locator('[data-panel="session-timeline"] tbody[data-prompt]:not([data-prompt="preamble"])').count()).toBe(session.prompts.length)
    const denials = session.prompts.flatMap((p) => p.items).filter((i) => i.policyDenial).length
    expect(await page.locator('[data-panel="session-timeline"] tr.denied').count()).toBe(denials)
    await screenshot(page, 'session')
  })
})

describe('users on a phone', () => {
  it('shows each user and their cost at 390 px without scrolling sideways, the full key on hover and in the text', async () => {
    await page.setViewportSize({ width: 390, height: 844 })
    try {
      await page.goto(`${cc.apiUrl}/users`)
      await settled(page)
      const table = page.locator('[data-table="users-list"]')
      // What the table's scroll box shows, and where the first rows' cost cells are.
      const wrap = defined(await table.evaluate((t) => t.parentElement?.getBoundingClientRect().toJSON() as DOMRect))
      const rows = table.locator('tbody tr')
      expect(await rows.count()).toBeGreaterThan(3)
      for (let i = 0; i < 3; i++) {
        const cost = defined(await rows.nth(i).locator('td[data-col="costUsd"]').boundingBox())
        expect(cost.x + cost.width, `row ${i}'s cost`).toBeLessThanOrEqual(wrap.right)
        // The key may be shortened on screen, never in the page's text (copy) or its title (hover).
        const key = defined(await rows.nth(i).locator('[data-user]').getAttribute('data-user'))
        const link = rows.nth(i).locator('td[data-col="user"] a')
        expect(await link.textContent()).toBe(key)
        expect(await link.getAttribute('title')).toBe(key)
      }
      await screenshot(page, 'users-390')
    } finally {
      await page.setViewportSize({ width: 1440, height: 900 })
    }
  })
})

describe('settled, on a slow machine', () => {
  // A click changes the URL before the new page renders; until it does, the old page shows nothing in flight.
  // CI's shared cores once read a user's sessions table before it had rendered (0 rows against 28).
  it('waits for the page a click opens, not the page it left', async () => {
    const all = await api<UsersResponse>(`/api/v1/users?${RANGE}&limit=1000`)
    const cdp = await page.context().newCDPSession(page)
    try {
      for (const u of all.rows.filter((r) => (r.sessions ?? 0) > 0).slice(0, 3)) {
        await page.goto(`${cc.apiUrl}/users`)
        await settled(page)
        await cdp.send('Emulation.setCPUThrottlingRate', { rate: 8 })
        await page.locator(`[data-table="users-list"] [data-user="${u.user}"] a`).first().click()
        await page.waitForURL(/\/users\//)
        await settled(page)
        const sessions = await api<UserSessionsResponse>(`/api/v1/users/${encodeURIComponent(u.user)}/sessions?${RANGE}&limit=200`)
        expect(await page.locator('[data-table="user-sessions"] tbody tr').count(), u.user).toBe(sessions.sessions.length)
        await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 })
      }
    } finally {
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 })
      await cdp.detach()
    }
  }, 120_000)
})
