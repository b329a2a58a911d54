import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BillingPoller } from '../dashboard/api/billing/poller'
import type { ReconciliationResponse } from '../schemas/billing'
import { ConfigError, loadConfig } from '../server/config'
import { recordedAdminApi, sendBillingTelemetry } from './helpers/billing'
import { startTestCcscope, type TestCcscope } from './helpers/ccscope'

/**
 * The Admin API poller on the real engine, fed the recorded pages (test/fixtures/anthropic-admin/) through an
 * injected fetch: it follows next_page, stores each day as its own import (an empty day too), keeps going past a
 * day that fails, and polling again changes nothing.
 */
let cc: TestCcscope
let poller: BillingPoller
const api = recordedAdminApi()
const KEY = 'sk-ant-admin01-recorded-test-key'

beforeAll(async () => {
  // Four days back from 2026-11-05: 11-01 has no recorded page (the API answers 404), 11-02 … 11-04 do.
  cc = await startTestCcscope(
    { CCSCOPE_ANTHROPIC_ADMIN_KEY: KEY, CCSCOPE_ANTHROPIC_POLL_DAYS: '4' },
    { now: () => new Date('2026-11-05T12:00:00Z'), billingFetch: api.fetch },
  )
  if (!cc.billingPoller) throw new Error('the key is configured: the poller should run')
  poller = cc.billingPoller
  await sendBillingTelemetry(cc.otlpUrl)
}, 120_000)
afterAll(async () => {
  await cc?.stop()
})

async function reconciliation(): Promise<ReconciliationResponse> {
  const res = await fetch(`${cc.apiUrl}/api/v1/billing/reconciliation?from=2026-11-01&to=2026-11-05`)
  expect(res.status, await res.clone().text()).toBe(200)
  return (await res.json()) as ReconciliationResponse
}

describe('the Admin API poller', () => {
  it('fetches the last complete UTC days, page after page, with the admin key', async () => {
    // The poll started with ccscope is joined (or a new one runs): either way a whole poll is awaited.
    await poller.poll()
    const report = await poller.poll()
    expect(report.imported).toEqual(['2026-11-02', '2026-11-03', '2026-11-04'])
    expect(report.failed).toEqual([{ day: '2026-11-01', error: '2026-11-01: Anthropic answered HTTP 404: no recorded page for 2026-11-01' }])
    const asked = api.requests.slice(-5).map((u) => `${u.pathname}?${u.searchParams}`)
    expect(asked).toEqual([
      '/v1/organizations/usage_report/claude_code?starting_at=2026-11-01&limit=1000',
      '/v1/organizations/usage_report/claude_code?starting_at=2026-11-02&limit=1000',
      '/v1/organizations/usage_report/claude_code?starting_at=2026-11-02&limit=1000&page=page_MjAyNi0xMS0wMlQwMDowMDowMFo6Mg%3D%3D',
      '/v1/organizations/usage_report/claude_code?starting_at=2026-11-03&limit=1000',
      '/v1/organizations/usage_report/claude_code?starting_at=2026-11-04&limit=1000',
    ])
  })

  it('stores what the pages say, an empty day included, and the causes follow', async () => {
    const r = await reconciliation()
    expect(r.days.map((d) => [d.date, d.imported, d.source, d.billedUsd])).toEqual([
      ['2026-11-01', false, null, null],
      ['2026-11-02', true, 'admin_api', 30],
      ['2026-11-03', true, 'admin_api', 10.2],
      // Nobody on the bill that day: alice's $1.00 of telemetry is not billed, not "not imported".
      ['2026-11-04', true, 'admin_api', 0],
    ])
    const causes = Object.fromEntries(r.rows.map((x) => [`${x.date} ${x.user}`, x.cause]))
    expect(causes).toMatchObject({
      '2026-11-02 bob@example.com': 'no_telemetry',
      '2026-11-02 dave@example.com': 'subagents',
      '2026-11-03 alice@example.com': 'price_drift',
      '2026-11-04 alice@example.com': 'not_billed',
    })
  })

  it('changes nothing when it polls again', async () => {
    const before = await reconciliation()
    await poller.poll()
    const after = await reconciliation()
    const strip = (r: ReconciliationResponse) => ({ ...r, stored: { ...r.stored, lastImportAt: null }, days: r.days.map((d) => ({ ...d, importedAt: null })) })
    expect(strip(after)).toEqual(strip(before))
    expect(after.stored.days).toBe(3)
  })
})

describe('its configuration', () => {
  it('is off without a key, and refuses an ordinary API key without repeating it', () => {
    expect(loadConfig({}).billing).toMatchObject({ adminKey: undefined, apiUrl: 'https://api.anthropic.com', pollIntervalMs: 360 * 60_000, pollDays: 7 })
    const secret = 'sk-ant-api03-not-an-admin-key'
    let error: unknown
    try {
      loadConfig({ CCSCOPE_ANTHROPIC_ADMIN_KEY: secret })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ConfigError)
    expect(String((error as Error).message)).toContain('CCSCOPE_ANTHROPIC_ADMIN_KEY: must be an Admin API key')
    expect(String((error as Error).message)).not.toContain(secret)
  })
})
