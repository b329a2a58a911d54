import fs from 'node:fs'
import path from 'node:path'
import { JsonLogsSerializer, JsonMetricsSerializer } from '@opentelemetry/otlp-transformer'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseCli } from '../simulator/cli'
import { LATEST_VERSION } from '../simulator/catalog'
import type { Protocol } from '../simulator/exporters'
import { planUsers } from '../simulator/fleet'
import { exportPoints, type Temporality } from '../simulator/metrics'
import { logRecords, resourceMetrics } from '../simulator/otlp'
import { countFleet, generate, resolvePeriod, simulate, type UserDay } from '../simulator/run'
import { Tally, type Truths } from '../simulator/truths'
import { selectRows } from '../warehouse/client'
import { startTestCcscope, type TestCcscope } from './helpers/ccscope'
import { FIXTURES_DIR } from './helpers/fixtures'

/**
 * The simulator (simulator/) against a running ccscope: a small fleet sent through the real OTel
 * exporters over each protocol and both temporalities must give /api/v1/summary exactly the truths
 * the simulator reports; a seed determines the fleet; the records are shaped like the real CLI's.
 */

const TOKEN = 'simulator-token'
const USERS = 15
const DAYS = 5
let cc: TestCcscope

beforeAll(async () => {
  cc = await startTestCcscope({ CCSCOPE_INGEST_TOKENS: TOKEN })
})
afterAll(async () => {
  await cc?.stop()
})

/** The summary's figures as the simulator states them. */
function expected(t: Truths) {
  return {
    users: t.users,
    sessions: t.sessions,
    prompts: t.prompts,
    apiRequests: t.apiRequests,
    tokens: t.tokens,
    toolDecisions: t.toolDecisions,
    policyDenials: t.policyDenials,
  }
}

// Each run gets its own month, so that one ccscope holds them all apart.
const RUNS: ReadonlyArray<{ protocol: Protocol; temporality: Temporality; seed: number; end: string }> = [
  { protocol: 'http/json', temporality: 'delta', seed: 11, end: '2026-03-01T00:00:00Z' },
  { protocol: 'http/protobuf', temporality: 'delta', seed: 12, end: '2026-04-01T09:17:00Z' },
  { protocol: 'http/protobuf', temporality: 'cumulative', seed: 13, end: '2026-05-01T17:42:00Z' },
  { protocol: 'grpc', temporality: 'cumulative', seed: 14, end: '2026-06-01T00:00:00Z' },
]

