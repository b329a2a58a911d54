import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DatasetResponse, SummaryResponse } from '../../schemas/analytics'
import type { UsersResponse } from '../../schemas/users'
import { addDays, dateRange, DEFAULT_FILTERS, todayIn } from '../../dashboard/ui/filters'
import { change, formatCount, formatPercent, formatUsd, MIN_RATE_DENOMINATOR } from '../../dashboard/ui/format'
import { screenshot, settled, startDashboard, shownText } from '../helpers/browser'
import type { TestCcscope } from '../helpers/ccscope'
import { defined } from '../helpers/defined'

/**
 * The dashboard in a real Chromium against ccscope on a temporary data dir with a generated fleet:
 * the figures on screen equal the API's, filters live in the URL and every panel follows them, and
 * the layout holds in a narrow window. (The empty state: empty.test.ts, its own process and data dir.)
 */
let cc: TestCcscope
let browser: Browser
let page: Page

async function api<T>(path: string): Promise<T> {
  const res = await fetch(`${cc.apiUrl}${path}`)
  if (res.status !== 200) throw new Error(`${path}: ${res.status}`)
  return (await res.json()) as T
}

async function statValue(id: string): Promise<string> {
  return (await shownText(page.locator(`[data-stat="${id}"] [data-value]`))).trim()
}

let stop: () => Promise<void>

beforeAll(async () => {
  ;({ cc, browser, page, stop } = await startDashboard(11))
}, 60_000)
afterAll(async () => {
  await stop?.()
})

