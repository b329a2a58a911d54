import fs from 'node:fs'
import { parse } from 'csv-parse/sync'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DatasetResponse, SummaryResponse } from '../../schemas/analytics'
import type { MoversResponse, PolicyResponse } from '../../schemas/policy'
import { dateRange, DEFAULT_FILTERS } from '../../dashboard/ui/filters'
import { formatCount, formatInstant, formatPercent, formatUsd } from '../../dashboard/ui/format'
import { screenshot, settled, startDashboard, shownText } from '../helpers/browser'
import type { TestCcscope } from '../helpers/ccscope'
import { defined } from '../helpers/defined'
import { apiRequest, events, postJson } from '../helpers/otlp-factory'

/** Cost and Policy in Chromium: figures equal the API's, the CSV button downloads the table on screen. */
let cc: TestCcscope
let page: Page
const range = dateRange(DEFAULT_FILTERS)
const RANGE = `from=${range.from}&to=${range.to}&tz=UTC`

async function api<T>(path: string): Promise<T> {
  const res = await fetch(`${cc.apiUrl}${path}`)
  if (res.status !== 200) throw new Error(`${path}: ${res.status}`)
  return (await res.json()) as T
}
const text = async (selector: string) => (await shownText(page.locator(selector).first())).trim()

let stop: () => Promise<void>

beforeAll(async () => {
  ;({ cc, page, stop } = await startDashboard(9))
  // One request long before the fleet's 20 days: ccscope's data then reaches back past the months compared below
  // (a comparison with a period the data does not cover is not made: test/ui-prepare.test.ts).
  const early = Date.now() - 100 * 86_400_000
  const res = await postJson(cc.otlpUrl, '/v1/logs', events({ user: 'early@example.com', session: 'early-session' }, [apiRequest(early, 0.01)]))
  if (res.status !== 200) throw new Error(`the early record was refused: ${res.status}`)
}, 60_000)
afterAll(async () => {
  await stop?.()
})

describe('cost', () => {
  it('shows the summary total in the tiles and the breakdown, and exports exactly that table', async () => {
    await page.goto(`${cc.apiUrl}/cost?by=team`)
    await settled(page)
    const s = await api<SummaryResponse>(`/api/v1/summary?${RANGE}`)
    const byTeam = await api<DatasetResponse<'cost'>>(`/api/v1/cost?${RANGE}&groupBy=team&limit=10000`)
    expect(await text('[data-panel="cost-tiles"] [data-stat="cost"] [data-value]')).toBe(formatUsd(s.costUsd))
    expect(await text('[data-table="cost-breakdown"] tr[data-row="total"] td[data-col="costUsd"]')).toBe(formatUsd(s.costUsd))
    const groups = await page.locator('[data-table="cost-breakdown"] td[data-group]').evaluateAll((els) => els.map((e) => e.getAttribute('data-group')))
    expect(groups).toEqual(byTeam.rows.map((r) => r.group))
    for (const row of byTeam.rows)
      expect(await text(`[data-table="cost-breakdown"] tr:has(td[data-group="${row.group}"]) td[data-col="costUsd"]`), row.group).toBe(formatUsd(row.costUsd))
    await screenshot(page, 'cost')

    const download = page.waitForEvent('download')
    await page.locator('a[data-export="cost-breakdown"]').click()
    const file = await (await download).path()
    const records = parse(fs.readFileSync(file, 'utf8'), { columns: true }) as Record<string, string>[]
    const data = records.filter((r) => r.row_type === 'data')
    expect(data.map((r) => r.team)).toEqual(groups)
    for (const [i, r] of data.entries()) expect(formatUsd(Number(r.cost_usd)), r.team).toBe(formatUsd(defined(byTeam.rows[i]).costUsd))
    const total = defined(records.find((r) => r.row_type === 'total'))
    expect(total.cost_usd).toBe(s.costUsd.toFixed(2))
    expect(Number(total.requests)).toBe(s.apiRequests)
  })

  it('follows the model filter and the stack toggle through the URL', async () => {
    await page.goto(`${cc.apiUrl}/cost`)
    await settled(page)
    const models = await api<DatasetResponse<'cost'>>(`/api/v1/cost?${RANGE}&groupBy=model`)
    const model = defined(models.rows[0]?.group)
    await page.getByLabel('Model', { exact: true }).selectOption(model)
    await page.waitForURL(new RegExp(`model=${model}`))
    await settled(page)
    const only = await api<DatasetResponse<'cost'>>(`/api/v1/cost?${RANGE}&model=${model}`)
    expect(await text('[data-panel="cost-tiles"] [data-stat="cost"] [data-value]')).toBe(formatUsd(only.totals.costUsd))
    await page.getByRole('button', { name: 'Team' }).click()
    await page.waitForURL(/stack=team/)
    const teams = await api<DatasetResponse<'cost'>>(`/api/v1/cost?${RANGE}&model=${model}&groupBy=team`)
    expect(teams.rows.length).toBeGreaterThan(1)
    // The chart re-renders once the team-stacked query has answered; the URL changes first.
    const legend = page.locator('[data-panel="cost-over-time"] .recharts-legend-item')
    await expect.poll(() => legend.count(), { timeout: 20_000 }).toBe(Math.min(teams.rows.length, 8))
    await settled(page)
    await screenshot(page, 'cost-by-team-one-model')
  })
})