describe('simulated fleet through the real OTel exporters', () => {
  for (const run of RUNS) {
    it(`${run.protocol}, ${run.temporality}: /api/v1/summary equals the simulator's truths`, async () => {
      const result = await simulate({
        users: USERS,
        days: DAYS,
        seed: run.seed,
        end: new Date(run.end),
        protocol: run.protocol,
        temporality: run.temporality,
        endpoint: cc.otlpUrl,
        grpcEndpoint: `http://127.0.0.1:${cc.ports.otlpGrpc}`,
        token: TOKEN,
      })
      const t = result.truths
      expect(result.partialSuccess).toEqual([])
      expect(result.stats.exports).toBeGreaterThan(0)
      expect(t).toEqual(countFleet({ users: USERS, days: DAYS, seed: run.seed, end: new Date(run.end), temporality: run.temporality }))
      // The fleet has something of everything the summary counts.
      expect(t.users).toBeGreaterThan(5)
      expect(t.apiRequests).toBeGreaterThan(100)
      expect(t.policyDenials).toBeGreaterThan(0)
      expect(t.metricsOnlySessions).toBeGreaterThan(0)

      const range = { from: t.range.from, to: t.range.to }
      const s = await cc.summary(range)
      expect({
        users: s.users,
        sessions: s.sessions,
        prompts: s.prompts,
        apiRequests: s.apiRequests,
        tokens: s.tokens,
        toolDecisions: s.toolDecisions,
        policyDenials: s.policyDenials,
      }).toEqual(expected(t))
      expect(s.costUsd).toBeCloseTo(t.costUsd, 6)
      expect(s.editAcceptRate).toBeCloseTo(t.editDecisions.accept / (t.editDecisions.accept + t.editDecisions.reject), 9)

      // The metrics agree with the events: cost and tokens of every request (both temporalities), and
      // the figures only metrics carry (lines, commits, PRs, active time), summed from their deltas.
      const metrics = await selectRows<{ name: string; type: string; total: number }>(
        cc.client,
        `SELECT metric_name AS name, type, sum(delta) AS total FROM metric_points
         WHERE timestamp >= parseDateTime64BestEffort({from:String}, 9) AND timestamp < parseDateTime64BestEffort({to:String}, 9)
         GROUP BY name, type`,
        range,
      )
      const total = (name: string, type = '') => metrics.find((m) => m.name === `claude_code.${name}` && m.type === type)?.total ?? 0
      expect(total('cost.usage')).toBeCloseTo(t.costUsd, 6)
      expect({
        input: total('token.usage', 'input'),
        output: total('token.usage', 'output'),
        cacheRead: total('token.usage', 'cacheRead'),
        cacheCreation: total('token.usage', 'cacheCreation'),
        linesAdded: total('lines_of_code.count', 'added'),
        linesRemoved: total('lines_of_code.count', 'removed'),
        commits: total('commit.count'),
        pullRequests: total('pull_request.count'),
        sessions: total('session.count'),
      }).toEqual({
        ...t.tokens,
        linesAdded: t.linesAdded,
        linesRemoved: t.linesRemoved,
        commits: t.commits,
        pullRequests: t.pullRequests,
        sessions: t.sessions,
      })
      expect(total('active_time.total', 'user')).toBeCloseTo(t.activeTimeSeconds.user, 3)
      expect(total('active_time.total', 'cli')).toBeCloseTo(t.activeTimeSeconds.cli, 3)

      // Attribution to teams holds too (team.id from OTEL_RESOURCE_ATTRIBUTES).
      const [team, figures] = Object.entries(t.byTeam).sort((a, b) => b[1].costMicros - a[1].costMicros)[0] ?? []
      if (!team || !figures) throw new Error('a fleet without teams')
      const byTeam = await cc.summary(range, { team })
      expect({ users: byTeam.users, sessions: byTeam.sessions }).toEqual({ users: figures.users, sessions: figures.sessions })
      expect(byTeam.costUsd).toBeCloseTo(figures.costMicros / 1e6, 6)
    })
  }
})

describe('refusals', () => {
  it('a wrong token fails the run at once, naming the answer, over HTTP and gRPC', async () => {
    const base = {
      users: 3,
      days: 1,
      seed: 1,
      end: new Date('2026-08-01T00:00:00Z'),
      temporality: 'delta' as const,
      endpoint: cc.otlpUrl,
      grpcEndpoint: `http://127.0.0.1:${cc.ports.otlpGrpc}`,
      token: 'wrong',
    }
    const started = Date.now()
    await expect(simulate({ ...base, protocol: 'http/protobuf' })).rejects.toThrow(/refused: .*401/)
    await expect(simulate({ ...base, protocol: 'grpc' })).rejects.toThrow(/refused: .*UNAUTHENTICATED/)
    expect(Date.now() - started).toBeLessThan(10_000)
  })
})

describe('determinism', () => {
  const end = new Date('2026-02-01T12:34:00Z')

  it('the same seed gives the same truths; another seed does not', () => {
    const a = countFleet({ users: 40, days: 7, seed: 5, end, temporality: 'delta' })
    const b = countFleet({ users: 40, days: 7, seed: 5, end, temporality: 'delta' })
    const c = countFleet({ users: 40, days: 7, seed: 6, end, temporality: 'delta' })
    expect(b).toEqual(a)
    expect(c).not.toEqual(a)
    expect(a.range).toEqual({ from: '2026-01-25T12:34:00.000Z', to: '2026-02-01T12:34:00.000Z' })
  })

  it('the same seed gives byte-identical OTLP requests', () => {
    const first = (seed: number) => {
      const period = resolvePeriod(3, end)
      const users = planUsers({ seed, users: 10, days: 3 })
      const day = generate(seed, users, period, new Tally({ from: new Date(period.from), to: new Date(period.end) })).next().value as UserDay
      const logs = day.sessions.flatMap((s) => logRecords(s))
      const metrics = resourceMetrics(
        day.user,
        day.sessions.map((s) => ({ session: s, points: exportPoints(s, 60_000, 'cumulative') })),
        'cumulative',
      )
      return [
        Buffer.from(JsonLogsSerializer.serializeRequest(logs) ?? []).toString(),
        Buffer.from(JsonMetricsSerializer.serializeRequest(metrics) ?? []).toString(),
      ]
    }
    expect(first(9)).toEqual(first(9))
    expect(first(9)).not.toEqual(first(10))
  })
})

