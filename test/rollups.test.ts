import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DatasetResponse } from '../schemas/analytics'
import type { UsersResponse } from '../schemas/users'
import { selectRows } from '../warehouse/client'
import { loadMigrations, migrate } from '../warehouse/migrate'
import { RETENTION_TABLES } from '../warehouse/retention'
import { startTestCcscope, type TestCcscope } from './helpers/ccscope'
import { FIXTURE_FOLDERS, FIXTURE_TRUTH, loadFixture, replay } from './helpers/fixtures'
import { apiRequest, costMetrics, events, postJson } from './helpers/otlp-factory'

/**
 * The rollups the API reads agree with the raw tables, are rebuilt exactly by their migration's backfill
 * (also when it runs twice), and the directory overrides attribution and gives seats.
 */
let cc: TestCcscope
const RANGE = 'from=2026-11-01&to=2026-12-01'
const AUTH = { authorization: 'Bearer fixture-token' }

async function get<T>(path: string): Promise<T> {
  const res = await fetch(`${cc.apiUrl}${path}`)
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`)
  return (await res.json()) as T
}

beforeAll(async () => {
  cc = await startTestCcscope({ CCSCOPE_INGEST_TOKENS: 'fixture-token' })
  await replay(cc.otlpUrl, loadFixture('http-json-delta'))
  await replay(cc.otlpUrl, loadFixture('http-protobuf-cumulative'))
})
afterAll(async () => {
  await cc?.stop()
})

describe('rollups', () => {
  it('equal the raw tables', async () => {
    const s = await cc.summary({ from: '2026-11-01', to: '2026-12-01' })
    const [raw] = await selectRows<Record<string, string | number>>(
      cc.client,
      // Cost and tokens under warehouse/RULES.md's rule, from the raw rows: api_request events, plus the
      // cost/token points of sessions that sent none.
      `WITH uncovered AS (SELECT session_id FROM metric_points WHERE session_id NOT IN (SELECT session_id FROM events WHERE event_name = 'api_request'))
       SELECT (SELECT sumIf(cost_usd, event_name = 'api_request') FROM events)
                + (SELECT sumIf(delta, metric_name = 'claude_code.cost.usage') FROM metric_points WHERE session_id IN uncovered) AS cost,
              (SELECT sumIf(cache_read_tokens, event_name = 'api_request') FROM events)
                + (SELECT sumIf(delta, metric_name = 'claude_code.token.usage' AND type = 'cacheRead') FROM metric_points WHERE session_id IN uncovered) AS cache_read,
              (SELECT count() FROM events WHERE event_name = 'api_request') AS requests,
              (SELECT uniqExact(session_id) FROM (SELECT session_id FROM events UNION ALL SELECT session_id FROM metric_points) WHERE session_id != '') AS sessions,
              (SELECT countIf(decision = 'reject' AND source = 'config') FROM events WHERE event_name = 'tool_decision') AS denials,
              (SELECT count() FROM events WHERE event_name = 'user_prompt') AS prompts`,
    )
    expect(s.costUsd).toBeCloseTo(Number(raw?.cost), 9)
    expect(s.costUsd).toBeCloseTo(FIXTURE_TRUTH.costUsd['http-json-delta'] + FIXTURE_TRUTH.costUsd['http-protobuf-cumulative'], 9)
    expect(s.tokens.cacheRead).toBe(Number(raw?.cache_read))
    expect(s.apiRequests).toBe(Number(raw?.requests))
    expect(s.sessions).toBe(Number(raw?.sessions))
    expect(s.policyDenials).toBe(Number(raw?.denials))
    expect(s.prompts).toBe(Number(raw?.prompts))
  })

  it('are rebuilt exactly by the backfill, also when it runs twice', async () => {
    const policy = () => fetch(`${cc.apiUrl}/api/v1/policy?${RANGE}`).then((r) => r.json())
    const before = await cc.summary({ from: '2026-11-01', to: '2026-12-01' })
    const policyBefore = await policy()
    expect(policyBefore.managedSettings.length).toBe(2)
    // Every session is costly at $0: which have accepted edits (in sessions since 0026) decides the list.
    const waste = () =>
      fetch(`${cc.apiUrl}/api/v1/waste?${RANGE}&minCostUsd=0`)
        .then((r) => r.json())
        .then((w: { patterns: { kind: string; sessions: number }[] }) => w.patterns.find((p) => p.kind === 'costlyNoEdit'))
    const wasteBefore = await waste()
    // MCP connections, plugins, skills and compactions by whole days (reliability_1d, 0025, fed from reliability_events, 0018),
    // and the sessions that loaded each plugin (0027's per-day sketches, then 0029's stored session hash in reliability_events).
    const reliability = () => fetch(`${cc.apiUrl}/api/v1/reliability?${RANGE}`).then((r) => r.json())
    const reliabilityBefore = await reliability()
    expect(reliabilityBefore.plugins.byPlugin.length).toBe(4)
    // Every table these migrations rebuild (the coverage of 0004 stays: they do not rebuild it).
    // The copies of noted candidates (0030), which 0030 fills again from what is noted.
    const noted = () =>
      selectRows<Record<string, string>>(cc.client, 'SELECT count() AS n, toString(round(sum(cost_usd), 9)) AS usd FROM usage_noted_candidates_15m FINAL')
    // A session whose metrics were stored before its events: noted, its candidates copied. Hours ago, outside
    // the fixtures' range that the other tests read.
    const late = { user: 'late@example.com', session: 's-noted' }
    const t = Math.floor(Date.now() / 3600_000) * 3600_000 - 2 * 3600_000
    const lateRange = { from: new Date(t), to: new Date(t + 3600_000) }
    expect((await postJson(cc.otlpUrl, '/v1/metrics', costMetrics(late, 'delta', [{ startMs: t, timeMs: t + 30_000, value: 0.4 }], 1000), AUTH)).status).toBe(
      200,
    )
    expect((await postJson(cc.otlpUrl, '/v1/logs', events(late, [apiRequest(t + 60_000, 0.05)]), AUTH)).status).toBe(200)
    const notedBefore = await noted()
    expect(notedBefore).toEqual([{ n: '1', usd: '0.4' }])
    expect((await cc.summary(lateRange)).costUsd).toBeCloseTo(0.05, 9)
    // A warehouse from before 0030: noted, but nothing copied. 0030 copies what is noted (twice: the same rows).
    const copying = loadMigrations().find((m) => m.name === '0030_create_noted_candidates')
    await cc.client.command({ query: 'TRUNCATE TABLE usage_noted_candidates_15m' })
    expect((await cc.summary(lateRange)).costUsd).toBeCloseTo(0.45, 9)
    for (let i = 0; i < 2; i++) for (const statement of copying?.statements ?? []) await cc.client.command({ query: statement })
    expect(await noted()).toEqual(notedBefore)
    expect((await cc.summary(lateRange)).costUsd).toBeCloseTo(0.05, 9)
    const rebuilt = [...Object.keys(RETENTION_TABLES.rollup), ...Object.keys(RETENTION_TABLES.noted), ...Object.keys(RETENTION_TABLES.detail)]
    for (const table of rebuilt.filter((t) => t !== 'usage_event_coverage')) await cc.client.command({ query: `TRUNCATE TABLE ${table}` })
    expect((await cc.summary({ from: '2026-11-01', to: '2026-12-01' })).costUsd).toBe(0)
    // As if the rollup migrations had never run: 0026 changed what 0010 made (the sessions views, a column), so that
    // goes too. Then each is applied as after a crash before it was recorded: its statements once, then migrate
    // applies it again, in order. (0005 and 0009 bring back the first rollups, which 0010 fills its tiers from and
    // then drops; 0024's session_edits is made again and dropped by 0026.)
    for (const view of ['sessions_events_mv', 'sessions_metrics_mv']) await cc.client.command({ query: `DROP VIEW ${view}` })
    await cc.client.command({ query: 'ALTER TABLE sessions DROP COLUMN accepts' })
    // 0028's and 0029's stored session hashes go too (the waste and the plugins' sessions read them).
    await cc.client.command({ query: 'ALTER TABLE sessions DROP COLUMN session_hash' })
    await cc.client.command({ query: 'ALTER TABLE reliability_events DROP COLUMN session_hash' })
    const names = [
      '0005_create_rollups',
      '0007_create_policy_events',
      '0009_create_usage_metric_orphans',
      '0010_create_tiered_rollups',
      '0018_create_reliability_events',
      '0023_create_candidate_tiers',
      '0024_create_session_edits',
      '0025_create_reliability_1d',
      '0026_add_session_accepts',
      '0027_create_plugin_sessions_1d',
      '0028_add_session_hash',
      '0029_drop_plugin_sessions_1d',
      '0030_create_noted_candidates',
    ]
    const rollups = loadMigrations().filter((m) => names.includes(m.name))
    expect(rollups.map((m) => m.name)).toEqual(names)
    await cc.client.command({ query: 'DELETE FROM schema_migrations WHERE version IN (5, 7, 9, 10, 18, 23, 24, 25, 26, 27, 28, 29, 30)' })
    for (const migration of rollups) {
      for (const statement of migration.statements) await cc.client.command({ query: statement })
      expect((await migrate(cc.client, [migration])).applied).toEqual([migration.name])
    }
    expect((await migrate(cc.client)).applied).toEqual([])
    expect(await cc.summary({ from: '2026-11-01', to: '2026-12-01' })).toEqual(before)
    expect(await policy()).toEqual(policyBefore)
    expect(await waste()).toEqual(wasteBefore)
    expect(await reliability()).toEqual(reliabilityBefore)
    // The backfills make candidates of sessions without events only (0009, 0010): nothing of the noted session is left to copy.
    expect(await noted()).toEqual([{ n: '0', usd: '0' }])
    expect((await cc.summary(lateRange)).costUsd).toBeCloseTo(0.05, 9)
  })
})

describe('directory', () => {
  it('overrides teams, names people and gives seat utilization (CSV)', async () => {
    const csv = [
      'user,display_name,team,department,cost_center,seat',
      'dana@example.com,Dana Diaz,platform,,CC-7,yes',
      'erin@example.com,Erin Ng,,,,true',
      'frank@example.com,Frank Idle,platform,,,1',
    ].join('\n')
    const res = await fetch(`${cc.apiUrl}/api/v1/directory`, { method: 'PUT', headers: { 'content-type': 'text/csv' }, body: csv })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ loaded: 3, seats: 3 })

    const byTeam = await get<DatasetResponse<'cost'>>(`/api/v1/cost?${RANGE}&groupBy=team`)
    const teams = Object.fromEntries(byTeam.rows.map((r) => [r.group, r.costUsd]))
    const byUser = await get<DatasetResponse<'cost'>>(`/api/v1/cost?${RANGE}&groupBy=user`)
    const users = Object.fromEntries(byUser.rows.map((r) => [r.group, r]))
    // Dana's cost moved to platform; Erin has no team in the directory, so telemetry's (mobile) stays.
    expect(Object.keys(teams).sort()).toEqual(['mobile', 'platform'])
    expect(teams.platform).toBe(users['dana@example.com']?.costUsd)
    expect(teams.mobile).toBe(users['erin@example.com']?.costUsd)
    expect(users['dana@example.com']?.label).toBe('Dana Diaz')
    const cc7 = await get<DatasetResponse<'cost'>>(`/api/v1/cost?${RANGE}&costCenter=CC-7`)
    expect(cc7.totals.costUsd).toBe(users['dana@example.com']?.costUsd)
    const platform = await cc.summary({ from: '2026-11-01', to: '2026-12-01' }, { team: 'platform' })
    expect(platform.costUsd).toBe(teams.platform)

    const people = await get<UsersResponse>(`/api/v1/users?${RANGE}`)
    expect(people.seats).toEqual({ total: 3, active: 2, utilization: 2 / 3 })
    expect(people.rows.find((r) => r.user === 'dana@example.com')).toMatchObject({ displayName: 'Dana Diaz', team: 'platform', costCenter: 'CC-7', seat: true })
  })

  it('is replaced by the next load (JSON), and cleared by an empty one', async () => {
    const entries = [{ user: 'dana@example.com', displayName: 'Dana', seat: true }]
    const res = await fetch(`${cc.apiUrl}/api/v1/directory`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(entries) })
    expect(res.status).toBe(200)
    expect((await get<{ entries: unknown[] }>('/api/v1/directory')).entries).toHaveLength(1)
    expect((await get<UsersResponse>(`/api/v1/users?${RANGE}`)).seats).toEqual({ total: 1, active: 1, utilization: 1 })
    const teams = await get<DatasetResponse<'cost'>>(`/api/v1/cost?${RANGE}&groupBy=team`)
    expect(teams.rows.map((r) => r.group).sort()).toEqual(['mobile', 'web'])

    await fetch(`${cc.apiUrl}/api/v1/directory`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '[]' })
    expect((await get<UsersResponse>(`/api/v1/users?${RANGE}`)).seats).toBeNull()
    expect(await get('/api/v1/directory')).toMatchObject({ entries: [] })
  })

  it('refuses a bad file with a 400 that says where', async () => {
    const put = (body: string, type: string) => fetch(`${cc.apiUrl}/api/v1/directory`, { method: 'PUT', headers: { 'content-type': type }, body })
    const cases: [string, string, RegExp][] = [
      ['user,name\na@x.com,A', 'text/csv', /unknown column "name"/],
      ['user,seat\na@x.com,maybe', 'text/csv', /entries\.0\.seat/],
      ['user\na@x.com\na@x.com', 'text/csv', /appears twice/],
      ['[{"user": ""}]', 'application/json', /entries\.0\.user/],
      ['{"people": []}', 'application/json', /entries/],
    ]
    for (const [body, type, message] of cases) {
      const res = await put(body, type)
      expect(res.status, body).toBe(400)
      expect(((await res.json()) as { message: string }).message).toMatch(message)
    }
  })
})

describe('time zones', () => {
  it('put the same activity on the day of the zone asked for, and say which zone', async () => {
    // The fixtures ran at 02:27 UTC on 2026-11-25: still the 24th in Los Angeles, the 25th in Kolkata.
    const la = await get<DatasetResponse<'adoption'>>(`/api/v1/adoption?${RANGE}&granularity=day&tz=America/Los_Angeles`)
    const kolkata = await get<DatasetResponse<'adoption'>>(`/api/v1/adoption?${RANGE}&granularity=day&tz=Asia/Kolkata`)
    expect(la.range.timeZone).toBe('America/Los_Angeles')
    expect(la.range.from).toBe('2026-11-01T07:00:00.000Z')
    expect(la.rows.map((r) => [r.period, r.periodStart])).toEqual([['2026-11-24', '2026-11-24T00:00:00-08:00']])
    expect(kolkata.rows.map((r) => [r.period, r.periodStart])).toEqual([['2026-11-25', '2026-11-25T00:00:00+05:30']])
    expect(la.totals.sessions).toBe(kolkata.totals.sessions)
  })

  it.each(FIXTURE_FOLDERS.slice(0, 1))('(%s) keep totals whatever the zone', async () => {
    const utc = await cc.summary({ from: '2026-11-01', to: '2026-12-01' })
    const res = await get<{ costUsd: number }>(`/api/v1/summary?${RANGE}&tz=Asia/Kathmandu`)
    expect(res.costUsd).toBe(utc.costUsd)
  })
})
