import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ReliabilityResponse } from '../schemas/reliability'
import { selectRows } from '../warehouse/client'
import { startTestCcscope, type TestCcscope } from './helpers/ccscope'
import { fixtureWindow, loadFixture, replay } from './helpers/fixtures'
import { apiRequest, costMetrics, events, postJson, type EventSpec } from './helpers/otlp-factory'

/**
 * GET /api/v1/reliability on the real engine: each event kind with known counts; a metrics-only team is not
 * reported (null), not zero; teams follow the directory; an unknown kind is still stored raw. The real CLI
 * captures hold only plugin_loaded of these kinds (the catalog: API errors, refusals, sub-agents, skills, MCP,
 * compactions and internal errors are "not in the captures").
 */
let cc: TestCcscope
const captures = loadFixture('http-json-delta')
// Within the raw retention (400 days by default), so the unknown kind is still in `events` to be found.
const DAY = Date.UTC(2026, 10, 2)
const RANGE = 'from=2026-11-02&to=2026-11-03&tz=UTC'
const at = (minutes: number) => DAY + minutes * 60_000

const sonnet = (t: number): EventSpec => {
  const r = apiRequest(t, 0.01)
  return { ...r, attributes: { ...r.attributes, model: 'claude-sonnet-5' } }
}

const alice: EventSpec[] = [
  ...[1, 2, 3, 4].map((m) => apiRequest(at(m), 0.02)),
  { name: 'api_error', timeMs: at(5), attributes: { model: 'claude-opus-5-5', status_code: 529, attempt: 11, error: 'Overloaded', duration_ms: 60_000 } },
  { name: 'api_retries_exhausted', timeMs: at(5), attributes: { model: 'claude-opus-5-5', status_code: 529, total_attempts: 11 } },
  { name: 'api_error', timeMs: at(6), attributes: { model: 'claude-opus-5-5', error: 'fetch failed', attempt: 1 } },
  { name: 'api_refusal', timeMs: at(7), attributes: { model: 'claude-opus-5-5', server_fallback_hop: false, has_category: true, category: 'cyber' } },
  { name: 'api_refusal', timeMs: at(7), attributes: { model: 'claude-opus-5-5', server_fallback_hop: true, has_category: false } },
  ...[1000, 2000, 6000].map((d, i) => ({
    name: 'subagent_completed',
    timeMs: at(10 + i),
    attributes: { agent_type: 'Explore', duration_ms: d, total_tool_uses: i + 1, total_tokens: 4000, is_built_in: true },
  })),
  { name: 'subagent_completed', timeMs: at(14), attributes: { agent_type: 'custom', duration_ms: 500, total_tool_uses: 0, total_tokens: 100 } },
  { name: 'skill_activated', timeMs: at(15), attributes: { 'skill.name': 'pdf', invocation_trigger: 'user-slash' } },
  { name: 'skill_activated', timeMs: at(16), attributes: { 'skill.name': 'custom_skill', invocation_trigger: 'claude-proactive' } },
  { name: 'plugin_loaded', timeMs: at(0), attributes: { 'plugin.name': 'commit-commands', plugin_id_hash: 'h1' } },
  { name: 'plugin_loaded', timeMs: at(0), attributes: { 'plugin.name': 'third-party', plugin_id_hash: 'h2' } },
  { name: 'plugin_loaded', timeMs: at(0), attributes: { 'plugin.name': 'third-party', plugin_id_hash: 'h3' } },
  { name: 'plugin_installed', timeMs: at(20), attributes: { 'plugin.name': 'commit-commands', 'install.trigger': 'cli' } },
  { name: 'mcp_server_connection', timeMs: at(1), attributes: { status: 'connected', transport_type: 'http', server_name: 'github', is_plugin: false } },
  { name: 'mcp_server_connection', timeMs: at(2), attributes: { status: 'failed', transport_type: 'http', server_name: 'github', error_code: 'ETIMEDOUT' } },
  { name: 'mcp_server_connection', timeMs: at(3), attributes: { status: 'failed', transport_type: 'stdio', error_code: 'ENOENT', is_plugin: false } },
  {
    name: 'mcp_server_connection',
    timeMs: at(4),
    attributes: { status: 'connected', transport_type: 'stdio', is_plugin: true, 'plugin.name': 'linear-plugin' },
  },
  { name: 'compaction', timeMs: at(30), attributes: { trigger: 'auto', success: 'true', pre_tokens: 170_000, post_tokens: 30_000, duration_ms: 20_000 } },
  { name: 'compaction', timeMs: at(31), attributes: { trigger: 'manual', success: true, pre_tokens: 100_000, post_tokens: 20_000, duration_ms: 10_000 } },
  { name: 'compaction', timeMs: at(32), attributes: { trigger: 'auto', success: false, error: 'too long', duration_ms: 30_000 } },
  { name: 'internal_error', timeMs: at(40), attributes: { error_name: 'TypeError' } },
  { name: 'internal_error', timeMs: at(41), attributes: { error_name: 'TypeError' } },
  { name: 'internal_error', timeMs: at(42), attributes: { error_name: 'SystemError', error_code: 'ENOENT' } },
  { name: 'quantum_flux', timeMs: at(50), attributes: { flux: 'high' } },
]

