import { describe, expect, it } from 'vitest'
import {
  agentRows,
  categoryRows,
  compactionTiles,
  formatMs,
  headlineTiles,
  internalErrorRows,
  mcpRows,
  modelRows,
  nameLabel,
  pluginRows,
  sectionState,
  skillRows,
  statusLabel,
  statusRows,
  teamRows,
} from '../dashboard/ui/prepare/reliability'
import { reliabilityResponseSchema, type ReliabilityResponse } from '../schemas/reliability'

/** The Reliability page's shaping, on answers shaped like the API's (checked against its schema). */

function some<T>(value: T | null | undefined): T {
  if (value === null || value === undefined) throw new Error('section not reported')
  return value
}

const zeros = { requests: 0, errors: 0, retriesExhausted: 0, refusals: 0, refusalsRetried: 0, errorRate: null }
const base = {
  range: { from: '2026-11-02T00:00:00.000Z', to: '2026-11-03T00:00:00.000Z', timeZone: 'UTC' },
  coverage: { users: 3, usersWithEvents: 2, usersWithMetrics: 1 },
}

const answer: ReliabilityResponse = reliabilityResponseSchema.parse({
  ...base,
  api: {
    totals: { requests: 8, errors: 2, retriesExhausted: 1, refusals: 1, refusalsRetried: 1, errorRate: 0.2 },
    byModel: [
      { model: 'claude-opus-5-5', requests: 6, errors: 2, retriesExhausted: 1, refusals: 1, refusalsRetried: 1, errorRate: 0.25 },
      { model: '', requests: 2, errors: 0, retriesExhausted: 0, refusals: 0, refusalsRetried: 0, errorRate: 0 },
    ],
    byTeam: [
      { team: 'data', users: 1, usersWithEvents: 0, figures: null },
      { team: 'ops', users: 1, usersWithEvents: 1, figures: { ...zeros, requests: 2, errorRate: 0 } },
      { team: 'web', users: 1, usersWithEvents: 1, figures: { requests: 6, errors: 2, retriesExhausted: 1, refusals: 1, refusalsRetried: 1, errorRate: 0.25 } },
    ],
    errorsByStatus: [
      { statusCode: '529', errors: 1, retriesExhausted: 1 },
      { statusCode: '', errors: 1, retriesExhausted: 0 },
    ],
    refusalsByCategory: [{ category: '', refusals: 1 }],
  },
  subagents: {
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
  },
  skills: { activations: 1, users: 1, bySkill: [{ skill: 'custom_skill', invocationTrigger: '', placeholder: true, activations: 1, users: 1 }] },
  plugins: {
    byPlugin: [
      { plugin: 'third-party', placeholder: true, distinctPlugins: 2, usersLoaded: 1, sessionsLoaded: 1, installs: 0, usersInstalled: 0 },
      { plugin: 'commit-commands', placeholder: false, distinctPlugins: 1, usersLoaded: 2, sessionsLoaded: 3, installs: 1, usersInstalled: 1 },
    ],
  },
  mcp: {
    connects: 1,
    failures: 1,
    disconnects: 0,
    failureRate: 0.5,
    byServer: [
      { server: 'stdio', identifiedBy: 'transport', connects: 0, failures: 1, disconnects: 0, failureRate: 1, topErrorCode: 'ENOENT', users: 1 },
      { server: 'github', identifiedBy: 'name', connects: 1, failures: 0, disconnects: 0, failureRate: 0, topErrorCode: null, users: 1 },
    ],
    byStatus: [
      { status: 'connected', events: 1 },
      { status: 'failed', events: 1 },
    ],
  },
  compaction: { compactions: 3, auto: 2, manual: 1, succeeded: 2, failed: 1, successRate: 2 / 3, meanTokensSaved: 110_000, meanDurationMs: 20_000 },
  internalErrors: { errors: 0, users: 0, byError: [] },
})

const notReported: ReliabilityResponse = {
  ...base,
  coverage: { users: 2, usersWithEvents: 0, usersWithMetrics: 2 },
  api: null,
  subagents: null,
  skills: null,
  plugins: null,
  mcp: null,
  compaction: null,
  internalErrors: null,
}

describe('reliability sections', () => {
  it('tell not reported (nobody sends events) from nothing recorded and from figures', () => {
    expect(sectionState(notReported, 'mcp')).toEqual({ kind: 'not-reported', coverage: notReported.coverage })
    expect(sectionState(answer, 'internalErrors')).toEqual({ kind: 'empty' })
    expect(sectionState(answer, 'mcp').kind).toBe('data')
    const noMcp = { ...answer, mcp: { connects: 0, failures: 0, disconnects: 0, failureRate: null, byServer: [], byStatus: [] } }
    expect(sectionState(noMcp, 'mcp')).toEqual({ kind: 'empty' })
    // Refusals alone are activity of the API section, not an empty one.
    const refusalsOnly = { ...answer, api: { ...some(answer.api), totals: { ...zeros, refusalsRetried: 1 } } }
    expect(sectionState(refusalsOnly, 'api').kind).toBe('data')
  })

  it('draw headline tiles with their rates as counts, and none when not reported', () => {
    const tiles = headlineTiles(answer)
    expect(tiles.map((t) => [t.id, t.value])).toEqual([
      ['requests', '8'],
      ['errors', '2'],
      ['error-rate', '20%'],
      ['retries-exhausted', '1'],
      ['refusals', '1'],
      ['mcp-failure-rate', '50%'],
    ])
    expect(tiles.find((t) => t.id === 'error-rate')?.rate).toEqual({ numerator: 2, denominator: 10, of: 'requests failed' })
    expect(headlineTiles(notReported)).toEqual([])
  })
})

