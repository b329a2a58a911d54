import { afterAll, beforeAll, expect, it } from 'vitest'
import type { WasteResponse } from '../schemas/waste'
import path from 'node:path'
import { launchChromium } from '../bench/chromium'
import { ARTIFACTS, screenshot, settled, shownText } from './helpers/browser'
import { startTestCcscope, type TestCcscope } from './helpers/ccscope'
import { loadMigrations, migrate } from '../warehouse/migrate'
import { apiRequest, events, metrics, postJson, type EventSpec } from './helpers/otlp-factory'

/**
 * Waste patterns (issue 17) on sessions built to show each one, with known prices:
 * - loop: curl denied 4 times, 2 requests of $1 → 3 wasted requests × $1;
 * - idle: $6 spent, no edit accepted → $6; busy: $7 with an accepted Edit → not waste; written: $8 with a Write
 *   accepted in the code_edit_tool.decision metric only → not waste;
 * - storm: 3 requests failed after every retry; runaway: a 40-minute sub-agent (neither priced).
 */
let cc: TestCcscope
const T = Date.parse('2026-11-10T10:00:00Z')
const at = (minutes: number) => T + minutes * 60_000
const curl = (m: number): EventSpec => ({
  name: 'tool_decision',
  timeMs: at(m),
  attributes: { tool_name: 'Bash', decision: 'reject', source: 'config', tool_parameters: JSON.stringify({ bash_command: 'curl' }) },
})

beforeAll(async () => {
  cc = await startTestCcscope()
  const sessions: [string, EventSpec[]][] = [
    ['loop', [apiRequest(at(0), 1), apiRequest(at(1), 1), curl(2), curl(3), curl(4), curl(5)]],
    ['idle', [apiRequest(at(10), 6)]],
    ['busy', [apiRequest(at(20), 7), { name: 'tool_decision', timeMs: at(21), attributes: { tool_name: 'Edit', decision: 'accept', source: 'config' } }]],
    [
      'storm',
      [1, 2, 3].map((i) => ({
        name: 'api_retries_exhausted',
        timeMs: at(30 + i),
        attributes: { model: 'claude-opus-5-5', error: 'overloaded', status_code: 529, total_attempts: 11 },
      })),
    ],
    ['runaway', [{ name: 'subagent_completed', timeMs: at(50), attributes: { agent_type: 'general-purpose', duration_ms: 40 * 60_000, total_tool_uses: 12 } }]],
  ]
  for (const [session, specs] of sessions) {
    const res = await postJson(cc.otlpUrl, '/v1/logs', events({ user: `${session}@example.com`, session }, specs))
    expect(res.status, await res.text()).toBe(200)
  }
  const written = metrics({ user: 'written@example.com', session: 'written' }, 'delta', [
    {
      metric: 'claude_code.code_edit_tool.decision',
      attributes: { decision: 'accept', tool_name: 'Write', language: 'TypeScript' },
      startMs: at(60),
      timeMs: at(61),
      value: 1,
    },
  ])
  for (const [route, body] of [
    ['/v1/logs', events({ user: 'written@example.com', session: 'written' }, [apiRequest(at(60), 8)])],
    ['/v1/metrics', written],
  ] as const) {
    const res = await postJson(cc.otlpUrl, route, body)
    expect(res.status, await res.text()).toBe(200)
  }
  await cc.writer.flush()
}, 60_000)
afterAll(async () => {
  await cc?.stop()
})

it('finds each pattern by its rule, priced where telemetry prices it', async () => {
  const res = await fetch(`${cc.apiUrl}/api/v1/waste?from=2026-11-10&to=2026-11-11`)
  expect(res.status, await res.clone().text()).toBe(200)
  const waste = (await res.json()) as WasteResponse
  expect(waste.days).toBe(1)
  const byKind = Object.fromEntries(waste.patterns.map((p) => [p.kind, p]))
  expect(byKind.denialLoop).toMatchObject({ sessions: 1, occurrences: 4, usd: 3, usdPerMonth: 90 })
  expect(byKind.denialLoop?.examples).toEqual([{ sessionId: 'loop', user: 'loop@example.com', detail: 'curl denied 4 times', usd: 3 }])
  expect(byKind.costlyNoEdit).toMatchObject({ sessions: 1, usd: 6, usdPerMonth: 180 })
  expect(byKind.costlyNoEdit?.examples.map((e) => e.sessionId)).toEqual(['idle'])
  expect(byKind.retryStorm).toMatchObject({ sessions: 1, occurrences: 3, usd: null, usdPerMonth: null })
  expect(byKind.retryStorm?.examples[0]).toMatchObject({ sessionId: 'storm', detail: '3 requests failed after 33 attempts in all', usd: null })
  expect(byKind.runawaySubagent).toMatchObject({ sessions: 1, usd: null })
  expect(byKind.runawaySubagent?.examples[0]?.detail).toBe('1 run, longest 40 min, up to 12 tool uses')
})

