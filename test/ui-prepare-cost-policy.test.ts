import { belowFloor } from '../schemas/policy'
import { describe, expect, it } from 'vitest'
import type { DatasetResponse } from '../schemas/analytics'
import type { MoversResponse, PolicyResponse } from '../schemas/policy'
import { apiUrl } from '../dashboard/ui/api'
import { DEFAULT_FILTERS, toQueryString, type DateRange, type Filters } from '../dashboard/ui/filters'
import {
  breakdown,
  breakdownParams,
  cacheHitRate,
  costGranularity,
  costOverTime,
  costTiles,
  emptyGroupLabel,
  periodsOf,
  tokenItems,
  type CostTotals,
} from '../dashboard/ui/prepare/cost'
import {
  blockedItems,
  blockedParams,
  denialSummary,
  escalationRows,
  hookRows,
  hookSourceLabel,
  attentionRows,
  coverageSources,
  versionsText,
  modeRows,
  moverLabel,
  moverRows,
  moversParams,
  moversSubtitle,
  signedCount,
  sourceLabel,
  sourceRows,
  toolRows,
  weekSpan,
  type ToolsRow,
} from '../dashboard/ui/prepare/policy'
import { daysOf } from '../dashboard/ui/prepare/series'

const range: DateRange = { from: '2026-11-01', to: '2026-11-04', days: 3, drawnTo: '2026-11-04' }
const filters: Filters = { ...DEFAULT_FILTERS, tz: 'Europe/Berlin', teams: ['web'], user: 'a@x.io', model: 'claude-opus' }
const RANGE_OUT = { from: '2026-11-01T00:00:00.000Z', to: '2026-11-04T00:00:00.000Z', timeZone: 'UTC' }

function costTotals(over: Partial<CostTotals> = {}): CostTotals {
  return {
    costUsd: 100,
    requests: 1000,
    inputTokens: 100,
    outputTokens: 200,
    cacheReadTokens: 600,
    cacheCreationTokens: 100,
    cacheSavingsUsd: 12.345,
    activeUserDays: 40,
    costPerActiveUserDay: 2.5,
    ...over,
  }
}

function costRow(group: string, costUsd: number, extra: Partial<DatasetResponse<'cost'>['rows'][number]> = {}): DatasetResponse<'cost'>['rows'][number] {
  return { ...costTotals({ costUsd, requests: 10, cacheSavingsUsd: 1, costPerActiveUserDay: costUsd / 40 }), group, ...extra }
}

describe('cost: granularity and periods', () => {
  it('uses days up to 60 days, weeks beyond', () => {
    expect(costGranularity(7)).toBe('day')
    expect(costGranularity(60)).toBe('day')
    expect(costGranularity(61)).toBe('week')
    expect(costGranularity(90)).toBe('week')
  })

  it('lists every day, or every week start from the Monday on or before from', () => {
    expect(periodsOf('2026-11-01', '2026-11-04', 'day')).toEqual(daysOf('2026-11-01', '2026-11-04'))
    // 2026-11-04 is a Wednesday; 2026-11-02 the Monday before.
    expect(periodsOf('2026-11-04', '2026-11-20', 'week')).toEqual(['2026-11-02', '2026-11-09', '2026-11-16'])
    expect(periodsOf('2026-11-02', '2026-11-09', 'week')).toEqual(['2026-11-02'])
    // A Sunday belongs to the week that began six days before.
    expect(periodsOf('2026-11-08', '2026-11-10', 'week')).toEqual(['2026-11-02', '2026-11-09'])
  })
})

