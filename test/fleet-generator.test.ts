import { afterAll, describe, expect, it } from 'vitest'
import { anyValueToString, attributesToMap, type AttributeMap } from '../collector/normalize/attributes'
import { exportLogsRequestSchema, exportMetricsRequestSchema } from '../schemas/otlp'
import { startTestCcscope, type TestCcscope } from './helpers/ccscope'
import { generateFleet, sendFleet, summarizeTruth, type Fleet } from './helpers/fleet'

/**
 * The fleet generator (test/helpers/fleet.ts) is itself a test tool: it must be deterministic, send
 * what the real CLI sends, and its truth must be what its payloads say. Its sessions are the
 * simulator's; this file checks the world it picks and the truth it reads back.
 */
const START = new Date('2026-11-01T00:00:00Z')
const fleet = generateFleet({ seed: 1, start: START })

interface Record_ {
  event: string
  ms: number
  attrs: AttributeMap
  resource: AttributeMap
  scope: string
}
interface Point {
  metric: string
  ms: number
  startMs: number
  value: number
  attrs: AttributeMap
  resource: AttributeMap
  temporality: unknown
  monotonic: unknown
  scope: string
}

const nanosToMs = (n: string | number | null | undefined) => Number(BigInt(n ?? 0) / 1_000_000n)

/** Every log record and data point of a fleet, attributes as ccscope reads them (strings). */
function flatten(f: Fleet): { records: Record_[]; points: Point[] } {
  const records: Record_[] = []
  const points: Point[] = []
  for (const request of f.requests) {
    if (request.signal === 'logs') {
      for (const rl of request.body.resourceLogs ?? [])
        for (const sl of rl.scopeLogs ?? [])
          for (const r of sl.logRecords ?? [])
            records.push({
              event: anyValueToString(r.body),
              ms: nanosToMs(r.timeUnixNano),
              attrs: attributesToMap(r.attributes),
              resource: attributesToMap(rl.resource?.attributes),
              scope: sl.scope?.name ?? '',
            })
    } else {
      for (const rm of request.body.resourceMetrics ?? [])
        for (const sm of rm.scopeMetrics ?? [])
          for (const m of sm.metrics ?? [])
            for (const p of m.sum?.dataPoints ?? [])
              points.push({
                metric: m.name ?? '',
                ms: nanosToMs(p.timeUnixNano),
                startMs: nanosToMs(p.startTimeUnixNano),
                value: Number(p.asDouble),
                attrs: attributesToMap(p.attributes),
                resource: attributesToMap(rm.resource?.attributes),
                temporality: m.sum?.aggregationTemporality,
                monotonic: m.sum?.isMonotonic,
                scope: sm.scope?.name ?? '',
              })
    }
  }
  return { records, points }
}

const { records, points } = flatten(fleet)
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0)
const apiRequests = records.filter((r) => r.attrs['event.name'] === 'api_request')

