import { describe, expect, it } from 'vitest'
import type { DatasetRow, SummaryResponse } from '../schemas/analytics'
import type { TimelineItem, UserRow } from '../schemas/users'
import { DEFAULT_FILTERS } from '../dashboard/ui/filters'
import {
  adoptionStats,
  durationTick,
  lifecycleTiles,
  mondayOf,
  multiSeries,
  periodsOf,
  quietUsers,
  seatFigures,
  seatTeamRows,
  teamRows,
  weeksOf,
  type AdoptionTotals,
} from '../dashboard/ui/prepare/adoption'
import {
  durationSeconds,
  eventLabel,
  filterSuffix,
  formatClock,
  promptHeading,
  searchQuery,
  sessionHref,
  timelineEntry,
  tokenText,
  toolRows,
  userHref,
  usersHref,
  userStats,
} from '../dashboard/ui/prepare/users'

const adoptionRow = (row: Partial<DatasetRow<'adoption'>>): DatasetRow<'adoption'> => ({
  activeUsers: 0,
  activeUserDays: 0,
  sessions: 0,
  prompts: 0,
  promptsPerUser: null,
  activeTimeUserSeconds: 0,
  activeTimeCliSeconds: 0,
  linesAdded: 0,
  linesRemoved: 0,
  commits: 0,
  pullRequests: 0,
  editAccepts: 0,
  editRejects: 0,
  editAcceptRate: null,
  ...row,
})

const totals = (t: Partial<AdoptionTotals>): AdoptionTotals => {
  const { period: _p, group: _g, label: _l, periodStart: _s, complete: _c, coverage: _v, ...rest } = adoptionRow(t)
  return rest
}

const userRow = (row: Partial<UserRow>): UserRow => ({
  user: 'u@example.com',
  displayName: '',
  team: 'web',
  department: '',
  costCenter: '',
  seat: null,
  firstSeen: '2026-01-01T00:00:00.000Z',
  lastSeen: '2026-03-01T00:00:00.000Z',
  reports: { events: true, metrics: true },
  status: 'returning',
  quiet: false,
  activeDays: 1,
  sessions: 1,
  prompts: 1,
  linesAdded: 0,
  linesRemoved: 0,
  commits: 0,
  pullRequests: 0,
  activeTimeUserSeconds: 0,
  activeTimeCliSeconds: 0,
  costUsd: 0,
  ...row,
})

describe('weeks', () => {
  it('finds the Monday on or before a date', () => {
    expect(mondayOf('2026-03-02')).toBe('2026-03-02') // a Monday
    expect(mondayOf('2026-03-08')).toBe('2026-03-02') // Sunday
    expect(mondayOf('2026-03-04')).toBe('2026-03-02')
    expect(mondayOf('2026-01-01')).toBe('2025-12-29') // across a year
  })

  it('lists every week meeting [from, to), partial ones included', () => {
    // Wed 4 Mar → Thu 19 Mar (exclusive): weeks of 2, 9 and 16 March.
    expect(weeksOf('2026-03-04', '2026-03-19')).toEqual(['2026-03-02', '2026-03-09', '2026-03-16'])
    // A range starting on a Monday and ending (exclusive) on the next Monday: one week.
    expect(weeksOf('2026-03-02', '2026-03-09')).toEqual(['2026-03-02'])
    expect(weeksOf('2026-03-02', '2026-03-02')).toEqual([])
  })

  it('gives days or weeks by step', () => {
    expect(periodsOf('day', '2026-03-07', '2026-03-10')).toEqual(['2026-03-07', '2026-03-08', '2026-03-09'])
    expect(periodsOf('week', '2026-03-07', '2026-03-10')).toEqual(['2026-03-02', '2026-03-09'])
  })
})

describe('multiSeries', () => {
  it('keeps one key per measure, fills missing periods with 0 and leaves a measure not reported as a gap (null), never 0', () => {
    const rows = [
      adoptionRow({ period: '2026-03-09', sessions: 4, prompts: 20 }),
      adoptionRow({ period: '2026-03-02', sessions: 1, prompts: null }),
      adoptionRow({ period: '2026-02-23', sessions: 9, prompts: 9 }), // outside the periods: left out
    ]
    expect(multiSeries(rows, ['sessions', 'prompts'], ['2026-03-02', '2026-03-09', '2026-03-16'])).toEqual([
      { period: '2026-03-02', sessions: 1, prompts: null },
      { period: '2026-03-09', sessions: 4, prompts: 20 },
      { period: '2026-03-16', sessions: 0, prompts: 0 },
    ])
  })
})