describe('cost: spend over time', () => {
  const periods = ['2026-11-01', '2026-11-02', '2026-11-03']
  const rows = [
    { period: '2026-11-01', group: 'opus', costUsd: 5 },
    { period: '2026-11-01', group: 'sonnet', costUsd: 1 },
    { period: '2026-11-03', group: 'opus', costUsd: 2 },
  ]

  it('stacks by group, largest first, and fills quiet days with zero', () => {
    const s = costOverTime(rows, undefined, periods, false)
    expect(s.keys).toEqual(['opus', 'sonnet'])
    expect(s.data).toEqual([
      { period: '2026-11-01', opus: 5, sonnet: 1 },
      { period: '2026-11-02', opus: 0, sonnet: 0 },
      { period: '2026-11-03', opus: 2, sonnet: 0 },
    ])
  })

  it('adds what the groups beyond the top spent as Other when the answer was truncated', () => {
    const totals = [
      { period: '2026-11-01', costUsd: 10 },
      { period: '2026-11-03', costUsd: 2.001 },
    ]
    const s = costOverTime(rows, totals, periods, true)
    expect(s.keys).toEqual(['opus', 'sonnet', 'Other'])
    expect(s.data[0]).toEqual({ period: '2026-11-01', opus: 5, sonnet: 1, Other: 4 })
    // A rounding crumb is not another group; a day without cost stays zero.
    expect(s.data[1]).toEqual({ period: '2026-11-02', opus: 0, sonnet: 0, Other: 0 })
    expect(s.data[2]?.Other).toBe(0)
    for (const point of s.data) {
      const height = s.keys.reduce((sum, k) => sum + Number(point[k]), 0)
      const total = totals.find((t) => t.period === point.period)?.costUsd ?? 0
      expect(Math.abs(height - total)).toBeLessThan(0.005)
    }
  })

  it('leaves Other out when the rest spent nothing', () => {
    const s = costOverTime(
      rows,
      [
        { period: '2026-11-01', costUsd: 6 },
        { period: '2026-11-03', costUsd: 2 },
      ],
      periods,
      true,
    )
    expect(s.keys).toEqual(['opus', 'sonnet'])
  })
})

describe('cost: tiles, tokens', () => {
  it('formats the range figures and compares them with the previous period', () => {
    const tiles = costTiles(costTotals(), costTotals({ costUsd: 80, requests: 1000, cacheSavingsUsd: 0, costPerActiveUserDay: null }))
    expect(tiles.map((t) => t.id)).toEqual(['cost', 'cost-per-user-day', 'requests', 'cache-savings'])
    expect(tiles.map((t) => t.value)).toEqual(['$100.00', '$2.50', '1,000', '$12.35'])
    expect(tiles[0]?.change).toEqual({ text: '+25%', direction: 'up' })
    expect(tiles[0]?.upIsGood).toBe(false)
    expect(tiles[2]?.change.direction).toBe('flat')
    expect(tiles[3]?.change.text).toBe('new')
    expect(costTiles(costTotals({ costPerActiveUserDay: null }), undefined)[1]?.value).toBe('—')
  })

  it('lists tokens by type with shares, and the cache hit rate', () => {
    const items = tokenItems(costTotals())
    expect(items.map((i) => [i.label, i.value])).toEqual([
      ['Input', 100],
      ['Output', 200],
      ['Cache read', 600],
      ['Cache creation', 100],
    ])
    expect(items.map((i) => i.share)).toEqual([0.1, 0.2, 0.6, 0.1])
    expect(cacheHitRate(costTotals())).toBeCloseTo(600 / 800)
    expect(cacheHitRate(costTotals({ inputTokens: 0, cacheReadTokens: 0, cacheCreationTokens: 0 }))).toBeNull()
    expect(tokenItems(costTotals({ inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheCreationTokens: 0 })).every((i) => i.share === 0)).toBe(true)
  })
})