const bob: EventSpec[] = [
  sonnet(at(60)),
  sonnet(at(61)),
  { name: 'api_error', timeMs: at(62), attributes: { model: 'claude-sonnet-5', status_code: 429, attempt: 11 } },
  { name: 'skill_activated', timeMs: at(63), attributes: { 'skill.name': 'pdf', invocation_trigger: 'user-slash' } },
]

async function reliability(query = RANGE): Promise<ReliabilityResponse> {
  const res = await fetch(`${cc.apiUrl}/api/v1/reliability?${query}`)
  const body = await res.text()
  if (res.status !== 200) throw new Error(`reliability answered ${res.status}: ${body}`)
  return JSON.parse(body) as ReliabilityResponse
}

const putDirectory = (csv: string) =>
  fetch(`${cc.apiUrl}/api/v1/directory`, { method: 'PUT', headers: { 'content-type': 'text/csv', 'x-requested-with': 'test' }, body: csv })
const DIRECTORY_HEADER = 'user,display_name,team,department,cost_center,seat\n'

beforeAll(async () => {
  cc = await startTestCcscope()
  const sends = [
    postJson(cc.otlpUrl, '/v1/logs', events({ user: 'alice', session: 's-alice', team: 'web' }, alice)),
    postJson(cc.otlpUrl, '/v1/logs', events({ user: 'bob', session: 's-bob', team: 'mobile' }, bob)),
    postJson(cc.otlpUrl, '/v1/logs', events({ user: 'dave', session: 's-dave', team: 'ops' }, [apiRequest(at(70), 0.03)])),
    // carol's Claude Code exports metrics only: her team's reliability is not reported.
    postJson(
      cc.otlpUrl,
      '/v1/metrics',
      costMetrics({ user: 'carol', session: 's-carol', team: 'data' }, 'delta', [{ startMs: at(80), timeMs: at(81), value: 0.5 }]),
    ),
  ]
  for (const res of await Promise.all(sends)) expect(res.status).toBe(200)
  // The real CLI's captures, in their own window (one engine per process: the same ccscope).
  for (const res of await replay(cc.otlpUrl, captures)) expect(res.status).toBe(200)
}, 60_000)
afterAll(async () => {
  await cc?.stop()
})