describe('adoptionStats', () => {
  it('formats the range figures and compares with the previous period', () => {
    const stats = adoptionStats(
      totals({
        activeUsers: 12,
        sessions: 1234,
        promptsPerUser: 10.25,
        activeTimeUserSeconds: 3 * 3600 + 20 * 60,
        linesAdded: 15_000,
        linesRemoved: 40,
        editAcceptRate: 0.875,
      }),
      totals({ activeUsers: 10, sessions: 1234, editAcceptRate: null }),
    )
    const byId = Object.fromEntries(stats.map((s) => [s.id, s]))
    expect(byId.activeUsers?.value).toBe('12')
    expect(byId.activeUsers?.change).toEqual({ text: '+20%', direction: 'up' })
    expect(byId.sessions?.value).toBe('1,234')
    expect(byId.sessions?.change.direction).toBe('flat')
    expect(byId.promptsPerUser?.value).toBe('10.3')
    expect(byId.activeTimeUserSeconds?.value).toBe('3h 20m')
    expect(byId.linesAdded?.value).toBe('15K')
    expect(byId.linesAdded?.hint).toContain('40 removed')
    expect(byId.editAcceptRate?.value).toBe('87.5%')
    // No edit decisions before (a null rate): the change is unknown, not "new" from a zero that never was.
    expect(byId.editAcceptRate?.change.text).toBe('—')
  })

  it('works without a previous period', () => {
    const stats = adoptionStats(totals({ promptsPerUser: null, editAcceptRate: null }), undefined)
    expect(stats.find((s) => s.id === 'promptsPerUser')?.value).toBe('—')
    expect(stats.every((s) => s.change.direction === 'flat')).toBe(true)
  })
})

describe('durationTick', () => {
  it('labels a duration axis in one unit', () => {
    expect(durationTick(0)).toBe('0')
    expect(durationTick(45)).toBe('45s')
    expect(durationTick(1200)).toBe('20m')
    expect(durationTick(800)).toBe('13.3m')
    expect(durationTick(5400)).toBe('1.5h')
  })
})

describe('teamRows', () => {
  it('labels unreported teams and sorts by active users, then name', () => {
    const rows = teamRows([
      adoptionRow({ group: 'web', activeUsers: 3, editAcceptRate: 0.5 }),
      adoptionRow({ group: '', activeUsers: 5, linesAdded: null }),
      adoptionRow({ group: 'data', activeUsers: 3 }),
    ])
    expect(rows.map((r) => r.team)).toEqual(['(not reported)', 'data', 'web'])
    // Lines come from metrics: a team none of whose users sends them has them not reported (—), not 0.
    expect(rows[0]?.linesAdded).toBeNull()
    expect(rows[1]?.linesAdded).toBe(0)
    expect(rows[2]?.editAcceptRate).toBe(0.5)
    expect(rows[1]?.editAcceptRate).toBeNull()
  })
})

describe('lifecycle', () => {
  it('turns counts into tiles, flagging quiet users', () => {
    const tiles = lifecycleTiles({ activeUsers: 12, newUsers: 2, returningUsers: 10, quietUsers: 3 }, 7)
    expect(tiles.map((t) => [t.id, t.value])).toEqual([
      ['active', '12'],
      ['new', '2'],
      ['returning', '10'],
      ['quiet', '3'],
    ])
    expect(tiles.find((t) => t.id === 'quiet')?.tone).toBe('warn')
    expect(tiles.find((t) => t.id === 'quiet')?.hint).toContain('last 7 days')
    expect(lifecycleTiles({ activeUsers: 1, newUsers: 0, returningUsers: 1, quietUsers: 0 }, 7).find((t) => t.id === 'quiet')?.tone).toBe('')
  })

  it('lists quiet users, longest silent first', () => {
    const rows = [
      userRow({ user: 'b', quiet: true, lastSeen: '2026-03-05T10:00:00.000Z' }),
      userRow({ user: 'a', quiet: false, lastSeen: '2026-03-01T10:00:00.000Z' }),
      userRow({ user: 'c', quiet: true, lastSeen: '2026-03-02T10:00:00.000Z' }),
    ]
    expect(quietUsers(rows).map((r) => r.user)).toEqual(['c', 'b'])
  })

  it('formats seats', () => {
    expect(seatFigures({ total: 20, active: 15, utilization: 0.75 })).toEqual({ active: '15', total: '20', utilization: '75%', ratio: 0.75 })
    expect(seatFigures({ total: 0, active: 0, utilization: null })).toEqual({ active: '0', total: '0', utilization: '—', ratio: 0 })
  })

  it('lists seats per team, least used first, naming the team the directory leaves blank', () => {
    const rows = seatTeamRows([
      { team: 'web', seats: 4, active: 4, utilization: 1 },
      { team: '', seats: 2, active: 0, utilization: 0 },
      { team: 'api', seats: 1200, active: 300, utilization: 0.25 },
      { team: 'data', seats: 4, active: 1, utilization: 0.25 },
    ])
    expect(rows.map((r) => r.team)).toEqual(['(no team)', 'api', 'data', 'web'])
    expect(rows[1]).toEqual({ team: 'api', seats: '1,200', active: '300', idle: '900', utilization: '25%', ratio: 0.25 })
    expect(rows[0]?.ratio).toBe(0)
    expect(rows[3]?.idle).toBe('0')
  })
})