describe('API rows', () => {
  it('by model: the rate over requests + errors, a model not sent named so', () => {
    expect(modelRows(some(answer.api)).map((r) => [r.label, r.requests, r.errors, r.attempts])).toEqual([
      ['claude-opus-5-5', 6, 2, 8],
      ['(model not sent)', 2, 0, 2],
    ])
  })

  it('by team: figures first, most errors first; a metrics-only team last with nulls and the reason', () => {
    const rows = teamRows(some(answer.api))
    expect(rows.map((r) => [r.label, r.errors])).toEqual([
      ['web', 2],
      ['ops', 0],
      ['data', null],
    ])
    expect(rows[2]).toMatchObject({ requests: null, attempts: null, refusals: null })
    expect(rows[2]?.hint).toBe('Not reported: 0 of 1 active users send events (metrics only)')
    expect(rows[1]?.hint).toBeUndefined()
  })

  it('name status codes and refusal categories', () => {
    expect(statusLabel('529')).toBe('529 Overloaded')
    expect(statusLabel('418')).toBe('418')
    expect(statusRows(some(answer.api)).map((r) => r.label)).toEqual(['529 Overloaded', 'Network error (no status)'])
    expect(categoryRows(some(answer.api))).toEqual([{ key: '', label: 'Not sent', hint: expect.stringMatching(/OTEL_LOG_TOOL_DETAILS/), refusals: 1 }])
  })
})

describe('names and the other sections', () => {
  it('mark placeholder names as many, not one', () => {
    expect(nameLabel('Explore', false)).toEqual({ label: 'Explore', hint: undefined })
    expect(nameLabel('custom', true).label).toBe('custom (hidden names)')
    expect(nameLabel('custom', true).hint).toMatch(/many of them, not one/)
    expect(nameLabel('', false).label).toBe('(not sent)')
    const plugins = pluginRows(some(answer.plugins))
    expect(plugins[0]).toMatchObject({ label: 'third-party (hidden names)', usersLoaded: 1 })
    expect(plugins[0]?.hint).toMatch(/2 distinct plugins by plugin_id_hash/)
    expect(plugins[1]?.hint).toBeUndefined()
    expect(skillRows(some(answer.skills))).toEqual([
      { key: 'custom_skill\u0000', label: 'custom_skill (hidden names)', hint: expect.any(String), trigger: '—', activations: 1, users: 1 },
    ])
  })

  it('sub-agents: durations readable, tool uses per run', () => {
    expect(agentRows(some(answer.subagents)).map((a) => [a.label, a.mean, a.p50, a.toolUsesPerRun])).toEqual([
      ['Explore', '3 s', '2 s', 2],
      ['custom (hidden names)', '500 ms', '500 ms', 0],
    ])
    expect([formatMs(null), formatMs(999), formatMs(90_000)]).toEqual(['—', '999 ms', '1.5 min'])
  })

  it('MCP: a server whose name is hidden says what it is counted by', () => {
    expect(mcpRows(some(answer.mcp)).map((m) => [m.label, m.kind, m.hidden, m.attempts, m.topErrorCode])).toEqual([
      ['stdio', 'transport', true, 1, 'ENOENT'],
      ['github', 'server', false, 1, '—'],
    ])
  })

  it('compaction tiles and internal errors', () => {
    const tiles = compactionTiles(some(answer.compaction))
    expect(tiles.map((t) => [t.id, t.value])).toEqual([
      ['compactions', '3'],
      ['auto-manual', '2 / 1'],
      ['compaction-success', '66.7%'],
      ['tokens-saved', '110K'],
      ['compaction-duration', '20 s'],
    ])
    expect(tiles.find((t) => t.id === 'compaction-success')?.rate).toEqual({ numerator: 2, denominator: 3, of: 'compactions succeeded' })
    expect(compactionTiles({ ...some(answer.compaction), meanTokensSaved: null }).find((t) => t.id === 'tokens-saved')?.value).toBe('—')
    expect(internalErrorRows({ errors: 2, users: 1, byError: [{ errorName: 'TypeError', errorCode: '', errors: 2, users: 1 }] })).toEqual([
      { key: 'TypeError\u0000', name: 'TypeError', code: '—', errors: 2, users: 1 },
    ])
  })
})