describe('GET /api/v1/reliability', () => {
  it('counts API requests, errors, exhausted retries and refusals per model and team, with the error rate and its counts', async () => {
    const r = await reliability()
    expect(r.coverage).toEqual({ users: 4, usersWithEvents: 3, usersWithMetrics: 1 })
    const api = r.api
    if (!api) throw new Error('api not reported')
    expect(api.totals).toEqual({ requests: 7, errors: 3, retriesExhausted: 1, refusals: 1, refusalsRetried: 1, errorRate: 3 / 10 })
    expect(api.byModel).toEqual([
      { model: 'claude-opus-5-5', requests: 5, errors: 2, retriesExhausted: 1, refusals: 1, refusalsRetried: 1, errorRate: 2 / 7 },
      { model: 'claude-sonnet-5', requests: 2, errors: 1, retriesExhausted: 0, refusals: 0, refusalsRetried: 0, errorRate: 1 / 3 },
    ])
    const figures = (requests: number, errors: number, retriesExhausted = 0, refusals = 0, refusalsRetried = 0) => ({
      requests,
      errors,
      retriesExhausted,
      refusals,
      refusalsRetried,
      errorRate: errors / (requests + errors),
    })
    expect(api.byTeam).toEqual([
      { team: 'web', users: 1, usersWithEvents: 1, figures: figures(4, 2, 1, 1, 1) },
      { team: 'mobile', users: 1, usersWithEvents: 1, figures: figures(2, 1) },
      // A team that sends events and had no error: zero, not null.
      { team: 'ops', users: 1, usersWithEvents: 1, figures: figures(1, 0) },
      // A metrics-only team: not reported, not zero.
      { team: 'data', users: 1, usersWithEvents: 0, figures: null },
    ])
    expect(api.errorsByStatus).toEqual([
      { statusCode: '529', errors: 1, retriesExhausted: 1 },
      { statusCode: '', errors: 1, retriesExhausted: 0 },
      { statusCode: '429', errors: 1, retriesExhausted: 0 },
    ])
    expect(api.refusalsByCategory).toEqual([{ category: 'cyber', refusals: 1 }])
    // Requests are the Cost page's.
    const cost = (await (await fetch(`${cc.apiUrl}/api/v1/cost?${RANGE}&measures=requests`)).json()) as { totals: { requests: number } }
    expect(api.totals.requests).toBe(cost.totals.requests)
  })

  it('describes sub-agents, skills, plugins, MCP servers, compactions and internal errors', async () => {
    const r = await reliability()
    expect(r.subagents).toEqual({
      completions: 4,
      byAgent: [
        {
          agentType: 'Explore',
          placeholder: false,
          completions: 3,
          users: 1,
          meanDurationMs: 3000,
          p50DurationMs: 2000,
          toolUses: 6,
          meanFinalRequestTokens: 4000,
        },
        { agentType: 'custom', placeholder: true, completions: 1, users: 1, meanDurationMs: 500, p50DurationMs: 500, toolUses: 0, meanFinalRequestTokens: 100 },
      ],
    })
    expect(r.skills).toEqual({
      activations: 3,
      users: 2,
      bySkill: [
        { skill: 'pdf', invocationTrigger: 'user-slash', placeholder: false, activations: 2, users: 2 },
        { skill: 'custom_skill', invocationTrigger: 'claude-proactive', placeholder: true, activations: 1, users: 1 },
      ],
    })
    expect(r.plugins?.byPlugin).toEqual([
      { plugin: 'commit-commands', placeholder: false, distinctPlugins: 1, usersLoaded: 1, sessionsLoaded: 1, installs: 1, usersInstalled: 1 },
      // Two hidden plugins behind one placeholder, told apart by plugin_id_hash.
      { plugin: 'third-party', placeholder: true, distinctPlugins: 2, usersLoaded: 1, sessionsLoaded: 1, installs: 0, usersInstalled: 0 },
    ])
    expect(r.mcp).toEqual({
      connects: 2,
      failures: 2,
      disconnects: 0,
      failureRate: 0.5,
      byServer: [
        { server: 'github', identifiedBy: 'name', connects: 1, failures: 1, disconnects: 0, failureRate: 0.5, topErrorCode: 'ETIMEDOUT', users: 1 },
        { server: 'stdio', identifiedBy: 'transport', connects: 0, failures: 1, disconnects: 0, failureRate: 1, topErrorCode: 'ENOENT', users: 1 },
        { server: 'linear-plugin', identifiedBy: 'plugin', connects: 1, failures: 0, disconnects: 0, failureRate: 0, topErrorCode: null, users: 1 },
      ],
      byStatus: [
        { status: 'connected', events: 2 },
        { status: 'failed', events: 2 },
      ],
    })
    expect(r.compaction).toEqual({
      compactions: 3,
      auto: 2,
      manual: 1,
      succeeded: 2,
      failed: 1,
      successRate: 2 / 3,
      meanTokensSaved: 110_000,
      meanDurationMs: 20_000,
    })
    expect(r.internalErrors).toEqual({
      errors: 3,
      users: 1,
      byError: [
        { errorName: 'TypeError', errorCode: '', errors: 2, users: 1 },
        { errorName: 'SystemError', errorCode: 'ENOENT', errors: 1, users: 1 },
      ],
    })
  })

  it('answers null (not reported) for a metrics-only team, and zeros for a team that sends events', async () => {
    const data = await reliability(`${RANGE}&team=data`)
    expect(data.coverage).toEqual({ users: 1, usersWithEvents: 0, usersWithMetrics: 1 })
    for (const section of ['api', 'subagents', 'skills', 'plugins', 'mcp', 'compaction', 'internalErrors'] as const) expect(data[section], section).toBeNull()
    const ops = await reliability(`${RANGE}&team=ops`)
    expect(ops.api?.totals).toEqual({ requests: 1, errors: 0, retriesExhausted: 0, refusals: 0, refusalsRetried: 0, errorRate: 0 })
    expect(ops.mcp).toMatchObject({ connects: 0, failures: 0, failureRate: null, byServer: [] })
    expect(ops.compaction).toMatchObject({ compactions: 0, successRate: null, meanTokensSaved: null })
    expect(ops.internalErrors).toEqual({ errors: 0, users: 0, byError: [] })
    // Nobody active at all: zeros (nothing happened), as the summary answers.
    const empty = await reliability('from=2026-10-05&to=2026-10-06&tz=UTC')
    expect(empty.coverage.users).toBe(0)
    expect(empty.api?.totals.requests).toBe(0)
  })

  it('attributes teams through the directory, as every page does', async () => {
    expect((await putDirectory(`${DIRECTORY_HEADER}bob,Bob,platform,Eng,CC-1,true\n`)).status).toBe(200)
    try {
      const r = await reliability()
      expect(r.api?.byTeam.map((t) => t.team)).toEqual(['web', 'platform', 'ops', 'data'])
      const platform = await reliability(`${RANGE}&team=platform`)
      expect(platform.api?.totals).toMatchObject({ requests: 2, errors: 1 })
      expect(platform.skills?.bySkill).toEqual([{ skill: 'pdf', invocationTrigger: 'user-slash', placeholder: false, activations: 1, users: 1 }])
      const mobile = await reliability(`${RANGE}&team=mobile`)
      expect(mobile.coverage.users).toBe(0)
      expect(mobile.api?.totals).toMatchObject({ requests: 0, errors: 0 })
    } finally {
      expect((await putDirectory(DIRECTORY_HEADER)).status).toBe(200)
    }
  })

  it('keeps an unknown event kind raw in events, as before', async () => {
    const rows = await selectRows<{ n: string; flux: string }>(
      cc.client,
      "SELECT count() AS n, any(attributes['flux']) AS flux FROM events WHERE event_name = 'quantum_flux'",
    )
    expect(rows).toEqual([{ n: '1', flux: 'high' }])
    const derived = await selectRows<{ n: string }>(cc.client, "SELECT count() AS n FROM reliability_events WHERE event_name = 'quantum_flux'")
    expect(derived).toEqual([{ n: '0' }])
  })

  it('refuses a parameter it does not know', async () => {
    const res = await fetch(`${cc.apiUrl}/api/v1/reliability?${RANGE}&model=x`)
    expect(res.status).toBe(400)
  })

  it('is in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${cc.apiUrl}/api/openapi.json`)).json()) as { paths: Record<string, { get?: { responses: Record<string, unknown> } }> }
    expect(doc.paths['/api/v1/reliability']?.get?.responses['200']).toBeDefined()
  })
})

