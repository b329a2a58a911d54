import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { selectRows } from '../warehouse/client'
import { startTestCcscope, type TestCcscope } from './helpers/ccscope'
import { FIXTURE_FOLDERS, FIXTURE_TRUTH, fixtureWindow, loadFixture, replay } from './helpers/fixtures'

/**
 * Every folder of payloads captured from the real Claude Code CLI, replayed request by request
 * with its headers through the running collector, must give the figures its README states.
 * The folders were captured minutes apart, closer than the analytics' 15-minute buckets, so each
 * folder gets its own ccscope.
 */
describe.each(FIXTURE_FOLDERS)('fixture %s', (folder) => {
  const requests = loadFixture(folder)
  const window = fixtureWindow(requests)
  let cc: TestCcscope
  beforeAll(async () => {
    cc = await startTestCcscope({ CCSCOPE_INGEST_TOKENS: 'fixture-token' })
  })
  afterAll(async () => {
    await cc?.stop()
  })

  it('is accepted request by request', async () => {
    const responses = await replay(cc.otlpUrl, requests)
    for (const [i, res] of responses.entries()) {
      expect(res.status, `${requests[i]?.name}`).toBe(200)
      const type = res.headers.get('content-type') ?? ''
      expect(type).toContain(requests[i]?.headers['content-type'] === 'application/json' ? 'application/json' : 'application/x-protobuf')
    }
  })

  it('gives the README figures and the CLI cost, to the cent', async () => {
    const s = await cc.summary(window)
    expect(s.users).toBe(FIXTURE_TRUTH.users)
    expect(s.sessions).toBe(FIXTURE_TRUTH.sessions)
    expect(s.apiRequests).toBe(FIXTURE_TRUTH.apiRequests)
    expect(s.policyDenials).toBe(FIXTURE_TRUTH.policyDenials)
    expect((s.toolDecisions?.accept ?? 0) + (s.toolDecisions?.reject ?? 0)).toBe(FIXTURE_TRUTH.toolDecisions)
    expect(s.toolDecisions?.reject).toBe(1)
    expect(s.costUsd.toFixed(2)).toBe(FIXTURE_TRUTH.costUsd[folder].toFixed(2))
    // Cost arrives twice (metric and event) and must be counted once: exact to the micro-dollar.
    expect(s.costUsd).toBeCloseTo(FIXTURE_TRUTH.costUsd[folder], 6)
    expect(s.tokens.cacheRead).toBe(7 * 3000)
    expect(s.tokens.cacheCreation).toBe(7 * 500)
  })

  it('counts nothing twice when the whole folder is sent again (exporter retries)', async () => {
    const before = await cc.summary(window)
    const responses = await replay(cc.otlpUrl, requests)
    expect(responses.every((r) => r.status === 200)).toBe(true)
    expect(await cc.summary(window)).toEqual(before)
  })
})

describe('all fixtures together', () => {
  let cc: TestCcscope
  beforeAll(async () => {
    cc = await startTestCcscope({ CCSCOPE_INGEST_TOKENS: 'fixture-token' })
    for (const folder of FIXTURE_FOLDERS) {
      const responses = await replay(cc.otlpUrl, loadFixture(folder))
      expect(responses.every((r) => r.status === 200)).toBe(true)
    }
  })
  afterAll(async () => {
    await cc?.stop()
  })

  it('add up across folders and keep events the docs do not list', async () => {
    const s = await cc.summary()
    const totalCost = Object.values(FIXTURE_TRUTH.costUsd).reduce((a, b) => a + b, 0)
    expect(s.users).toBe(2)
    expect(s.sessions).toBe(16)
    expect(s.apiRequests).toBe(28)
    expect(s.policyDenials).toBe(4)
    expect(s.costUsd).toBeCloseTo(totalCost, 6)

    const names = await selectRows<{ event_name: string; n: string }>(
      cc.client,
      'SELECT event_name, count() AS n FROM events GROUP BY event_name ORDER BY event_name',
    )
    const byName = Object.fromEntries(names.map((r) => [r.event_name, Number(r.n)]))
    expect(byName['managed_settings_resolved']).toBe(16)
    expect(byName['plugin_loaded']).toBeGreaterThan(0)
    expect(byName['api_request']).toBe(28)
  })

  it('keeps every attribute, resource attribute and the resolved identity', async () => {
    const [row] = await selectRows<{
      user_key: string
      enduser_id: string
      user_id: string
      team_id: string
      department: string
      sources: string
      resource_service: string
      scope_name: string
    }>(
      cc.client,
      `SELECT user_key, enduser_id, user_id, team_id, department,
              attributes['managed_settings.sources'] AS sources, resource_attributes['service.name'] AS resource_service, scope_name
       FROM events WHERE event_name = 'managed_settings_resolved' AND team_id = 'web' LIMIT 1`,
    )
    expect(row).toMatchObject({
      user_key: 'dana@example.com',
      enduser_id: 'dana@example.com',
      team_id: 'web',
      department: 'engineering',
      sources: '["file"]',
      resource_service: 'claude-code',
      scope_name: 'com.anthropic.claude_code.events',
    })
    expect(row?.user_id).toMatch(/^[0-9a-f]{64}$/)
  })

  it('stores the beta traces', async () => {
    const [row] = await selectRows<{ spans: string; tools: string; traces: string }>(
      cc.client,
      "SELECT count() AS spans, countIf(name = 'claude_code.tool') AS tools, uniqExact(trace_id) AS traces FROM spans",
    )
    expect(Number(row?.spans)).toBeGreaterThan(0)
    expect(Number(row?.tools)).toBe(3)
    expect(Number(row?.traces)).toBe(4)
  })
})
