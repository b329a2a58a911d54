import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SummaryResponse } from '../../schemas/analytics'
import type { SessionResponse } from '../../schemas/users'
import { formatUsd } from '../../dashboard/ui/format'
import { launchChromium } from '../../bench/chromium'
import { screenshot, settled, shownText } from '../helpers/browser'
import { startTestCcscope, type TestCcscope } from '../helpers/ccscope'
import { FIXTURE_FOLDERS, loadFixture, replay } from '../helpers/fixtures'
import { selectRows } from '../../warehouse/client'
import { defined } from '../helpers/defined'

/**
 * Every page on the telemetry captured from the real Claude Code CLI: no page errors, no panel in error,
 * the fixtures' cost on the Overview, the denied curl on the Policy page and in the session timeline.
 */
let cc: TestCcscope
let browser: Browser
let page: Page
const errors: string[] = []
const RANGE = 'from=2026-11-01&to=2026-11-30'

beforeAll(async () => {
  cc = await startTestCcscope({ CCSCOPE_INGEST_TOKENS: 'fixture-token' })
  for (const folder of FIXTURE_FOLDERS) await replay(cc.otlpUrl, loadFixture(folder))
  browser = await launchChromium()
  page = await browser.newPage({ viewport: { width: 1366, height: 900 } })
  page.on('pageerror', (error) => errors.push(error.message))
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text())
  })
}, 60_000)
afterAll(async () => {
  await browser?.close()
  await cc?.stop()
})

async function visit(path: string, name: string): Promise<void> {
  await page.goto(`${cc.apiUrl}${path}`)
  await settled(page)
  expect(await page.locator('.error').count(), `${path}: panels in error`).toBe(0)
  expect(errors, `${path}: page errors`).toEqual([])
  await screenshot(page, name)
}

describe('on the captured fixtures', () => {
  it('every page renders', async () => {
    const sessions = (await (await fetch(`${cc.apiUrl}/api/v1/users/dana%40example.com/sessions?${RANGE}`)).json()) as {
      sessions: { sessionId: string; policyDenials: number }[]
    }
    const denied = defined(sessions.sessions.find((s) => s.policyDenials > 0))
    const pages: [string, string][] = [
      [`/?${RANGE}`, 'fixtures-overview'],
      [`/adoption?${RANGE}`, 'fixtures-adoption'],
      [`/cost?${RANGE}`, 'fixtures-cost'],
      [`/policy?${RANGE}`, 'fixtures-policy'],
      [`/users?${RANGE}`, 'fixtures-users'],
      [`/users/dana%40example.com?${RANGE}`, 'fixtures-user'],
      [`/sessions/${denied.sessionId}?${RANGE}`, 'fixtures-session'],
    ]
    for (const [path, name] of pages) await visit(path, name)
  })

  it('shows the CLI-reported cost and the denied curl', async () => {
    const s = (await (await fetch(`${cc.apiUrl}/api/v1/summary?${RANGE}`)).json()) as SummaryResponse
    await page.goto(`${cc.apiUrl}/?${RANGE}`)
    await settled(page)
    expect(await shownText(page.locator('[data-stat="cost"] [data-value]'))).toBe(formatUsd(s.costUsd))
    expect(formatUsd(s.costUsd)).toBe('$0.27')
    await page.goto(`${cc.apiUrl}/policy?${RANGE}`)
    await settled(page)
    expect(await shownText(page.locator('[data-panel="blocked-commands"]'))).toContain('curl')
  })
})