describe('cost: breakdown and its export', () => {
  it('queries every group with the global filters (model included) and the chosen sort', () => {
    expect(breakdownParams(filters, range, 'team', 'costUsd')).toEqual({
      from: '2026-11-01',
      to: '2026-11-04',
      tz: 'Europe/Berlin',
      team: ['web'],
      user: 'a@x.io',
      model: 'claude-opus',
      groupBy: 'team',
      sort: 'costUsd',
      order: 'desc',
      limit: 10_000,
    })
    expect(breakdownParams(filters, range, 'model', 'group')).toMatchObject({ groupBy: 'model', sort: 'model', order: 'asc' })
    expect(breakdownParams(DEFAULT_FILTERS, range, 'costCenter', 'requests')).not.toHaveProperty('team')
  })

  it('gives the CSV export exactly the table query', () => {
    const params = breakdownParams(filters, range, 'user', 'cacheSavingsUsd')
    const table = new URL(apiUrl('/api/v1/cost', params), 'http://x')
    const csv = new URL(apiUrl('/api/v1/cost/export.csv', params), 'http://x')
    expect(csv.pathname).toBe('/api/v1/cost/export.csv')
    expect(csv.search).toBe(table.search)
    expect(csv.search).toBe(`?${toQueryString(params)}`)
  })

  it('turns rows into table rows with shares, and the response totals into the total row', () => {
    const response: DatasetResponse<'cost'> = {
      dataset: 'cost',
      range: RANGE_OUT,
      granularity: 'none',
      groupBy: 'user',
      rows: [costRow('a@x.io', 75, { label: 'Ann' }), costRow('b@x.io', 20, { label: '' }), costRow('', 5)],
      totals: costTotals(),
      truncated: false,
      partial: false,
      coverage: { users: 10, usersWithEvents: 10, usersWithMetrics: 10 },
    }
    const b = breakdown(response, 'user')
    expect(b.rows.map((r) => [r.group, r.label, r.displayName, r.share])).toEqual([
      ['a@x.io', 'a@x.io', 'Ann', 0.75],
      ['b@x.io', 'b@x.io', '', 0.2],
      ['', '(not reported)', '', 0.05],
    ])
    const { activeUserDays, ...shown } = costTotals()
    expect(activeUserDays).toBe(40)
    expect(b.total).toMatchObject({ label: 'Total', share: 1, ...shown })
    expect(breakdown({ ...response, totals: costTotals({ costUsd: 0 }) }, 'user').rows[0]?.share).toBeNull()
  })

  it('names the empty group by what it means', () => {
    expect(emptyGroupLabel('team')).toBe('(not reported)')
    expect(emptyGroupLabel('model')).toBe('(not reported)')
    expect(emptyGroupLabel('mcpServer')).toBe('(none)')
    expect(emptyGroupLabel('skill')).toBe('(none)')
  })
})

function toolsRow(group: string, over: Partial<ToolsRow> = {}): ToolsRow {
  return {
    group,
    decisions: 10,
    accepts: 8,
    rejects: 2,
    policyDenials: 2,
    hookRejects: 0,
    userRejects: 0,
    userAborts: 0,
    policyDenialRate: 0.2,
    results: 8,
    failures: 0,
    ...over,
  }
}