describe('whole UTC days from reliability_1d, the rest from the events (migration 0025)', () => {
  it('gives the same figures whichever way a range is read', async () => {
    // erin's events the next UTC day, minutes after midnight: a range in Asia/Kolkata reads them from the events.
    const next = DAY + 86_400_000 + 10 * 60_000
    const erin: EventSpec[] = [
      {
        name: 'mcp_server_connection',
        timeMs: next,
        attributes: { status: 'failed', transport_type: 'http', server_name: 'github', error_code: 'ETIMEDOUT' },
      },
      { name: 'plugin_loaded', timeMs: next, attributes: { 'plugin.name': 'commit-commands', plugin_id_hash: 'h1' } },
      { name: 'skill_activated', timeMs: next, attributes: { 'skill.name': 'pdf', invocation_trigger: 'user-slash' } },
      { name: 'compaction', timeMs: next, attributes: { trigger: 'auto', success: 'true', pre_tokens: 50_000, post_tokens: 10_000, duration_ms: 6_000 } },
    ]
    expect((await postJson(cc.otlpUrl, '/v1/logs', events({ user: 'erin', session: 's-erin', team: 'web' }, erin))).status).toBe(200)
    expect(fixtureWindow(captures).from.getTime()).toBeGreaterThan(DAY + 3 * 86_400_000)
    const figures = ({ range: _, ...rest }: ReliabilityResponse) => rest

    // Nov 2 in UTC is one whole day (the rollup); in Asia/Kolkata it is 18:30 the day before to 18:30, no whole UTC day (the events).
    const day = await reliability(RANGE)
    expect(figures(await reliability('from=2026-11-02&to=2026-11-03&tz=Asia/Kolkata'))).toEqual(figures(day))
    // Two days: in UTC both whole; in Asia/Kolkata Nov 2 whole (alice's, bob's) and two edges (erin's, from the events).
    const twoDays = await reliability('from=2026-11-02&to=2026-11-04&tz=UTC')
    expect(figures(await reliability('from=2026-11-02&to=2026-11-04&tz=Asia/Kolkata'))).toEqual(figures(twoDays))
    expect(figures(await reliability('from=2026-11-02T00:00:00Z&to=2026-11-03T00:15:00Z'))).toEqual(figures(twoDays))
    // erin is counted once, in each kind.
    expect([twoDays.mcp?.failures, twoDays.skills?.activations, twoDays.compaction?.compactions, twoDays.compaction?.meanTokensSaved]).toEqual([
      3,
      4,
      4,
      86_666.7, // (140 000 + 80 000 + 40 000) / 3 saved, to a tenth
    ])
    expect(twoDays.plugins?.byPlugin.find((p) => p.plugin === 'commit-commands')).toMatchObject({ usersLoaded: 2, sessionsLoaded: 2 })
    // Filtered by team (the directory joined to both branches): alice's and erin's, not bob's.
    const web = await reliability('from=2026-11-02&to=2026-11-04&tz=Asia/Kolkata&team=web')
    expect(figures(web)).toEqual(figures(await reliability('from=2026-11-02&to=2026-11-04&tz=UTC&team=web')))
    expect([web.skills?.activations, web.skills?.users, web.mcp?.failures]).toEqual([3, 2, 3])
  })
})