describe('calendar months', () => {
  it('last month is compared with the month before it, and this month with the same span of last month', async () => {
    const last = dateRange({ ...DEFAULT_FILTERS, preset: 'lastMonth' })
    const before = new Date(`${last.from}T00:00:00Z`)
    before.setUTCMonth(before.getUTCMonth() - 1)
    await page.goto(`${cc.apiUrl}/cost?range=lastMonth`)
    await settled(page)
    expect(await shownText(page.locator('[data-range]'))).toContain(`${last.from} →`)
    const compared = page.locator('[data-panel="cost-tiles"] [data-stat="cost"] [data-compared]')
    expect(await shownText(compared)).toBe('vs previous period')
    expect(await compared.getAttribute('title')).toBe(
      `Compared with ${formatInstant(before.toISOString(), 'UTC')} – ${formatInstant(`${last.from}T00:00:00Z`, 'UTC')} (UTC)`,
    )
    // The tile equals the API's figure for the same whole month.
    const s = await api<SummaryResponse>(`/api/v1/summary?from=${last.from}&to=${last.to}&tz=UTC`)
    expect(await text('[data-panel="cost-tiles"] [data-stat="cost"] [data-value]')).toBe(formatUsd(s.costUsd))

    const mtd = dateRange({ ...DEFAULT_FILTERS, preset: 'mtd' })
    await page.goto(`${cc.apiUrl}/cost?range=mtd`)
    await settled(page)
    const soFar = Math.round((Date.parse(mtd.drawnTo) - Date.parse(mtd.from)) / 86_400_000)
    expect(await shownText(page.locator('[data-range]'))).toBe(
      `${mtd.from} → ${new Date(Date.parse(mtd.drawnTo) - 86_400_000).toISOString().slice(0, 10)} (${soFar} of ${mtd.days} days, UTC)`,
    )
    const now = page.locator('[data-panel="cost-tiles"] [data-stat="cost"] [data-compared]')
    expect(await shownText(now)).toBe('vs same span before')
    expect(await now.getAttribute('title')).toContain(`Compared with ${formatInstant(`${last.from}T00:00:00Z`, 'UTC')} – `)
    // The API's own answer for the same request: last month's span from its 1st.
    const answered = await api<DatasetResponse<'cost'>>(`/api/v1/cost?from=${mtd.from}&to=${mtd.to}&tz=UTC&compare=previous`)
    expect(answered.previous?.range.from).toBe(`${last.from}T00:00:00.000Z`)
    expect(answered.partial).toBe(true)
  })
})

describe('policy', () => {
  it('shows denials, sources, blocked commands, movers, hooks and escalations as the API does', async () => {
    await page.goto(`${cc.apiUrl}/policy`)
    await settled(page)
    const s = await api<SummaryResponse>(`/api/v1/summary?${RANGE}`)
    expect(await text('[data-value="policy-denials"]')).toBe(formatCount(s.policyDenials))
    expect(await text('[data-value="policy-denial-rate"]')).toBe(formatPercent(s.policyDenialRate))
    const commands = await api<DatasetResponse<'tools'>>(`/api/v1/tools?${RANGE}&groupBy=command&decision=reject&source=config&sort=policyDenials`)
    const listed = await page.locator('[data-bars="blocked-commands"] li').allInnerTexts()
    for (const row of commands.rows.filter((r) => r.group))
      expect(
        listed.some((l) => l.includes(defined(row.group)) && l.includes(formatCount(row.policyDenials))),
        row.group,
      ).toBe(true)
    const policy = await api<PolicyResponse>(`/api/v1/policy?${RANGE}`)
    expect(await text('[data-value="hook-blocks"]')).toBe(formatCount(policy.hooks.blocks))
    expect(await text('[data-value="escalations"]')).toBe(formatCount(policy.escalations.total))
    const movers = await api<MoversResponse>(`/api/v1/policy/movers?to=${range.to}&tz=UTC`)
    const spikes = movers.rows.filter((r) => r.spike).length
    expect(await page.locator('[data-panel="movers"] tr.highlight').count()).toBe(spikes)
    await screenshot(page, 'policy')
  })
})