describe('fleet generator', () => {
  it('is deterministic for a seed, and another seed gives another fleet', () => {
    const again = generateFleet({ seed: 1, start: START })
    expect(JSON.stringify(again)).toBe(JSON.stringify(fleet))
    const other = generateFleet({ seed: 2, start: START })
    expect(JSON.stringify(other.requests)).not.toBe(JSON.stringify(fleet.requests))
  })

  it('sends payloads the OTLP schemas accept, shaped like the real CLI', () => {
    for (const request of fleet.requests) {
      const schema = request.signal === 'logs' ? exportLogsRequestSchema : exportMetricsRequestSchema
      const parsed = schema.safeParse(JSON.parse(JSON.stringify(request.body)))
      expect(parsed.success, parsed.error?.message).toBe(true)
    }
    // Big enough to hold every kind of fact the analytics tests check, small enough to send in seconds.
    expect(records.length).toBeGreaterThan(2000)
    expect(records.length).toBeLessThan(8000)
    for (const r of records) {
      expect(r.scope).toBe('com.anthropic.claude_code.events')
      expect(r.event).toBe(`claude_code.${r.attrs['event.name']}`)
      expect(new Date(r.ms).toISOString()).toBe(r.attrs['event.timestamp'])
      expect(r.resource['service.name']).toBe('claude-code')
      expect(r.attrs['session.id']).toMatch(/^[0-9a-f-]{36}$/)
      expect(r.attrs['user.id']).toMatch(/^[0-9a-f]{64}$/)
      expect(r.attrs['enduser.id']).toBe(r.resource['enduser.id'])
    }
    for (const p of points) {
      expect(p.scope).toBe('com.anthropic.claude_code')
      expect(p.metric).toMatch(/^claude_code\./)
      expect(p.temporality).toBe(1)
      expect(p.monotonic).toBe(true)
      expect(p.startMs).toBeLessThanOrEqual(p.ms)
      expect(p.attrs['session.id']).toBeTruthy()
    }
    // Value types as the fixtures have them.
    const api = fleet.requests.find((r) => r.signal === 'logs')
    const json = JSON.stringify(api?.body)
    expect(json).toMatch(/"key":"input_tokens","value":\{"intValue":\d+\}/)
    expect(json).toMatch(/"key":"cost_usd","value":\{"doubleValue":[\d.e-]+\}/)
    expect(json).toMatch(/"key":"managed_settings.sources","value":\{"arrayValue":\{"values":\[/)
    expect(JSON.stringify(fleet.requests.map((r) => r.body))).toMatch(/"key":"duration_ms","value":\{"stringValue":"\d+"\}/)
  })

  it('has the shape the analytics tests rely on', () => {
    const { truth } = fleet
    expect(truth.users).toHaveLength(12)
    const noTeam = truth.users.filter((u) => u.team === '')
    expect(noTeam).toHaveLength(1)
    const bare = [...records, ...points].filter((r) => r.resource['enduser.id'] === noTeam[0]?.user)
    expect(bare.length).toBeGreaterThan(0)
    for (const r of bare) expect(Object.keys(r.resource).filter((k) => ['team.id', 'department', 'cost_center'].includes(k))).toEqual([])
    // Team data sends metrics only.
    expect(records.some((r) => r.resource['team.id'] === 'data')).toBe(false)
    expect(points.some((p) => p.resource['team.id'] === 'data')).toBe(true)
    expect(truth.sessions.filter((s) => !s.eventsOn).every((s) => s.team === 'data')).toBe(true)
    // Every time inside [start, end); some sessions late at night, some past midnight.
    for (const ms of [...records.map((r) => r.ms), ...points.map((p) => p.ms)]) {
      expect(ms).toBeGreaterThanOrEqual(truth.start.getTime())
      expect(ms).toBeLessThan(truth.end.getTime())
    }
    expect(truth.sessions.filter((s) => s.start.getUTCHours() >= 22).length).toBeGreaterThan(3)
    expect(truth.sessions.filter((s) => s.start.getUTCHours() === 0).length).toBeGreaterThan(3)
    expect(truth.sessions.filter((s) => s.start.getUTCDate() !== s.end.getUTCDate()).length).toBeGreaterThan(1)
    expect(truth.modeChanges.some((m) => m.toMode === 'bypassPermissions')).toBe(true)
    const denials = truth.decisions.filter((d) => d.decision === 'reject' && d.source === 'config')
    expect(new Set(denials.map((d) => d.command || d.mcpServer))).toEqual(new Set(['curl', 'wget', 'rm', 'postgres-prod']))
    expect(truth.decisions.some((d) => d.source === 'hook')).toBe(true)
    expect(truth.hooks.some((h) => h.numBlocking === 1)).toBe(true)
  })

  it('tells the truth: its figures are the sums over the payloads', () => {
    const { truth } = fleet
    // Requests seen as api_request events…
    const seen = truth.requests.filter((r) => !r.fromMetricsOnly)
    expect(apiRequests).toHaveLength(seen.length)
    expect(sum(apiRequests.map((r) => Number(r.attrs['cost_usd_micros'])))).toBe(sum(seen.map((r) => r.costMicros)))
    for (const r of apiRequests) expect(Number(r.attrs['cost_usd'])).toBe(Number(r.attrs['cost_usd_micros']) / 1e6)
    for (const [attr, key] of [
      ['input_tokens', 'inputTokens'],
      ['output_tokens', 'outputTokens'],
      ['cache_read_tokens', 'cacheReadTokens'],
      ['cache_creation_tokens', 'cacheCreationTokens'],
    ] as const)
      expect(sum(apiRequests.map((r) => Number(r.attrs[attr])))).toBe(sum(seen.map((r) => r[key])))
    // …and their cost/token metric points, equal to the events per session and attribute set.
    const costPoints = points.filter((p) => p.metric === 'claude_code.cost.usage')
    const eventSessions = new Set(apiRequests.map((r) => r.attrs['session.id']))
    const bySeries = (xs: Array<{ session: string; key: string; value: number }>) => {
      const out = new Map<string, number>()
      for (const x of xs) out.set(`${x.session} ${x.key}`, (out.get(`${x.session} ${x.key}`) ?? 0) + x.value)
      return out
    }
    const seriesKey = (a: AttributeMap) =>
      ['model', 'query_source', 'agent.name', 'skill.name', 'plugin.name', 'mcp_server.name'].map((k) => a[k] ?? '').join('|')
    const fromEvents = bySeries(
      apiRequests.map((r) => ({ session: r.attrs['session.id'] ?? '', key: seriesKey(r.attrs), value: Number(r.attrs['cost_usd_micros']) })),
    )
    const fromPoints = bySeries(
      costPoints
        .filter((p) => eventSessions.has(p.attrs['session.id']))
        .map((p) => ({ session: p.attrs['session.id'] ?? '', key: seriesKey(p.attrs), value: Math.round(p.value * 1e6) })),
    )
    expect(fromPoints).toEqual(fromEvents)
    // Requests known from metrics only.
    const metricsOnly = truth.requests.filter((r) => r.fromMetricsOnly)
    expect(metricsOnly.length).toBeGreaterThan(0)
    const onlyPoints = costPoints.filter((p) => !eventSessions.has(p.attrs['session.id']))
    expect(sum(onlyPoints.map((p) => p.value))).toBeCloseTo(sum(metricsOnly.map((r) => r.costMicros)) / 1e6, 9)
    for (const r of metricsOnly) expect(Number.isInteger(r.costMicros)).toBe(true)
    const tokenPoints = points.filter((p) => p.metric === 'claude_code.token.usage' && !eventSessions.has(p.attrs['session.id']))
    expect(sum(tokenPoints.filter((p) => p.attrs['type'] === 'cacheRead').map((p) => p.value))).toBe(sum(metricsOnly.map((r) => r.cacheReadTokens)))

    // Counts of the other facts.
    const events = (name: string) => records.filter((r) => r.attrs['event.name'] === name)
    expect(events('user_prompt')).toHaveLength(truth.prompts.length)
    expect(events('tool_decision')).toHaveLength(truth.decisions.length)
    expect(events('tool_result')).toHaveLength(truth.toolResults.length)
    expect(events('hook_execution_complete')).toHaveLength(truth.hooks.length)
    expect(events('permission_mode_changed')).toHaveLength(truth.modeChanges.length)
    expect(events('managed_settings_resolved')).toHaveLength(truth.managedSettings.length)
    const denials = events('tool_decision').filter((r) => r.attrs['decision'] === 'reject' && r.attrs['source'] === 'config')
    expect(denials).toHaveLength(summarizeTruth(truth).policyDenials)
    expect(new Set([...records, ...points].map((r) => r.attrs['session.id']))).toEqual(new Set(truth.sessions.map((s) => s.session)))
    expect(new Set([...records, ...points].map((r) => r.attrs['enduser.id']))).toEqual(new Set(truth.users.map((u) => u.user)))
    const metricSum = (name: string, type: string) =>
      sum(points.filter((p) => p.metric === name && (type === '' || p.attrs['type'] === type)).map((p) => p.value))
    const truthSum = (name: string) => sum(truth.metrics.filter((m) => m.name === name).map((m) => m.value))
    expect(metricSum('claude_code.session.count', '')).toBe(truth.sessions.length)
    expect(truthSum('sessions')).toBe(truth.sessions.length)
    expect(metricSum('claude_code.lines_of_code.count', 'added')).toBe(truthSum('lines_added'))
    expect(metricSum('claude_code.active_time.total', 'user')).toBeCloseTo(truthSum('active_user_s'), 6)
  })
})

describe('fleet and simulator', () => {
  it('reads back from its payloads what the simulator counted while generating them', () => {
    const { truth, simulated } = fleet
    const read = summarizeTruth(truth)
    const micros = sum(truth.requests.map((r) => r.costMicros))
    expect({
      sessions: read.sessions,
      metricsOnlySessions: truth.sessions.filter((s) => !s.eventsOn).length,
      prompts: read.prompts,
      apiRequests: read.apiRequests,
      costMicros: micros,
      tokens: read.tokens,
      toolDecisions: read.toolDecisions,
      policyDenials: read.policyDenials,
      hookExecutions: truth.hooks.length,
      permissionModeChanges: truth.modeChanges.length,
      toBypassPermissions: truth.modeChanges.filter((m) => m.toMode === 'bypassPermissions').length,
      managedSettingsResolved: truth.managedSettings.length,
    }).toEqual({
      sessions: simulated.sessions,
      metricsOnlySessions: simulated.metricsOnlySessions,
      prompts: simulated.prompts,
      apiRequests: simulated.apiRequests,
      costMicros: simulated.costMicros,
      tokens: simulated.tokens,
      toolDecisions: simulated.toolDecisions,
      policyDenials: simulated.policyDenials,
      hookExecutions: simulated.hookExecutions,
      permissionModeChanges: simulated.permissionModeChanges,
      toBypassPermissions: simulated.toBypassPermissions,
      managedSettingsResolved: simulated.managedSettingsResolved,
    })
  })
})

describe('fleet through ccscope', () => {
  let cc: TestCcscope | undefined
  afterAll(async () => {
    await cc?.stop()
  })

  it('gives the summary the truth predicts', async () => {
    cc = await startTestCcscope()
    const sent = generateFleet({ seed: 1, start: START })
    await sendFleet(cc.otlpUrl, sent)
    const expected = summarizeTruth(sent.truth)
    const s = await cc.summary({ from: sent.truth.start, to: sent.truth.end })
    expect({
      users: s.users,
      sessions: s.sessions,
      apiRequests: s.apiRequests,
      tokens: s.tokens,
      toolDecisions: s.toolDecisions,
      policyDenials: s.policyDenials,
    }).toEqual({
      users: expected.users,
      sessions: expected.sessions,
      apiRequests: expected.apiRequests,
      tokens: expected.tokens,
      toolDecisions: expected.toolDecisions,
      policyDenials: expected.policyDenials,
    })
    expect(Math.abs(s.costUsd - expected.costUsd)).toBeLessThan(1e-6)
  })
})