describe('policy: sources, tools, blocked lists', () => {
  it('labels decision sources for people', () => {
    expect(sourceLabel('config')).toBe('Policy / settings rule')
    expect(sourceLabel('hook')).toBe('Hook')
    expect(sourceLabel('user_reject')).toBe('User rejected')
    expect(sourceLabel('user_abort')).toBe('User dismissed')
    expect(sourceLabel('user_permanent')).toBe('User approved (permanent)')
    expect(sourceLabel('user_temporary')).toBe('User approved (temporary)')
    expect(sourceLabel('')).toBe('(not reported)')
    expect(sourceLabel('something_new')).toBe('something_new')
  })

  it('gives each source and outcome its share of all decisions', () => {
    const rows = sourceRows([
      { source: 'config', decision: 'accept', decisions: 60 },
      { source: 'config', decision: 'reject', decisions: 10 },
      { source: 'user_reject', decision: 'reject', decisions: 30 },
      { source: 'hook', decision: 'reject', decisions: 0 },
    ])
    expect(rows.map((r) => [r.label, r.outcome, r.decisions, r.share])).toEqual([
      ['Policy / settings rule', 'allowed', 60, 0.6],
      ['User rejected', 'denied', 30, 0.3],
      ['Policy / settings rule', 'denied', 10, 0.1],
    ])
    expect(new Set(rows.map((r) => r.key)).size).toBe(3)
  })

  it('asks for rejections by a settings rule, by command or MCP server', () => {
    expect(blockedParams(filters, range, 'command')).toEqual({
      from: '2026-11-01',
      to: '2026-11-04',
      tz: 'Europe/Berlin',
      team: ['web'],
      user: 'a@x.io',
      groupBy: 'command',
      decision: 'reject',
      source: 'config',
      sort: 'policyDenials',
      limit: 50,
    })
  })

  it('leaves denials without a command (or server) out of the blocked lists', () => {
    const items = blockedItems([
      toolsRow('', { policyDenials: 11 }),
      toolsRow('curl', { policyDenials: 12 }),
      toolsRow('rm', { policyDenials: 3 }),
      toolsRow('ls', { policyDenials: 0 }),
    ])
    expect(items.map((i) => [i.label, i.value])).toEqual([
      ['curl', 12],
      ['rm', 3],
    ])
  })

  it('keeps the API order of tools and drops tools without decisions', () => {
    const rows = toolRows([
      toolsRow('Bash', { policyDenials: 5, hookRejects: 1, userRejects: 2 }),
      toolsRow('Read', { policyDenials: 0 }),
      toolsRow('', { decisions: 0, policyDenialRate: null }),
    ])
    expect(rows.map((r) => [r.label, r.policyDenials, r.hookRejects, r.userRejects])).toEqual([
      ['Bash', 5, 1, 2],
      ['Read', 0, 0, 0],
    ])
  })

  it('sums up denials against decisions', () => {
    expect(denialSummary({ ...toolsRow('x'), policyDenials: 27, decisions: 476, policyDenialRate: 27 / 476 })).toEqual({
      denials: 27,
      decisions: 476,
      rate: 27 / 476,
      notReported: false,
    })
  })

  it('says not reported, not "no decisions", where nobody sends events', () => {
    expect(denialSummary({ ...toolsRow('x'), policyDenials: null, decisions: null, policyDenialRate: null }).notReported).toBe(true)
  })
})