describe('the real CLI captures', () => {
  it('count the built-in plugins loaded at every session start (the only one of these kinds they hold)', async () => {
    const w = fixtureWindow(captures)
    // Apart from the synthetic day.
    expect(w.from.getTime()).toBeGreaterThan(DAY + 86_400_000)
    const query = new URLSearchParams({ from: new Date(w.from.getTime() - 3_600_000).toISOString(), to: new Date(w.to.getTime() + 3_600_000).toISOString() })
    const r = await reliability(query.toString())
    // 2 users, 4 sessions, the same 4 built-in plugins in each (fixtures README).
    expect(r.plugins?.byPlugin.map((p) => [p.plugin, p.usersLoaded, p.sessionsLoaded, p.distinctPlugins, p.installs]).sort()).toEqual(
      ['cc-plugin-agents-md', 'cc-plugin-plugin-authoring', 'cc-plugin-privacy', 'cc-plugin-sec-default'].map((p) => [p, 2, 4, 1, 0]),
    )
    expect(r.api?.totals).toEqual({ requests: 7, errors: 0, retriesExhausted: 0, refusals: 0, refusalsRetried: 0, errorRate: 0 })
    for (const empty of [r.subagents?.completions, r.skills?.activations, r.mcp?.connects, r.compaction?.compactions, r.internalErrors?.errors])
      expect(empty).toBe(0)
  })
})