describe('shape', () => {
  type KeyValue = { key: string; value: Record<string, unknown> }
  type LogRecordJson = { body: { stringValue: string }; attributes: KeyValue[] }
  type LogsJson = { resourceLogs: Array<{ resource: { attributes: KeyValue[] }; scopeLogs: Array<{ scope: { name: string }; logRecords: LogRecordJson[] }> }> }
  type MetricJson = {
    name: string
    unit: string
    description: string
    sum: { aggregationTemporality: number; isMonotonic: boolean; dataPoints: Array<{ attributes: KeyValue[] } & Record<string, unknown>> }
  }
  type MetricsJson = {
    resourceMetrics: Array<{ resource: { attributes: KeyValue[] }; scopeMetrics: Array<{ scope: { name: string }; metrics: MetricJson[] }> }>
  }

  const kind = (v: Record<string, unknown>) => Object.keys(v)[0]
  const read = <T>(name: string): T => JSON.parse(fs.readFileSync(path.join(FIXTURES_DIR, 'http-json-delta', name), 'utf8')) as T
  const fixtureLogs = ['001-logs.json', '003-logs.json', '005-logs.json', '007-logs.json'].map((f) => read<LogsJson>(f))
  const fixtureMetrics = ['002-metrics.json', '004-metrics.json'].map((f) => read<MetricsJson>(f))

  // A week of a larger fleet, serialized by the SDK's own JSON serializer (what http/json sends).
  const period = resolvePeriod(7, new Date('2026-01-20T00:00:00Z'))
  const users = planUsers({ seed: 3, users: 60, days: 7 })
  const days = [...generate(3, users, period, new Tally({ from: new Date(period.from), to: new Date(period.end) }))]
  const latest = days.filter((d) => d.user.version === LATEST_VERSION && d.user.eventsOn)
  const simLogs = JSON.parse(
    Buffer.from(JsonLogsSerializer.serializeRequest(latest.flatMap((d) => d.sessions.flatMap((s) => logRecords(s)))) ?? []).toString(),
  ) as LogsJson
  const allLogs = JSON.parse(
    Buffer.from(JsonLogsSerializer.serializeRequest(days.flatMap((d) => d.sessions.flatMap((s) => logRecords(s)))) ?? []).toString(),
  ) as LogsJson
  const simMetrics = latest.slice(0, 40).map(
    (d) =>
      JSON.parse(
        Buffer.from(
          JsonMetricsSerializer.serializeRequest(
            resourceMetrics(
              d.user,
              d.sessions.map((s) => ({ session: s, points: exportPoints(s, 60_000, 'delta') })),
              'delta',
            ),
          ) ?? [],
        ).toString(),
      ) as MetricsJson,
  )

  it("events: the fixtures' resource keys, scope, bodies, and every attribute with the same value type", () => {
    const simRecords = simLogs.resourceLogs.flatMap((r) => r.scopeLogs.flatMap((s) => s.logRecords))
    const simByName = new Map<string, LogRecordJson[]>()
    for (const r of simRecords) simByName.set(r.body.stringValue, [...(simByName.get(r.body.stringValue) ?? []), r])
    const fixtureResourceKeys = fixtureLogs[0]?.resourceLogs[0]?.resource.attributes.map((a) => a.key) ?? []
    for (const r of simLogs.resourceLogs) {
      expect(r.resource.attributes.map((a) => a.key)).toEqual(
        expect.arrayContaining(fixtureResourceKeys.filter((k) => k !== 'enduser.id' || r.resource.attributes.some((a) => a.key === k))),
      )
      for (const s of r.scopeLogs) expect(s.scope.name).toBe('com.anthropic.claude_code.events')
    }
    const fixtureRecords = fixtureLogs.flatMap((f) => f.resourceLogs.flatMap((r) => r.scopeLogs.flatMap((s) => s.logRecords)))
    const checked = new Set<string>()
    for (const fr of fixtureRecords) {
      const name = fr.body.stringValue
      if (name === 'claude_code.plugin_loaded') continue // the fixture machine's built-in plugins
      const sims = simByName.get(name)
      expect(sims, `${name} is simulated`).toBeDefined()
      if (!sims) continue
      for (const a of fr.attributes) {
        // Tool-specific: the fixture's Bash call has tool_parameters, its Read call none.
        if (a.key === 'tool_parameters') continue
        const withKey = sims.find((r) => r.attributes.some((b) => b.key === a.key))
        expect(withKey, `${name} carries ${a.key}`).toBeDefined()
        const value = withKey?.attributes.find((b) => b.key === a.key)?.value ?? {}
        expect(kind(value), `${name}.${a.key} value type`).toBe(kind(a.value))
        checked.add(`${name}.${a.key}`)
      }
    }
    expect(checked.size).toBeGreaterThan(60)
  })

  it("metrics: names, units, descriptions, monotonic double sums and the fixtures' point attributes", () => {
    const fixture = new Map<string, MetricJson>()
    for (const f of fixtureMetrics) for (const r of f.resourceMetrics) for (const s of r.scopeMetrics) for (const m of s.metrics) fixture.set(m.name, m)
    const seen = new Set<string>()
    for (const req of simMetrics) {
      for (const r of req.resourceMetrics) {
        for (const s of r.scopeMetrics) {
          expect(s.scope.name).toBe('com.anthropic.claude_code')
          for (const m of s.metrics) {
            seen.add(m.name)
            expect(m.sum.isMonotonic).toBe(true)
            expect(m.sum.aggregationTemporality).toBe(1)
            for (const p of m.sum.dataPoints) expect(typeof p['asDouble']).toBe('number')
            const f = fixture.get(m.name)
            if (!f) continue
            expect({ unit: m.unit, description: m.description }).toEqual({ unit: f.unit, description: f.description })
            const keys = m.sum.dataPoints[0]?.attributes.map((a) => a.key) ?? []
            const fixtureKeys = (f.sum.dataPoints[0]?.attributes.map((a) => a.key) ?? []).filter((k) => k !== 'enduser.id' || keys.includes(k))
            expect(keys).toEqual(expect.arrayContaining(fixtureKeys))
          }
        }
      }
    }
    expect([...seen].sort()).toEqual([
      'claude_code.active_time.total',
      'claude_code.code_edit_tool.decision',
      'claude_code.commit.count',
      'claude_code.cost.usage',
      'claude_code.lines_of_code.count',
      'claude_code.pull_request.count',
      'claude_code.session.count',
      'claude_code.token.usage',
    ])
  })

  it("api_request cost agrees with its tokens at the model's list price, as cost_usd and cost_usd_micros", () => {
    const prices: Record<string, [number, number, number, number]> = {
      'claude-opus-5-5': [4, 20, 0.2, 5],
      'claude-opus-5': [5, 25, 0.5, 6.25],
      'claude-sonnet-5': [3, 15, 0.3, 3.75],
      'claude-haiku-5': [1, 5, 0.1, 1.25],
    }
    const requests = allLogs.resourceLogs
      .flatMap((r) => r.scopeLogs.flatMap((s) => s.logRecords))
      .filter((r) => r.body.stringValue === 'claude_code.api_request')
    expect(requests.length).toBeGreaterThan(500)
    const models = new Set<string>()
    let old = 0
    for (const r of requests) {
      const a = Object.fromEntries(r.attributes.map((kv) => [kv.key, Object.values(kv.value)[0]]))
      const p = prices[String(a['model'])]
      if (!p) throw new Error(`unknown model ${String(a['model'])}`)
      models.add(String(a['model']))
      const micros = Math.round(
        Number(a['input_tokens']) * p[0] +
          Number(a['output_tokens']) * p[1] +
          Number(a['cache_read_tokens']) * p[2] +
          Number(a['cache_creation_tokens']) * p[3],
      )
      // Versions before 2.1.300 send cost_usd only.
      if (a['cost_usd_micros'] !== undefined) expect(a['cost_usd_micros']).toBe(micros)
      else old++
      expect(a['cost_usd']).toBeCloseTo(micros / 1e6, 12)
    }
    expect(models.size).toBe(4)
    expect(old).toBeGreaterThan(0)
  })
})