describe('overview', () => {
  it('shows the API figures for the default range', async () => {
    await page.goto(`${cc.apiUrl}/`)
    await settled(page)
    const range = dateRange(DEFAULT_FILTERS)
    const s = await api<SummaryResponse>(`/api/v1/summary?from=${range.from}&to=${range.to}&tz=UTC`)
    expect(s.users).toBeGreaterThan(0)
    expect(await statValue('active-users')).toBe(formatCount(s.users))
    expect(await statValue('sessions')).toBe(formatCount(s.sessions))
    expect(await statValue('cost')).toBe(formatUsd(s.costUsd))
    expect(await statValue('cost-per-user-day')).toBe(formatUsd(s.costPerActiveUserDay))
    expect(await statValue('policy-denials')).toBe(formatCount(s.policyDenials))
    expect(await statValue('edit-accept-rate')).toBe(formatPercent(s.editAcceptRate))
    // Every trend is drawn.
    for (const panel of ['cost-trend', 'active-trend', 'denials-trend'])
      expect(await page.locator(`[data-panel="${panel}"] svg.recharts-surface`).count(), panel).toBe(1)
    await screenshot(page, 'overview')
  })

  it('keeps the filters in the URL, and every panel follows them', async () => {
    await page.goto(`${cc.apiUrl}/`)
    await settled(page)
    await page.getByLabel('Team', { exact: true }).selectOption('web')
    await page.waitForURL(/team=web/)
    await settled(page)
    const range = dateRange(DEFAULT_FILTERS)
    const web = await api<SummaryResponse>(`/api/v1/summary?from=${range.from}&to=${range.to}&tz=UTC&team=web`)
    expect(await statValue('cost')).toBe(formatUsd(web.costUsd))
    expect(await statValue('active-users')).toBe(formatCount(web.users))
    const teams = await page.locator('[data-bars="cost-by-team"] li').allInnerTexts()
    expect(teams).toHaveLength(1)
    expect(teams[0]).toContain('web')

    await page.getByLabel('Range', { exact: true }).selectOption('7d')
    await page.waitForURL(/range=7d/)
    await settled(page)
    const week = dateRange({ ...DEFAULT_FILTERS, preset: '7d' })
    const s = await api<SummaryResponse>(`/api/v1/summary?from=${week.from}&to=${week.to}&tz=UTC&team=web`)
    expect(await statValue('cost')).toBe(formatUsd(s.costUsd))
    expect(await shownText(page.locator('[data-range]'))).toContain('7 days')

    // A shared link opens the same view, and the filters travel with the navigation.
    const shared = page.url()
    const other = await browser.newPage()
    await other.goto(shared)
    await settled(other)
    expect(await shownText(other.locator('[data-stat="cost"] [data-value]'))).toBe(formatUsd(s.costUsd))
    await other.getByRole('link', { name: 'Cost' }).click()
    await other.waitForURL(/\/cost\?.*team=web/)
    await other.close()
  })

  it('lists every team, person and model in the filter bar, each list asking for one measure only', async () => {
    const asked: string[] = []
    const listen = (r: { url(): string }) => {
      if (/\/api\/v1\/(adoption|cost)\?.*groupBy=(team|user|model)/.test(r.url())) asked.push(r.url())
    }
    page.on('request', listen)
    await page.goto(`${cc.apiUrl}/`)
    await settled(page)
    page.off('request', listen)
    const lists = asked.filter((u) => /limit=(500|2000|100)(&|$)/.test(u) && !u.includes('granularity'))
    expect(lists.length).toBeGreaterThanOrEqual(3)
    // The names are all a list shows: a second measure would be the engine's work for nothing.
    for (const url of lists) expect(new URL(url).searchParams.getAll('measures'), url).toHaveLength(1)

    // The same names as the dataset with every measure.
    const range = dateRange(DEFAULT_FILTERS)
    const q = `from=${range.from}&to=${range.to}&tz=UTC`
    const groups = async (path: string) => (await api<{ rows: { group: string }[] }>(path)).rows.map((r) => r.group)
    const teams = (await groups(`/api/v1/adoption?${q}&groupBy=team&sort=team&limit=500`)).filter(Boolean)
    const users = await groups(`/api/v1/adoption?${q}&groupBy=user&sort=user&limit=2000`)
    const models = await groups(`/api/v1/cost?${q}&groupBy=model&limit=100`)
    expect(teams.length).toBeGreaterThan(1)
    const options = (selector: string) => page.locator(selector).evaluateAll((els) => els.map((e) => (e as HTMLOptionElement).value).filter(Boolean))
    expect(await options('form.filters select[name="team"] option')).toEqual(teams)
    expect(await options('form.filters datalist option')).toEqual(users)
    expect(await options('form.filters select[name="model"] option')).toEqual(models)
  })

  it("compares with the API's previous span (the same elapsed time while the range is not over), and says so", async () => {
    // A range that ends tomorrow is not over whatever the time of day (a preset ending today is answered
    // whole in the day's last 15 minutes): partial, so the previous span is as long as the elapsed part.
    const today = todayIn('UTC')
    // Eight days: the span before them is inside the fleet's 20 days of data, so it is compared.
    const from = addDays(today, -6)
    const last = addDays(today, 1)
    await page.goto(`${cc.apiUrl}/?from=${from}&to=${last}`)
    await settled(page)
    const s = await api<SummaryResponse>(`/api/v1/summary?from=${from}&to=${addDays(last, 1)}&tz=UTC&compare=previous`)
    expect(s.partial).toBe(true)
    const previous = defined(s.previous)
    expect(Date.parse(previous.range.to) - Date.parse(previous.range.from)).toBe(Date.parse(s.range.to) - Date.parse(s.range.from))
    const cost = page.locator('[data-stat="cost"] .stat-change')
    expect(await shownText(cost)).toContain(change(s.costUsd, previous.costUsd).text)
    expect(await shownText(cost)).toContain('vs same span before')
    expect(await page.locator('[data-stat="cost"] [data-compared]').getAttribute('title')).toMatch(/^Compared with .+ \(UTC\): the period is not over/)

    // The default 30 days: the 30 before them begin before the fleet's first record, so nothing is compared
    // (a month against the few days of it the data holds would read as a rise of many times).
    await page.goto(`${cc.apiUrl}/`)
    await settled(page)
    expect(await shownText(page.locator('[data-stat="cost"] [data-compared]'))).toBe('no earlier data')
    expect(await page.locator('[data-stat="cost"] [data-compared]').getAttribute('title')).toMatch(/^Not compared: ccscope's data begins after/)
    expect(await shownText(page.locator('[data-stat="cost"] .stat-change'))).not.toMatch(/[×%]|new/)
    // The charts leave the days before the first record blank (not a row of zeros) and mark where the data begins.
    for (const panel of ['cost-trend', 'active-trend', 'denials-trend'])
      expect(await page.locator(`[data-panel="${panel}"] svg text`).filter({ hasText: 'data begins' }).count(), panel).toBe(1)
  })

  it('shows what a metrics-only team does not send as not reported, never 0', async () => {
    // Team data exports metrics only (test/helpers/fleet.ts): no events, so no prompts, requests or tool decisions.
    await page.goto(`${cc.apiUrl}/?team=data`)
    await settled(page)
    const denials = page.locator('[data-stat="policy-denials"]')
    expect(await shownText(denials.locator('[data-value]'))).toBe('—')
    expect(await denials.getAttribute('data-not-reported')).toBe('')
    expect(await denials.getAttribute('title')).toMatch(/^Not reported: of \d+ active users, 0 send events/)
    expect(await statValue('cost')).not.toBe('—')
    // The denials chart says not reported instead of drawing zeros.
    expect(await page.locator('[data-panel="denials-trend"] [data-not-reported="Policy denials"]').count()).toBe(1)
    expect(await page.locator('[data-panel="denials-trend"] svg.recharts-surface').count()).toBe(0)

    await page.goto(`${cc.apiUrl}/policy?team=data`)
    await settled(page)
    expect(await shownText(page.locator('[data-not-reported="policy-denials"]'))).toContain('not the same as no denials')

    await page.goto(`${cc.apiUrl}/cost?by=team`)
    await settled(page)
    const row = page.locator('tr[data-row="group"]', { has: page.locator('td[data-group="data"]') })
    expect(await row.count()).toBe(1)
    expect(await row.locator('td[data-col="requests"] [data-not-reported]').count()).toBe(1)
    expect(await shownText(row.locator('td[data-col="requests"]'))).toBe('—')
    await screenshot(page, 'cost-by-team-not-reported')

    await page.goto(`${cc.apiUrl}/adoption`)
    await settled(page)
    const team = page.locator('table[data-table="adoption-by-team"] tr', { has: page.locator('td[data-col="team"]', { hasText: /^data$/ }) })
    expect(await team.count()).toBe(1)
    expect(await shownText(team.locator('td[data-col="prompts"]'))).toBe('—')
    expect(await team.locator('td[data-col="prompts"] [data-not-reported]').count()).toBe(1)

    // One person of that team: prompts are not drawn as a series of zeros, and their sessions' event figures are "—".
    const range = dateRange(DEFAULT_FILTERS)
    const person = defined((await api<UsersResponse>(`/api/v1/users?from=${range.from}&to=${range.to}&tz=UTC&team=data&limit=1`)).rows[0]).user
    await page.goto(`${cc.apiUrl}/users/${encodeURIComponent(person)}`)
    await settled(page)
    const trend = page.locator('[data-panel="user-activity-trend"]')
    expect(await trend.locator('[data-not-reported="prompts"]').count()).toBe(1)
    expect(await shownText(trend.locator('.recharts-legend-wrapper'))).not.toContain('Prompts')
    const session = page.locator('table[data-table="user-sessions"] tbody tr').first()
    for (const col of ['prompts', 'apiRequests', 'toolDecisions', 'policyDenials']) {
      expect(await shownText(session.locator(`td[data-col="${col}"]`)), col).toBe('—')
      expect(await session.locator(`td[data-col="${col}"] [data-not-reported]`).count(), col).toBe(1)
    }
    expect(await shownText(session.locator('td[data-col="costUsd"]'))).toMatch(/^\$/)
  })

  it("shows a person's per-tool denial rate with its counts, greyed below the threshold", async () => {
    // The first person with a tool decided fewer than MIN_RATE_DENOMINATOR times: a rate on so few is greyed and counted.
    const range = dateRange(DEFAULT_FILTERS)
    const q = `from=${range.from}&to=${range.to}&tz=UTC`
    const people = (await api<UsersResponse>(`/api/v1/users?${q}&limit=100`)).rows.map((r) => r.user)
    let found: { user: string; tool: string; decisions: number; denials: number } | undefined
    for (const user of people) {
      const tools = await api<DatasetResponse<'tools'>>(`/api/v1/tools?${q}&groupBy=tool&user=${encodeURIComponent(user)}`)
      const few = tools.rows.find((r) => (r.decisions ?? 0) > 0 && (r.decisions ?? 0) < MIN_RATE_DENOMINATOR)
      if (few) {
        found = { user, tool: few.group ?? '', decisions: few.decisions ?? 0, denials: few.policyDenials ?? 0 }
        break
      }
    }
    const pick = defined(found)
    await page.goto(`${cc.apiUrl}/users/${encodeURIComponent(pick.user)}`)
    await settled(page)
    const row = page.locator('table[data-table="user-tools"] tbody tr', { has: page.locator('td[data-col="tool"]', { hasText: new RegExp(`^${pick.tool}$`) }) })
    const cell = row.locator('td[data-col="policyDenialRate"]')
    expect(await cell.locator('[data-low-n]').count()).toBe(1)
    expect(await shownText(cell)).toContain(`(${pick.denials} of ${pick.decisions})`)
  })

  it('holds in a narrow window and can be used from the keyboard', async () => {
    const narrow = await browser.newPage({ viewport: { width: 420, height: 900 } })
    await narrow.goto(`${cc.apiUrl}/`)
    await settled(narrow)
    const overflow = await narrow.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
    expect(overflow).toBeLessThanOrEqual(1)
    await screenshot(narrow, 'overview-narrow')
    await narrow.keyboard.press('Tab')
    expect(await narrow.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content')
    await narrow.close()
  })

  it('animates its loading placeholders on the compositor only (opacity or transform), never by repainting them', async () => {
    // The panels' data is held back so their placeholders stay on screen.
    const release: (() => void)[] = []
    await page.route('**/api/v1/summary**', async (route) => {
      await new Promise<void>((resolve) => release.push(resolve))
      // Released after unroute: the route may already have been handled by then (the page moved on), which is fine.
      await route.continue().catch(() => undefined)
    })
    try {
      await page.goto(`${cc.apiUrl}/`)
      await page.locator('.skeleton').first().waitFor()
      const animated = await page.evaluate(() =>
        [...document.querySelectorAll('.skeleton')].flatMap((el) =>
          el
            .getAnimations()
            .flatMap((a) =>
              (a.effect as KeyframeEffect)
                .getKeyframes()
                .flatMap((k) => Object.keys(k).filter((p) => !['offset', 'computedOffset', 'easing', 'composite'].includes(p))),
            ),
        ),
      )
      // Animated (the user sees that something is loading), and only by properties the compositor animates alone.
      expect(animated.length).toBeGreaterThan(0)
      expect([...new Set(animated)].filter((p) => p !== 'opacity' && p !== 'transform')).toEqual([])
    } finally {
      await page.unroute('**/api/v1/summary**')
      for (const r of release) r()
    }
  })

  it('serves the dashboard for deep links and keeps the API at /api', async () => {
    const res = await fetch(`${cc.apiUrl}/users/someone@example.com`)
    expect(res.status).toBe(200)
    expect(await res.text()).toContain('<div id="root">')
    const missing = await fetch(`${cc.apiUrl}/api/v1/nothing`)
    expect(missing.status).toBe(404)
    expect(await missing.json()).toMatchObject({ error: 'not_found' })
  })
})