describe('policy: movers', () => {
  it('asks for the two weeks before the range end, with the common filters and no from', () => {
    const params = moversParams(filters, range, 'command')
    expect(params).toMatchObject({ to: '2026-11-04', tz: 'Europe/Berlin', team: ['web'], user: 'a@x.io', by: 'command' })
    expect(toQueryString(params)).toBe('to=2026-11-04&tz=Europe%2FBerlin&team=web&user=a%40x.io&by=command')
  })

  it('shows change signed and spikes flagged, in the API order', () => {
    const response: MoversResponse = {
      current: RANGE_OUT,
      previous: RANGE_OUT,
      partial: false,
      previousCovered: true,
      dataFirst: '2026-09-01T00:00:00.000Z',
      by: 'command',
      rows: [
        {
          group: 'curl',
          policyDenials: 12,
          previousPolicyDenials: 2,
          change: 10,
          decisions: 12,
          previousDecisions: 10,
          policyDenialRate: 1,
          previousPolicyDenialRate: 1,
          spike: true,
        },
        {
          group: '',
          policyDenials: 3,
          previousPolicyDenials: 3,
          change: 0,
          decisions: 40,
          previousDecisions: 10,
          policyDenialRate: 0.075,
          previousPolicyDenialRate: 0.1,
          spike: false,
        },
        {
          group: 'rm',
          policyDenials: 0,
          previousPolicyDenials: 12_345,
          change: -12_345,
          decisions: 0,
          previousDecisions: 10,
          policyDenialRate: null,
          previousPolicyDenialRate: 1,
          spike: false,
        },
      ],
    }
    expect(moverRows(response).map((r) => [r.label, r.thisWeek, r.lastWeek, r.changeText, r.direction, r.spike])).toEqual([
      ['curl', 12, 2, '+10', 'up', true],
      ['(not a Bash command)', 3, 3, '0', 'flat', false],
      ['rm', 0, 12_345, '−12.3K', 'down', false],
    ])
  })

  it('shows no last week, no change and no spike where the data does not reach back to last week', () => {
    const response: MoversResponse = {
      current: { from: '2026-11-20T00:00:00.000Z', to: '2026-11-27T00:00:00.000Z', timeZone: 'UTC' },
      previous: { from: '2026-11-13T00:00:00.000Z', to: '2026-11-20T00:00:00.000Z', timeZone: 'UTC' },
      partial: false,
      previousCovered: false,
      dataFirst: '2026-11-18T09:30:00.000Z',
      by: 'tool',
      rows: [
        {
          group: 'Bash',
          policyDenials: 40,
          previousPolicyDenials: null,
          change: null,
          decisions: 100,
          previousDecisions: null,
          policyDenialRate: 0.4,
          previousPolicyDenialRate: null,
          spike: false,
        },
      ],
    }
    expect(moverRows(response).map((r) => [r.thisWeek, r.lastWeek, r.changeText, r.direction, r.spike])).toEqual([[40, null, '—', 'flat', false]])
    expect(moversSubtitle(response, 'UTC')).toBe("Policy denials Nov 20 – Nov 26; no earlier week to compare with: ccscope's data begins Nov 18")
    expect(moversSubtitle({ ...response, previousCovered: true }, 'UTC')).toBe('Policy denials Nov 20 – Nov 26 against Nov 13 – Nov 19')
  })

  it('names the empty group per dimension', () => {
    expect(moverLabel('mcpServer', '')).toBe('(not an MCP tool)')
    expect(moverLabel('team', '')).toBe('(not reported)')
    expect(moverLabel('tool', 'Bash')).toBe('Bash')
    expect(signedCount(1234)).toBe('+1,234')
  })

  it('names a week by the local days it covers', () => {
    expect(weekSpan({ from: '2026-11-22T00:00:00.000Z', to: '2026-11-29T00:00:00.000Z' }, 'UTC')).toBe('Nov 22 – Nov 28')
    // Midnight in Kolkata is 18:30 UTC the day before.
    expect(weekSpan({ from: '2026-11-21T18:30:00.000Z', to: '2026-11-28T18:30:00.000Z' }, 'Asia/Kolkata')).toBe('Nov 22 – Nov 28')
    expect(weekSpan({ from: '2026-11-22T00:00:00.000Z', to: '2026-11-23T00:00:00.000Z' }, 'UTC')).toBe('Nov 22')
  })
})