describe('CLI arguments', () => {
  it('parses the documented options and refuses bad ones', () => {
    expect(
      parseCli([
        '--users',
        '500',
        '--days',
        '30',
        '--seed',
        '7',
        '--protocol',
        'grpc',
        '--temporality',
        'cumulative',
        '--end',
        '2026-11-01T00:00:00Z',
        '--token',
        't',
      ]),
    ).toMatchObject({
      users: 500,
      days: 30,
      seed: 7,
      protocol: 'grpc',
      temporality: 'cumulative',
      end: new Date('2026-11-01T00:00:00Z'),
      token: 't',
      endpoint: 'http://127.0.0.1:4318',
    })
    expect(parseCli(['--help'])).toBeUndefined()
    expect(() => parseCli(['--protocol', 'udp'])).toThrow(/--protocol/)
    expect(() => parseCli(['--users', '0'])).toThrow(/--users/)
    expect(() => parseCli(['--end', 'yesterday'])).toThrow(/--end/)
    expect(() => parseCli(['--bogus'])).toThrow()
  })
})

describe('beta traces through @opentelemetry/exporter-trace-otlp-http', () => {
  it('sends one trace per prompt: interaction → llm_request and tool (→ tool.execution), as many requests as the events say', async () => {
    const end = '2026-07-01T00:00:00Z'
    const result = await simulate({
      users: 4,
      days: 1,
      seed: 21,
      end: new Date(end),
      protocol: 'http/protobuf',
      temporality: 'delta',
      endpoint: cc.otlpUrl,
      token: TOKEN,
      traces: true,
    })
    expect(result.spans).toBeGreaterThan(0)
    const from = result.truths.range.from
    const window = { from: String(from), to: end }
    const spans = await selectRows<{
      name: string
      trace_id: string
      span_id: string
      parent_span_id: string
      session_id: string
      scope_name: string
      duration_ns: string
    }>(
      cc.client,
      `SELECT name, trace_id, span_id, parent_span_id, session_id, scope_name, toString(duration_ns) AS duration_ns FROM spans
       WHERE start_timestamp >= parseDateTime64BestEffort({from:String}) AND start_timestamp < parseDateTime64BestEffort({to:String})`,
      window,
    )
    expect(spans).toHaveLength(result.spans)
    expect(new Set(spans.map((s) => s.scope_name))).toEqual(new Set(['com.anthropic.claude_code.tracing']))
    const byId = new Map(spans.map((s) => [`${s.trace_id}/${s.span_id}`, s]))
    const parentOf = (s: (typeof spans)[number]) => byId.get(`${s.trace_id}/${s.parent_span_id}`)?.name
    for (const s of spans) {
      expect(s.session_id).not.toBe('')
      if (s.name === 'claude_code.interaction') expect(s.parent_span_id).toBe('')
      if (s.name === 'claude_code.llm_request' || s.name === 'claude_code.tool') expect(parentOf(s), s.name).toBe('claude_code.interaction')
      if (s.name === 'claude_code.tool.execution') expect(parentOf(s)).toBe('claude_code.tool')
    }
    const [events] = await selectRows<{ requests: string; prompts: string }>(
      cc.client,
      `SELECT countIf(event_name = 'api_request') AS requests, countIf(event_name = 'user_prompt') AS prompts FROM events
       WHERE timestamp >= parseDateTime64BestEffort({from:String}) AND timestamp < parseDateTime64BestEffort({to:String})`,
      window,
    )
    expect(spans.filter((s) => s.name === 'claude_code.llm_request')).toHaveLength(Number(events?.requests))
    expect(spans.filter((s) => s.name === 'claude_code.interaction')).toHaveLength(Number(events?.prompts))
  }, 120_000)
})