describe('links keep the global filters', () => {
  it('builds user, session and users-list links', () => {
    expect(userHref('user01@example.com', DEFAULT_FILTERS)).toBe('/users/user01%40example.com')
    const filters = { ...DEFAULT_FILTERS, preset: '7d' as const, tz: 'Europe/Berlin', teams: ['web'] }
    expect(filterSuffix(filters)).toBe('?range=7d&tz=Europe%2FBerlin&team=web')
    expect(userHref('a b/c', filters)).toBe('/users/a%20b%2Fc?range=7d&tz=Europe%2FBerlin&team=web')
    expect(sessionHref('s-1', filters)).toBe('/sessions/s-1?range=7d&tz=Europe%2FBerlin&team=web')
    expect(usersHref(DEFAULT_FILTERS)).toBe('/users')
    expect(usersHref(filters, { sort: 'lastSeen' })).toBe('/users?range=7d&tz=Europe%2FBerlin&team=web&sort=lastSeen')
  })

  it('trims the search text', () => {
    expect(searchQuery('  ada ')).toBe('ada')
    expect(searchQuery('   ')).toBe('')
    expect(searchQuery('x'.repeat(300))).toHaveLength(200)
  })
})

const summary = (s: Partial<SummaryResponse>): SummaryResponse => ({
  range: { from: '2026-03-01T00:00:00.000Z', to: '2026-03-08T00:00:00.000Z', timeZone: 'UTC' },
  users: 1,
  sessions: 0,
  apiRequests: 0,
  costUsd: 0,
  costPerActiveUserDay: null,
  tokens: { input: 0, output: 0, cacheRead: 0, cacheCreation: 0 },
  cacheSavingsUsd: 0,
  prompts: 0,
  editAcceptRate: null,
  toolDecisions: { accept: 0, reject: 0 },
  policyDenials: 0,
  policyDenialRate: null,
  editDecisions: 0,
  coverage: { users: 1, usersWithEvents: 1, usersWithMetrics: 1 },
  partial: false,
  ...s,
})

describe('userStats', () => {
  it("formats one user's figures and their change", () => {
    const stats = userStats(
      summary({ costUsd: 12.345, sessions: 4, prompts: 40, policyDenials: 2, policyDenialRate: 0.1, editAcceptRate: 0.9 }),
      summary({ costUsd: 10, sessions: 8 }),
    )
    const byId = Object.fromEntries(stats.map((s) => [s.id, s]))
    expect(Object.keys(byId)).toEqual(['cost', 'sessions', 'prompts', 'policy-denials', 'edit-accept-rate'])
    expect(byId.cost?.value).toBe('$12.35')
    expect(byId.cost?.upIsGood).toBe(false)
    expect(byId.sessions?.change).toEqual({ text: '−50%', direction: 'down' })
    expect(byId['policy-denials']?.hint).toContain('10%')
    expect(byId['edit-accept-rate']?.value).toBe('90%')
  })
})

describe('toolRows', () => {
  it('sorts tools by decisions and labels unreported ones', () => {
    const row = (r: Partial<DatasetRow<'tools'>>): DatasetRow<'tools'> => ({
      decisions: 0,
      accepts: 0,
      rejects: 0,
      policyDenials: 0,
      hookRejects: 0,
      userRejects: 0,
      userAborts: 0,
      policyDenialRate: null,
      results: 0,
      failures: 0,
      ...r,
    })
    const rows = toolRows([
      row({ group: 'Read', decisions: 3 }),
      row({ group: 'Bash', decisions: 10, policyDenials: 2, policyDenialRate: 0.2 }),
      row({ group: '', decisions: null, results: 1 }),
    ])
    expect(rows.map((r) => r.tool)).toEqual(['Bash', 'Read', '(not reported)'])
    expect(rows[0]).toMatchObject({ policyDenials: 2, policyDenialRate: 0.2 })
    expect(rows[2]?.decisions).toBe(0)
  })
})

