import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dateRange, DEFAULT_FILTERS } from '../../dashboard/ui/filters'
import { formatCount, formatPercent } from '../../dashboard/ui/format'
import type { ReliabilityResponse } from '../../schemas/reliability'
import { screenshot, settled, startDashboard, shownText } from '../helpers/browser'
import type { TestCcscope } from '../helpers/ccscope'
import { apiRequest, costMetrics, events, postJson, type EventSpec } from '../helpers/otlp-factory'

/**
 * The Reliability page in Chromium: its figures are the API's, a metrics-only team shows "—" (not 0), an
 * empty section says nothing was recorded, and the page fits a phone (no sideways scrolling of the page).
 */
let cc: TestCcscope
let page: Page
let stop: () => Promise<void>
const range = dateRange(DEFAULT_FILTERS)
const RANGE = `from=${range.from}&to=${range.to}&tz=UTC`

/** Two days ago, at 10:00 UTC plus some minutes: inside the default range (the last 30 days). */
const today = new Date()
const at = (minutes: number) => Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - 2, 10, minutes)

const kinds: EventSpec[] = [
  apiRequest(at(0), 0.02),
  { name: 'api_error', timeMs: at(1), attributes: { model: 'claude-opus-5-5', status_code: 529, attempt: 11 } },
  { name: 'api_retries_exhausted', timeMs: at(1), attributes: { model: 'claude-opus-5-5', status_code: 529, total_attempts: 11 } },
  { name: 'api_refusal', timeMs: at(2), attributes: { model: 'claude-opus-5-5', server_fallback_hop: false } },
  { name: 'subagent_completed', timeMs: at(3), attributes: { agent_type: 'Explore', duration_ms: 4200, total_tool_uses: 7, total_tokens: 9000 } },
  { name: 'skill_activated', timeMs: at(4), attributes: { 'skill.name': 'pdf', invocation_trigger: 'user-slash' } },
  { name: 'skill_activated', timeMs: at(5), attributes: { 'skill.name': 'custom_skill', invocation_trigger: 'claude-proactive' } },
  { name: 'plugin_installed', timeMs: at(6), attributes: { 'plugin.name': 'commit-commands', 'install.trigger': 'ui' } },
  { name: 'mcp_server_connection', timeMs: at(7), attributes: { status: 'connected', transport_type: 'http', server_name: 'github-enterprise-internal' } },
  { name: 'mcp_server_connection', timeMs: at(8), attributes: { status: 'failed', transport_type: 'stdio', error_code: 'ENOENT' } },
  { name: 'compaction', timeMs: at(9), attributes: { trigger: 'auto', success: true, pre_tokens: 168_000, post_tokens: 24_000, duration_ms: 21_000 } },
  { name: 'internal_error', timeMs: at(10), attributes: { error_name: 'SystemError', error_code: 'EACCES' } },
]

async function api<T>(path: string): Promise<T> {
  const res = await fetch(`${cc.apiUrl}${path}`)
  if (res.status !== 200) throw new Error(`${path}: ${res.status}`)
  return (await res.json()) as T
}
const text = async (selector: string) => (await shownText(page.locator(selector).first())).trim()
const column = (table: string, col: string) =>
  page.locator(`[data-table="${table}"] tbody td[data-col="${col}"]`).evaluateAll((cells) => cells.map((c) => (c.textContent ?? '').trim()))

beforeAll(async () => {
  ;({ cc, page, stop } = await startDashboard(17))
  const sends = [
    postJson(cc.otlpUrl, '/v1/logs', events({ user: 'rel-alice@example.com', session: 'rel-s1', team: 'reliability-web' }, kinds)),
    // A team that sends events, but only API requests: its sections say nothing was recorded.
    postJson(cc.otlpUrl, '/v1/logs', events({ user: 'rel-dave@example.com', session: 'rel-s3', team: 'requests-only' }, [apiRequest(at(30), 0.05)])),
    // A team whose Claude Code exports metrics only: its reliability is not reported.
    postJson(
      cc.otlpUrl,
      '/v1/metrics',
      costMetrics({ user: 'rel-carol@example.com', session: 'rel-s2', team: 'metrics-only' }, 'delta', [{ startMs: at(20), timeMs: at(21), value: 0.4 }]),
    ),
  ]
  for (const res of await Promise.all(sends)) expect(res.status).toBe(200)
}, 90_000)
afterAll(async () => {
  await stop?.()
})