it('finds the same sessions after the accepted edits are rebuilt by their migration (0026)', async () => {
  const costly = async () => {
    const waste = (await (await fetch(`${cc.apiUrl}/api/v1/waste?from=2026-11-10&to=2026-11-11`)).json()) as WasteResponse
    return waste.patterns.find((p) => p.kind === 'costlyNoEdit')?.examples.map((e) => e.sessionId)
  }
  expect(await costly()).toEqual(['idle'])
  await cc.client.command({ query: 'ALTER TABLE sessions UPDATE accepts = 0 WHERE 1 SETTINGS mutations_sync = 2' })
  // Without the accepted edits, busy and written count as costly sessions with none.
  expect(await costly()).toEqual(['written', 'busy', 'idle'])
  await cc.client.command({ query: 'DELETE FROM schema_migrations WHERE version = 26' })
  expect((await migrate(cc.client)).applied).toEqual(['0026_add_session_accepts'])
  // Run twice (as after a crash before it was recorded): the same rows.
  for (const statement of loadMigrations().find((m) => m.name === '0026_add_session_accepts')?.statements ?? []) await cc.client.command({ query: statement })
  expect(await costly()).toEqual(['idle'])
  const tables = await cc.client.query({
    query: "SELECT name FROM system.tables WHERE database = currentDatabase() AND name LIKE 'session_edits%'",
    format: 'JSONEachRow',
  })
  expect(await tables.json()).toEqual([])
})

it('takes its thresholds as parameters', async () => {
  const waste = (await (await fetch(`${cc.apiUrl}/api/v1/waste?from=2026-11-10&to=2026-11-11&minCostUsd=10&minRepeats=5`)).json()) as WasteResponse
  expect(waste.patterns.map((p) => [p.kind, p.sessions])).toEqual([
    ['denialLoop', 0],
    ['costlyNoEdit', 0],
    ['retryStorm', 0],
    ['runawaySubagent', 1],
  ])
  expect((await fetch(`${cc.apiUrl}/api/v1/waste?minRepeats=1`)).status).toBe(400)
})

it('weighs a costly session over all of its rows in the range, however they split', async () => {
  // The read starts from the rows with no accepted edit; each of these sessions has rows on two UTC days:
  // - split: $3 on each day, no edit: costly over both days ($6), not over the first alone;
  // - late-edit: $6 on the first day, an Edit accepted on the second: costly over the first day alone only;
  // - negative: rows written outside the collector (which stores no negative accept), $4 with 2 accepts and $3 with
  //   −2: no accepted edit over both days, $7.
  const D = Date.parse('2026-11-20T23:50:00Z')
  const next = D + 20 * 60_000
  const posts = [
    events({ user: 'split@example.com', session: 'split' }, [apiRequest(D, 3), apiRequest(next, 3)]),
    events({ user: 'late@example.com', session: 'late-edit' }, [
      apiRequest(D, 6),
      { name: 'tool_decision', timeMs: next, attributes: { tool_name: 'Edit', decision: 'accept', source: 'config' } },
    ]),
  ]
  for (const body of posts) {
    const res = await postJson(cc.otlpUrl, '/v1/logs', body)
    expect(res.status, await res.text()).toBe(200)
  }
  await cc.writer.flush()
  await cc.client.insert({
    table: 'sessions',
    format: 'JSONEachRow',
    values: [
      {
        user_key: 'neg@example.com',
        day: '2026-11-20',
        session_id: 'negative',
        started: '2026-11-20 12:00:00',
        ended: '2026-11-20 12:00:00',
        requests: 1,
        event_cost: 4,
        accepts: 2,
      },
      {
        user_key: 'neg@example.com',
        day: '2026-11-21',
        session_id: 'negative',
        started: '2026-11-21 12:00:00',
        ended: '2026-11-21 12:00:00',
        requests: 1,
        event_cost: 3,
        accepts: -2,
      },
    ],
  })
  const costly = async (range: string) => {
    const res = await fetch(`${cc.apiUrl}/api/v1/waste?${range}`)
    expect(res.status, await res.clone().text()).toBe(200)
    const pattern = ((await res.json()) as WasteResponse).patterns.find((p) => p.kind === 'costlyNoEdit')
    return { sessions: pattern?.sessions, usd: pattern?.usd, ids: pattern?.examples.map((e) => e.sessionId) }
  }
  expect(await costly('from=2026-11-20&to=2026-11-22')).toEqual({ sessions: 2, usd: 13, ids: ['negative', 'split'] })
  expect(await costly('from=2026-11-20&to=2026-11-21')).toEqual({ sessions: 1, usd: 6, ids: ['late-edit'] })
})

it('shows on the Policy page, priced, with links to the sessions, at 1440 and 390 px', async () => {
  const browser = await launchChromium()
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
    page.on('pageerror', (error) => {
      throw error
    })
    await page.goto(`${cc.apiUrl}/policy?from=2026-11-10&to=2026-11-10`)
    await settled(page)
    const card = page.locator('[data-panel="waste"]')
    // 3 USD of denial loops + 6 USD of a no-edit session in one day: 270 USD a month.
    expect(await shownText(card.locator('[data-waste-total]'))).toContain('$270.00')
    expect(await shownText(card.locator('[data-waste="denialLoop"] [data-waste-price]'))).toBe('$90.00 a month')
    expect(await shownText(card.locator('[data-waste="retryStorm"] [data-waste-price]'))).toBe('not priced')
    expect(await card.locator('[data-waste="denialLoop"] a').getAttribute('href')).toMatch(/^\/sessions\/loop/)
    await card.scrollIntoViewIfNeeded()
    await screenshot(page, 'waste-1440')
    await card.screenshot({ path: path.join(ARTIFACTS, 'waste-card-1440.png') })
    await page.setViewportSize({ width: 390, height: 900 })
    // The page's charts follow the new width on their next frame.
    await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
    await screenshot(page, 'waste-390')
    await card.screenshot({ path: path.join(ARTIFACTS, 'waste-card-390.png') })
  } finally {
    await browser.close()
  }
}, 60_000)