describe('policy: hooks, modes, escalations, managed settings', () => {
  const policy: PolicyResponse = {
    range: RANGE_OUT,
    decisionsBySource: [],
    hooks: {
      executions: 30,
      blocks: 4,
      byHook: [
        { hookName: 'PreToolUse:Bash', hookEvent: 'PreToolUse', hookSource: 'policySettings', executions: 20, blocks: 4 },
        { hookName: 'PreToolUse:Bash', hookEvent: 'PreToolUse', hookSource: 'merged', executions: 10, blocks: 0 },
        { hookName: '', hookEvent: '', hookSource: 'other', executions: 0, blocks: 0 },
      ],
    },
    modeChanges: [
      { toMode: 'plan', changes: 3, users: 2 },
      { toMode: 'bypassPermissions', changes: 5, users: 4 },
    ],
    escalations: {
      total: 5,
      latest: [{ time: '2026-11-27T13:58:03.823Z', user: 'a@x.io', sessionId: 'a8fafd9f-9285-4a89-aafb-6ebed2a59705', fromMode: 'default', trigger: 'manual' }],
    },
    managedSettings: [
      { user: 'a@x.io', sources: ['mdm', 'file'], lastSeen: '2026-11-28T23:48:00.000Z' },
      { user: 'b@x.io', sources: [], lastSeen: '2026-11-28T10:00:00.000Z' },
      { user: 'c@x.io', sources: ['file'], lastSeen: '2026-11-28T10:00:00.000Z' },
      { user: 'd@x.io', sources: ['file'], lastSeen: '2026-11-28T10:00:00.000Z' },
    ],
  }

  it('lists hooks with their block rate and who may define hooks', () => {
    const rows = hookRows(policy.hooks.byHook)
    expect(rows.map((r) => [r.hookName, r.source, r.executions, r.blocks, r.blockRate])).toEqual([
      ['PreToolUse:Bash', 'Managed only', 20, 4, 0.2],
      ['PreToolUse:Bash', 'All settings', 10, 0, 0],
      ['(not reported)', 'other', 0, 0, null],
    ])
    expect(new Set(rows.map((r) => r.key)).size).toBe(3)
    expect(hookSourceLabel('')).toBe('(not reported)')
  })

  it('orders mode changes by count and marks escalations', () => {
    expect(modeRows(policy.modeChanges).map((r) => [r.label, r.changes, r.users, r.escalation])).toEqual([
      ['Bypass permissions', 5, 4, true],
      ['Plan', 3, 2, false],
    ])
  })

  it('shows escalation times in the chosen zone', () => {
    const [utc] = escalationRows(policy.escalations.latest, 'UTC')
    expect(utc).toMatchObject({ timeText: 'Nov 27, 13:58', user: 'a@x.io', sessionShort: 'a8fafd9f', fromMode: 'Default', trigger: 'manual' })
    expect(utc?.sessionId).toBe('a8fafd9f-9285-4a89-aafb-6ebed2a59705')
    expect(escalationRows(policy.escalations.latest, 'Asia/Tokyo')[0]?.timeText).toBe('Nov 27, 22:58')
  })

  it('spreads managed settings over users, gaps first: not reported (no event) apart from none (resolved, no source)', () => {
    const users = [
      { managedSources: ['mdm', 'file'] },
      { managedSources: [] },
      { managedSources: ['file'] },
      { managedSources: ['file'] },
      { managedSources: null },
    ]
    expect(coverageSources(users)).toEqual([
      { sources: 'none', users: 1, gap: true },
      { sources: 'not reported', users: 1, gap: true },
      { sources: 'file', users: 2, gap: false },
      { sources: 'mdm, file', users: 1, gap: false },
    ])
  })

  it("lists the users to look at, old versions first, with the reasons, and sums a team's versions", () => {
    const base = { team: 'web', lastSeen: '2026-11-29T00:00:00.000Z' }
    const rows = attentionRows([
      { ...base, user: 'ok@x.io', version: '2.1.328', belowFloor: false, managedSources: ['file'] },
      { ...base, user: 'b@x.io', version: '2.1.328', belowFloor: false, managedSources: null },
      { ...base, user: 'c@x.io', version: '2.0.1', belowFloor: true, managedSources: [] },
    ])
    expect(rows.map((r) => [r.user, r.reasons])).toEqual([
      ['c@x.io', ['old version', 'no managed settings']],
      ['b@x.io', ['managed settings not reported']],
    ])
    expect(
      versionsText([
        { version: '2.1.328', users: 12 },
        { version: '2.1.300', users: 3 },
        { version: '', users: 1 },
        { version: '2.0.1', users: 1 },
      ]),
    ).toBe('2.1.328 ×12, 2.1.300 ×3, (not reported) ×1, +1 more')
  })

  it('compares Claude Code versions number by number, and knows what is not a version', () => {
    expect(belowFloor('2.1.99', '2.1.300')).toBe(true)
    expect(belowFloor('2.1.300', '2.1.300')).toBe(false)
    expect(belowFloor('2.2.0', '2.1.300')).toBe(false)
    expect(belowFloor('1.9.999', '2.0.0')).toBe(true)
    expect(belowFloor('dev-build', '2.0.0')).toBeUndefined()
  })
})