describe('reliability page', () => {
  it("shows the API's figures, tells not reported from zero, and fits 1440 and 390 px", async () => {
    await page.setViewportSize({ width: 1440, height: 900 })
    await page.goto(`${cc.apiUrl}/reliability`)
    await settled(page)
    const r = await api<ReliabilityResponse>(`/api/v1/reliability?${RANGE}`)
    const apiSection = r.api
    if (!apiSection) throw new Error('api not reported')
    expect(await page.locator('nav a[href^="/reliability"]').count()).toBe(1)

    // Headline tiles.
    expect(await text('[data-stat="requests"] [data-value]')).toBe(formatCount(apiSection.totals.requests))
    expect(await text('[data-stat="errors"] [data-value]')).toBe(formatCount(apiSection.totals.errors))
    expect(await text('[data-stat="refusals"] [data-value]')).toBe(formatCount(apiSection.totals.refusals))
    expect(await text('[data-stat="error-rate"] [data-value]')).toContain(formatPercent(apiSection.totals.errorRate))

    // By model and by team: the same rows; the metrics-only team is "—", a not-reported mark, never 0.
    expect(await column('api-by-model', 'name')).toEqual(apiSection.byModel.map((m) => m.model))
    expect(await column('api-by-model', 'errors')).toEqual(apiSection.byModel.map((m) => formatCount(m.errors)))
    const teams = await page
      .locator('[data-table="api-by-team"] tbody [data-group]')
      .evaluateAll((cells) => cells.map((c) => c.getAttribute('data-group') ?? ''))
    expect(teams.sort()).toEqual(apiSection.byTeam.map((t) => t.team).sort())
    const metricsOnly = page.locator('[data-table="api-by-team"] tbody tr', { has: page.locator('[data-group="metrics-only"]') })
    expect(await shownText(metricsOnly.locator('td[data-col="errors"]'))).toBe('—')
    expect(await metricsOnly.locator('td[data-col="errors"] [data-not-reported]').getAttribute('title')).toMatch(/Not reported/)
    expect(apiSection.byTeam.find((t) => t.team === 'metrics-only')?.figures).toBeNull()

    // The other sections.
    expect(await column('errors-by-status', 'errors')).toEqual(apiSection.errorsByStatus.map((s) => formatCount(s.errors)))
    expect(await column('mcp', 'connects')).toEqual((r.mcp?.byServer ?? []).map((s) => formatCount(s.connects)))
    expect(await column('mcp', 'topErrorCode')).toEqual((r.mcp?.byServer ?? []).map((s) => s.topErrorCode ?? '—'))
    expect(await text('[data-value="skill-activations"]')).toBe(formatCount(r.skills?.activations))
    expect(await column('skills', 'skill')).toContain('custom_skill (hidden names)')
    expect(await column('subagents', 'completions')).toEqual((r.subagents?.byAgent ?? []).map((a) => formatCount(a.completions)))
    expect(await text('[data-stat="compactions"] [data-value]')).toBe(formatCount(r.compaction?.compactions))
    expect(await column('internal-errors', 'errors')).toEqual((r.internalErrors?.byError ?? []).map((e) => formatCount(e.errors)))
    expect(await column('plugins', 'plugin')).toContain('commit-commands')
    await screenshot(page, 'reliability-1440')

    await page.setViewportSize({ width: 390, height: 844 })
    await settled(page)
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
    await screenshot(page, 'reliability-390')
  }, 60_000)

  it('says "not reported" for a metrics-only team, and "none recorded" for a team with events but none of a kind', async () => {
    await page.setViewportSize({ width: 1440, height: 900 })
    await page.goto(`${cc.apiUrl}/reliability?team=metrics-only`)
    await settled(page)
    for (const section of ['api', 'mcp', 'subagents', 'skills', 'plugins', 'compaction', 'internalErrors'])
      expect(await page.locator(`[data-not-reported="${section}"]`).count(), section).toBeGreaterThan(0)
    expect(await text('[data-panel="mcp"]')).toContain('not the same as none happened')
    await screenshot(page, 'reliability-not-reported')

    // A team sends events but none of these kinds: the sections say nothing was recorded.
    const r = await api<ReliabilityResponse>(`/api/v1/reliability?${RANGE}`)
    expect(r.api?.byTeam.find((t) => t.team === 'requests-only')?.figures ?? null).not.toBeNull()
    await page.goto(`${cc.apiUrl}/reliability?team=requests-only`)
    await settled(page)
    expect(await text('[data-panel="mcp"]')).toContain('No MCP server connections recorded in this range.')
    expect(await text('[data-panel="internal-errors"]')).toContain('No internal errors recorded in this range.')
  }, 60_000)
})