describe('the sessions that loaded a plugin, estimated by their stored hashes (migration 0029)', () => {
  it('count 20 000 sessions within the bound docs/reliability.md states, each once however many days it loaded the plugin', async () => {
    // 20 000 sessions of 40 people over Nov 10-12 (UTC), each loading the plugin again the next day (a resumed session):
    // 40 000 events straight into `events`, whose views feed reliability_events as an ingest does.
    const SESSIONS = 20_000
    const start = Date.UTC(2026, 10, 10) / 1000
    for (const shift of [0, 86_400])
      await cc.client.command({
        query: `INSERT INTO events (id, timestamp, event_name, user_key, session_id, attributes)
          SELECT generateUUIDv4(), toDateTime64({start:UInt32} + {shift:UInt32} + number * 13 % 259200, 9, 'UTC'), 'plugin_loaded',
            concat('scale-', toString(number % 40)), concat('scale-session-', toString(number)), map('plugin.name', 'scale-plugin', 'plugin_id_hash', 'hs')
          FROM numbers({n:UInt32})`,
        query_params: { start, shift, n: SESSIONS },
      })
    const loaded = async (query: string) => (await reliability(query)).plugins?.byPlugin.find((p) => p.plugin === 'scale-plugin')?.sessionsLoaded
    // Whole UTC days, and the same days in Asia/Kolkata (5.5 h fewer at the start: those sessions load it again the next day).
    const utc = await loaded('from=2026-11-10&to=2026-11-14&tz=UTC')
    const kolkata = await loaded('from=2026-11-10T05:30:00Z&to=2026-11-14T05:30:00Z')
    for (const n of [utc, kolkata]) {
      if (n === undefined) throw new Error('scale-plugin not listed')
      // Six standard errors of 2^17 cells (0.29 %): 1.7 %. A count that took every event would be 40 000.
      expect(Math.abs(n - SESSIONS) / SESSIONS).toBeLessThan(0.017)
    }
    // The estimate is a function of the set of sessions, not of which of their events were read.
    expect(kolkata).toBe(utc)
  })

  it('counts a few sessions exactly, and none for events without a session id', async () => {
    // 5 sessions, one loading the plugin twice, and 3 events without a session id (their person still has it enabled).
    await cc.client.command({
      query: `INSERT INTO events (id, timestamp, event_name, user_key, session_id, attributes)
        SELECT generateUUIDv4(), toDateTime64('2026-11-20 10:00:00', 9, 'UTC') + number, 'plugin_loaded', 'few@example.com',
          if(number < 6, concat('few-session-', toString(number % 5)), ''), map('plugin.name', 'few-plugin', 'plugin_id_hash', 'hf')
        FROM numbers(9)`,
    })
    const plugin = (await reliability('from=2026-11-20&to=2026-11-21')).plugins?.byPlugin.find((p) => p.plugin === 'few-plugin')
    expect(plugin).toMatchObject({ sessionsLoaded: 5, usersLoaded: 1 })
  })
})