describe('the drill-down from a blocked command', () => {
  it('goes from the blocked curl to the users and the session behind it in two clicks', async () => {
    await page.goto(`${cc.apiUrl}/policy?${RANGE}`)
    await settled(page)
    await page.locator('[data-bars="blocked-commands"] a', { hasText: 'curl' }).click()
    await page.locator('[data-drill="curl"]').waitFor()
    await settled(page)
    expect(await shownText(page.locator('[data-table="drill-users"] tbody'))).toContain('dana@example.com')
    expect(await shownText(page.locator('[data-bars="drill-teams"]'))).toContain('web')
    await screenshot(page, 'fixtures-policy-drill')
    await page.locator('[data-table="drill-sessions"] tbody a').first().click()
    await page.waitForURL(/\/sessions\//)
    await settled(page)
    expect(await shownText(page.locator('body'))).toContain('curl')
    expect(errors).toEqual([])
  })
})

describe('coverage on the captures', () => {
  it('flags the users on a version older than the floor set on the card', async () => {
    await page.goto(`${cc.apiUrl}/policy?${RANGE}`)
    await settled(page)
    expect(await shownText(page.locator('[data-summary="managed-settings"]'))).toContain('file')
    await page.locator('[data-floor-input]').fill('2.1.400')
    await page.locator('[data-floor-apply]').click()
    await page.waitForURL(/floor=2\.1\.400/)
    await settled(page)
    const summary = await shownText(page.locator('[data-summary="below-floor"]'))
    const coverage = (await (await fetch(`${cc.apiUrl}/api/v1/coverage?${RANGE}&versionFloor=2.1.400`)).json()) as { users: { belowFloor: boolean | null }[] }
    const older = coverage.users.filter((u) => u.belowFloor).length
    expect(older).toBeGreaterThan(0)
    expect(summary).toContain(`${older} of ${coverage.users.length} on a version older than 2.1.400`)
    expect(await page.locator('[data-table="coverage-attention"] tbody tr').count()).toBe(older)
    await page.locator('[data-panel="coverage"]').scrollIntoViewIfNeeded()
    await screenshot(page, 'fixtures-policy-coverage')
  })
})

describe('the policy simulator on the captures', () => {
  it('names the managed rule behind the denied curl, and shows who a rule edit would stop', async () => {
    await page.goto(`${cc.apiUrl}/policy?${RANGE}`)
    await settled(page)
    const text = page.locator('[data-simulator-text]')
    await text.fill('{"permissions": {"deny": ["Bash(curl:*)"]')
    await page.locator('[data-simulator-run]').click()
    expect(await shownText(page.locator('[data-simulator-problem]'))).toMatch(/^Not valid JSON/)

    // The policy the captures were made under.
    await text.fill('{"permissions": {"deny": ["Bash(curl:*)"]}}')
    await page.locator('[data-simulator-run]').click()
    await page.locator('[data-simulation]').waitFor()
    const denial = await shownText(page.locator('[data-table="simulation-denials"] tbody tr').first())
    expect(denial).toContain('curl')
    expect(denial).toContain('Bash(curl:*)')
    expect(await shownText(page.locator('[data-simulation-changes]'))).toMatch(/^Would stop 0 calls that ran/)

    // An edit: denying ls too would stop calls that ran, and names who made them.
    await text.fill('{"permissions": {"deny": ["Bash(curl:*)", "Bash(ls:*)"]}}')
    await page.locator('[data-simulator-run]').click()
    await expect.poll(() => shownText(page.locator('[data-simulation-changes]'))).toMatch(/^Would stop [1-9]\d* calls? that ran/)
    expect(await page.locator('[data-table="simulation-newly-denied"] tbody tr').count()).toBeGreaterThan(0)
    expect(errors).toEqual([])
    await page.locator('[data-simulator]').scrollIntoViewIfNeeded()
    await screenshot(page, 'fixtures-policy-simulator')
    await page.setViewportSize({ width: 390, height: 900 })
    await screenshot(page, 'fixtures-policy-simulator-390')
    await page.setViewportSize({ width: 1366, height: 900 })
  })
})

describe('traces captured from the real CLI', () => {
  it("draw each prompt's waterfall on the session page, span for span", async () => {
    const [withSpans] = await selectRows<{ s: string; spans: string; traces: string }>(
      cc.client,
      "SELECT session_id AS s, count() AS spans, uniqExact(trace_id) AS traces FROM spans WHERE session_id != '' GROUP BY s ORDER BY spans DESC LIMIT 1",
    )
    expect(Number(withSpans?.spans)).toBeGreaterThan(0)
    const traced = defined(withSpans)
    const session = (await (await fetch(`${cc.apiUrl}/api/v1/sessions/${traced.s}`)).json()) as SessionResponse
    expect(session.spans).toHaveLength(Number(traced.spans))
    await visit(`/sessions/${traced.s}?${RANGE}`, 'fixtures-session-traces')
    expect(await page.locator('[data-trace]').count()).toBe(Number(traced.traces))
    expect(await page.locator('[data-trace] .span-row').count()).toBe(Number(traced.spans))
    expect(await shownText(page.locator('[data-trace] .span-row[data-span-depth="0"]').first())).toMatch(/^Prompt/)
    await page.setViewportSize({ width: 390, height: 900 })
    await screenshot(page, 'fixtures-session-traces-390')
    await page.setViewportSize({ width: 1366, height: 900 })
  })
})