describe('session timeline', () => {
  const at = '2026-03-02T13:05:09.000Z'
  const item = (i: Partial<TimelineItem>): TimelineItem => ({ time: at, event: 'user_prompt', sequence: 1, ...i })

  it('formats clock times in the zone and durations', () => {
    expect(formatClock(at, 'UTC')).toBe('13:05:09')
    expect(formatClock(at, 'Asia/Kolkata')).toBe('18:35:09')
    expect(durationSeconds('2026-03-02T13:00:00Z', '2026-03-02T13:20:30Z')).toBe(1230)
    expect(durationSeconds('2026-03-02T13:00:00Z', '2026-03-02T12:00:00Z')).toBe(0)
  })

  it('labels events', () => {
    expect(eventLabel('api_request')).toBe('API request')
    expect(eventLabel('tool_decision')).toBe('Tool decision')
    expect(eventLabel('mcp_server_connection')).toBe('MCP server connection')
    expect(eventLabel('api_retries_exhausted')).toBe('API retries exhausted')
    expect(eventLabel('plugin_loaded')).toBe('Plugin loaded')
    expect(eventLabel('claude_code.something_new')).toBe('Something new')
  })

  it('describes an API request: model, tokens, cost, duration', () => {
    const e = timelineEntry(
      item({
        event: 'api_request',
        sequence: 4,
        model: 'claude-opus-5-5',
        costUsd: 0.1234,
        inputTokens: 1234,
        outputTokens: 567,
        cacheReadTokens: 12_345,
        cacheCreationTokens: 0,
        durationMs: 4200,
      }),
      'UTC',
    )
    expect(e).toMatchObject({
      event: 'API request',
      subject: 'claude-opus-5-5',
      detail: 'in 1,234 · out 567 · cache read 12.3K',
      cost: '$0.12',
      duration: '4s',
      denied: false,
      time: '13:05:09',
    })
    expect(tokenText(item({ inputTokens: 1, outputTokens: 2, cacheCreationTokens: 80 }))).toBe('in 1 · out 2 · cache write 80')
  })

  it('marks a policy denial', () => {
    const e = timelineEntry(
      item({ event: 'tool_decision', tool: 'Bash', decision: 'reject', source: 'config', command: 'rm -rf /', policyDenial: true }),
      'UTC',
    )
    expect(e.denied).toBe(true)
    expect(e.tags).toEqual([{ text: 'policy denial', tone: 'bad' }])
    expect(e).toMatchObject({ subject: 'Bash', detail: 'source: config', command: 'rm -rf /', cost: '', duration: '' })
    const ok = timelineEntry(item({ event: 'tool_decision', tool: 'Edit', decision: 'accept', source: 'user_temporary', policyDenial: false }), 'UTC')
    expect(ok.denied).toBe(false)
    expect(ok.tags).toEqual([{ text: 'accept', tone: 'good' }])
    const hook = timelineEntry(item({ event: 'tool_decision', tool: 'Bash', decision: 'reject', source: 'hook', policyDenial: false }), 'UTC')
    expect(hook.tags).toEqual([{ text: 'reject', tone: 'warn' }])
  })

  it('describes tool results and other events', () => {
    const r = timelineEntry(item({ event: 'tool_result', tool: 'Bash', success: false, durationMs: 65_000 }), 'UTC')
    expect(r.tags).toEqual([{ text: 'failed', tone: 'bad' }])
    expect(r.duration).toBe('1m 5s')
    const m = timelineEntry(item({ event: 'permission_mode_changed', detail: 'default → plan' }), 'UTC')
    expect(m).toMatchObject({ event: 'Permission mode', detail: 'default → plan', subject: '' })
  })

  it('heads each prompt', () => {
    expect(promptHeading({ time: at, promptLength: 1500, costUsd: 0.5, apiRequests: 1 }, 0, 'UTC')).toEqual({
      title: 'Prompt 1',
      time: '13:05:09',
      length: '1,500 characters',
      cost: '$0.50',
      requests: '1 request',
    })
    expect(promptHeading({ time: at, promptLength: null, costUsd: 0, apiRequests: 3 }, 2, 'UTC')).toMatchObject({
      title: 'Prompt 3',
      length: 'length not reported',
      requests: '3 requests',
    })
  })
})
