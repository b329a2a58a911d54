import { parse } from 'csv-parse/sync'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PRICES_PER_MTOK } from '../dashboard/api/prices'
import { snake } from '../dashboard/api/queries/export'
import type { DatasetName, DatasetResponse, SummaryResponse } from '../schemas/analytics'
import type { MoversResponse, PolicyResponse } from '../schemas/policy'
import type { SessionResponse, UserSessionsResponse, UsersResponse } from '../schemas/users'
import { startTestCcscope, type TestCcscope } from './helpers/ccscope'
import { generateFleet, sendFleet, summarizeTruth, type Fact, type Fleet, type RequestTruth } from './helpers/fleet'
import { defined } from './helpers/defined'
import { apiRequest, events, metrics, postJson } from './helpers/otlp-factory'

/**
 * Every analytics endpoint against a generated fleet whose true aggregates the test computes itself
 * (test/helpers/fleet.ts): exact figures per group, per day in a zone, per user and per session; the
 * same totals on every endpoint; the CSV parsed back and checked against the JSON.
 */
const START = new Date('2026-10-05T00:00:00Z') // a Monday
const DAYS = 14
let cc: TestCcscope
let fleet: Fleet
const FROM = START.toISOString()
const TO = new Date(START.getTime() + DAYS * 86_400_000).toISOString()
const RANGE = `from=${FROM}&to=${TO}`

async function get<T>(path: string): Promise<T> {
  const res = await fetch(`${cc.apiUrl}${path}`)
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`)
  return (await res.json()) as T
}
const dataset = <D extends DatasetName>(name: D, query: string) => get<DatasetResponse<D>>(`/api/v1/${name}?${RANGE}&limit=10000&${query}`)

/** Sums per key, in plain JS. */
function tally<T>(items: T[], key: (t: T) => string, value: (t: T) => number): Map<string, number> {
  const out = new Map<string, number>()
  for (const item of items) out.set(key(item), (out.get(key(item)) ?? 0) + value(item))
  return out
}
const localDay = (time: Date, timeZone: string) =>
  new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(time)
const usd = (micros: number) => Math.round(micros) / 1e6

/** Every record time of every session, with its user: what "active" means (any event or metric point). */
function activity(): (Fact & { time: Date })[] {
  return fleet.truth.sessions.flatMap((s) => s.recordTimes.map((time) => ({ ...s, time })))
}

beforeAll(async () => {
  cc = await startTestCcscope()
  fleet = generateFleet({ seed: 7, users: 12, days: DAYS, start: START })
  await sendFleet(cc.otlpUrl, fleet)
}, 60_000)
afterAll(async () => {
  await cc?.stop()
})

describe('summary', () => {
  it('equals the truth, and the same figures for a team and a user', async () => {
    const truth = summarizeTruth(fleet.truth)
    const s = await get<SummaryResponse>(`/api/v1/summary?${RANGE}`)
    expect(s.users).toBe(truth.users)
    expect(s.sessions).toBe(truth.sessions)
    expect(s.prompts).toBe(truth.prompts)
    expect(s.apiRequests).toBe(truth.apiRequests)
    expect(s.costUsd).toBeCloseTo(truth.costUsd, 6)
    expect(s.tokens).toEqual(truth.tokens)
    expect(s.toolDecisions).toEqual(truth.toolDecisions)
    expect(s.policyDenials).toBe(truth.policyDenials)
    expect(truth.policyDenials).toBeGreaterThan(0)

    const team = defined(fleet.truth.users[0]).team
    const user = defined(fleet.truth.users[1]).user
    const filters: Record<string, string>[] = [{ team }, { user }]
    for (const filter of filters) {
      const t = summarizeTruth(fleet.truth, undefined, filter)
      const f = await get<SummaryResponse>(`/api/v1/summary?${RANGE}&${new URLSearchParams(filter)}`)
      expect(f.costUsd).toBeCloseTo(t.costUsd, 6)
      expect(f.sessions).toBe(t.sessions)
      expect(f.policyDenials).toBe(t.policyDenials)
    }
  })
})

describe('cost', () => {
  const GROUPS: [string, (r: RequestTruth) => string][] = [
    ['user', (r) => r.user],
    ['team', (r) => r.team],
    ['department', (r) => r.department],
    ['costCenter', (r) => r.costCenter],
    ['model', (r) => r.model],
    ['querySource', (r) => r.querySource],
    ['agent', (r) => r.agent],
    ['skill', (r) => r.skill],
    ['plugin', (r) => r.plugin],
    ['mcpServer', (r) => r.mcpServer],
  ]

  it.each(GROUPS)('by %s equals the truth, and its totals equal the summary', async (groupBy, key) => {
    const res = await dataset('cost', `groupBy=${groupBy}`)
    const cost = tally(fleet.truth.requests, key, (r) => r.costMicros)
    const tokens = tally(fleet.truth.requests, key, (r) => r.cacheReadTokens)
    const requests = tally(fleet.truth.requests, key, (r) => (r.fromMetricsOnly ? 0 : 1))
    expect(new Set(res.rows.map((r) => r.group))).toEqual(new Set(cost.keys()))
    for (const row of res.rows) {
      expect(row.costUsd, `${groupBy}=${row.group}`).toBeCloseTo(usd(defined(cost.get(defined(row.group)))), 6)
      expect(row.cacheReadTokens).toBe(tokens.get(defined(row.group)))
      // A group whose cost came from metric points only (team data sends no events) has no request
      // count: not reported (null), never 0.
      const counted = requests.get(defined(row.group)) ?? 0
      expect(row.requests, `${groupBy}=${row.group}`).toBe(counted > 0 ? counted : null)
    }
    // Sorted by cost, biggest first.
    const costs = res.rows.map((r) => r.costUsd ?? 0)
    expect(costs).toEqual([...costs].sort((a, b) => b - a))
    const summary = await get<SummaryResponse>(`/api/v1/summary?${RANGE}`)
    expect(res.totals.costUsd).toBe(summary.costUsd)
    expect(res.totals.requests).toBe(summary.apiRequests)
    expect(res.rows.reduce((s, r) => s + (r.costUsd ?? 0), 0)).toBeCloseTo(summary.costUsd, 6)
  })

  it('keeps the top groups over the whole range, every period of each, and totals over all groups', async () => {
    const res = await get<DatasetResponse<'cost'>>(`/api/v1/cost?${RANGE}&groupBy=user&granularity=day&limit=3`)
    const byUser = tally(
      fleet.truth.requests,
      (r) => r.user,
      (r) => r.costMicros,
    )
    const top = [...byUser]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .map(([u]) => u)
    expect(new Set(res.rows.map((r) => r.group))).toEqual(new Set(top))
    expect(res.truncated).toBe(true)
    for (const user of top) {
      const days = tally(
        fleet.truth.requests.filter((r) => r.user === user),
        (r) => localDay(r.time, 'UTC'),
        () => 1,
      )
      expect(res.rows.filter((r) => r.group === user).length, user).toBe(days.size)
    }
    const summary = await get<SummaryResponse>(`/api/v1/summary?${RANGE}`)
    expect(res.totals.costUsd).toBe(summary.costUsd)
    const flat = await get<DatasetResponse<'cost'>>(`/api/v1/cost?${RANGE}&groupBy=user&limit=2`)
    expect(flat.rows.map((r) => r.group)).toEqual(top.slice(0, 2))
    expect(flat.truncated).toBe(true)
    expect(flat.totals.costUsd).toBe(summary.costUsd)
    expect((await get<DatasetResponse<'cost'>>(`/api/v1/cost?${RANGE}&groupBy=user&limit=1000`)).truncated).toBe(false)
    // Without a group, `limit` (groups) does not cut the periods: every day of the range, adding up to the total.
    const series = await get<DatasetResponse<'cost'>>(`/api/v1/cost?${RANGE}&granularity=day&limit=3`)
    expect(series.rows.length).toBe(new Set(fleet.truth.requests.map((r) => localDay(r.time, 'UTC'))).size)
    expect(series.rows.length).toBeGreaterThan(3)
    expect(series.truncated).toBe(false)
    expect(series.rows.reduce((sum, r) => sum + (r.costUsd ?? 0), 0)).toBeCloseTo(summary.costUsd, 6)
    // A series too long to answer is refused with a reason, not cut.
    const tooMany = await fetch(`${cc.apiUrl}/api/v1/cost?from=2000-01-01&to=2026-01-01&granularity=hour`)
    expect(tooMany.status).toBe(400)
    expect(await tooMany.text()).toMatch(/hour.*periods.*coarser granularity/)
  })

  it('answers an empty result with no rows and zero totals, grouped or not', async () => {
    for (const query of ['team=nobody&granularity=day', 'team=nobody&groupBy=user', 'team=nobody']) {
      const res = await dataset('cost', query)
      expect(res.rows, query).toEqual(query.includes('groupBy') || query.includes('granularity') ? [] : [expect.objectContaining({ costUsd: 0 })])
      expect(res.totals.costUsd, query).toBe(0)
      expect(res.truncated).toBe(false)
    }
    const top = await get<DatasetResponse<'cost'>>(`/api/v1/cost?${RANGE}&team=nobody&groupBy=user&granularity=week&limit=2`)
    expect([top.rows, top.totals.costUsd, top.truncated]).toEqual([[], 0, false])
    const tools = await dataset('tools', 'user=nobody@example.com&groupBy=tool')
    expect(tools.rows).toEqual([])
    expect(tools.totals.decisions).toBe(0)
  })

  it.each(['UTC', 'Asia/Kolkata', 'America/Los_Angeles'])('per day in %s equals the truth by local day', async (tz) => {
    const res = await get<DatasetResponse<'cost'>>(`/api/v1/cost?from=2026-10-05&to=2026-10-19&tz=${tz}&granularity=day`)
    // Date-only bounds are local midnights: compare with the truth inside exactly that range.
    const from = Date.parse(res.range.from)
    const to = Date.parse(res.range.to)
    const inRange = fleet.truth.requests.filter((r) => r.time.getTime() >= from && r.time.getTime() < to)
    const byDay = tally(
      inRange,
      (r) => localDay(r.time, tz),
      (r) => r.costMicros,
    )
    expect(res.rows.map((r) => r.period)).toEqual([...byDay.keys()].sort())
    for (const row of res.rows) expect(row.costUsd, `${tz} ${row.period}`).toBeCloseTo(usd(defined(byDay.get(defined(row.period)))), 6)
    expect(res.range.timeZone).toBe(tz)
  })

  it('gives cache savings from list prices and cost per active user-day from adoption', async () => {
    const res = await dataset('cost', 'groupBy=model')
    for (const row of res.rows) {
      const price = PRICES_PER_MTOK[defined(row.group)]
      const cacheRead = fleet.truth.requests.filter((r) => r.model === row.group).reduce((s, r) => s + r.cacheReadTokens, 0)
      expect(row.cacheSavingsUsd).toBeCloseTo(price ? (cacheRead * (price.input - price.cacheRead)) / 1e6 : 0, 6)
    }
    const userDays = new Set(activity().map((a) => `${a.user}|${localDay(a.time, 'UTC')}`)).size
    expect(res.totals.activeUserDays).toBe(userDays)
    expect(res.totals.costPerActiveUserDay).toBeCloseTo((res.totals.costUsd ?? 0) / userDays, 6)
    // Grouped by user, the companion's totals are counted from its per-user rows, not by the engine: the same
    // coverage and active user-days as the query without the group, and each user's own days.
    for (const query of ['', 'granularity=day', 'granularity=week&tz=America/New_York']) {
      const all = await dataset('cost', query)
      const byUser = await dataset('cost', `groupBy=user&${query}`)
      expect(byUser.coverage, query).toEqual(all.coverage)
      expect(byUser.totals.activeUserDays, query).toBe(all.totals.activeUserDays)
      expect(
        byUser.rows.reduce((n, r) => n + (r.activeUserDays ?? 0), 0),
        query,
      ).toBe(all.totals.activeUserDays)
    }
    expect((await dataset('cost', '')).totals.activeUserDays).toBe(userDays)
    for (const row of (await dataset('cost', 'groupBy=user')).rows)
      expect(row.activeUserDays, row.group ?? '').toBe(
        new Set(
          activity()
            .filter((a) => a.user === row.group)
            .map((a) => localDay(a.time, 'UTC')),
        ).size,
      )
  })

  it('exports CSV that parses back to the JSON rows, with a total row equal to the summary', async () => {
    for (const query of ['groupBy=team&granularity=week', 'groupBy=user', 'granularity=day&tz=Asia/Kolkata']) {
      const json = await dataset('cost', query)
      const res = await fetch(`${cc.apiUrl}/api/v1/cost/export.csv?${RANGE}&${query}`)
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toContain('text/csv')
      // The period in the file name, as local dates of the query's zone, last day included.
      const name = {
        'groupBy=team&granularity=week': 'ccscope-cost-by-team-2026-10-05-to-2026-10-18.csv',
        'groupBy=user': 'ccscope-cost-by-user-2026-10-05-to-2026-10-18.csv',
        'granularity=day&tz=Asia/Kolkata': 'ccscope-cost-2026-10-05-to-2026-10-19.csv',
      }[query]
      expect(res.headers.get('content-disposition')).toBe(`attachment; filename="${name}"`)
      const records = parse(await res.text(), { columns: true }) as Record<string, string>[]
      const data = records.filter((r) => r.row_type === 'data')
      const total = records.filter((r) => r.row_type === 'total')
      expect(total).toHaveLength(1)
      expect(records.at(-1)?.row_type).toBe('total')
      expect(data).toHaveLength(json.rows.length)
      data.forEach((r, i) => {
        const row = defined(json.rows[i])
        expect(r.cost_usd).toBe((row.costUsd ?? 0).toFixed(2))
        expect(Number(r.input_tokens)).toBe(row.inputTokens)
        if (row.period) {
          expect(r.period).toBe(row.period)
          expect(r.period_start).toBe(row.periodStart)
          expect(r.period).toMatch(/^\d{4}-\d{2}-\d{2}$/)
        }
        if (row.group !== undefined) expect(r.team ?? r.user).toBe(row.group)
      })
      const summary = await get<SummaryResponse>(`/api/v1/summary?${RANGE}${query.includes('tz=') ? '&tz=Asia/Kolkata' : ''}`)
      expect(total[0]?.cost_usd).toBe(summary.costUsd.toFixed(2))
      expect(total[0]?.cost_usd).toBe((json.totals.costUsd ?? 0).toFixed(2))
      expect(Number(total[0]?.requests)).toBe(summary.apiRequests)
      expect(Number(total[0]?.cache_read_tokens)).toBe(summary.tokens.cacheRead)
    }
  })

  it('ends an export of a range without data with the total line of the JSON answer', async () => {
    // The total line is the rows' read's last row (grouping sets) for cost and tools, a read apart for adoption:
    // over no data both give the JSON answer's totals, "not reported" left empty, never a made-up 0.
    const empty = 'from=2026-06-01T00:00:00Z&to=2026-06-08T00:00:00Z'
    for (const [name, query] of [
      ['cost', 'groupBy=user&granularity=day'],
      ['tools', 'groupBy=tool&granularity=week'],
      ['adoption', 'groupBy=team&granularity=day'],
    ] as const) {
      const json = await get<DatasetResponse<typeof name>>(`/api/v1/${name}?${empty}&limit=10000&${query}`)
      const records = parse(await (await fetch(`${cc.apiUrl}/api/v1/${name}/export.csv?${empty}&${query}`)).text(), { columns: true }) as Record<
        string,
        string
      >[]
      expect(
        records.filter((r) => r.row_type === 'data'),
        name,
      ).toHaveLength(json.rows.length)
      const total = records.at(-1)
      expect(total?.row_type, name).toBe('total')
      for (const [measure, value] of Object.entries(json.totals)) {
        const cell = total?.[snake(measure)]
        expect(cell, `${name} ${measure}`).toBe(value === null ? '' : /Usd$/.test(measure) ? value.toFixed(2) : String(value))
      }
    }
  })
})

describe('adoption', () => {
  it('gives daily and weekly active users, sessions and prompts as the truth', async () => {
    for (const granularity of ['day', 'week'] as const) {
      const res = await dataset('adoption', `granularity=${granularity}`)
      const period = (t: Date) => {
        const day = localDay(t, 'UTC')
        if (granularity === 'day') return day
        const d = new Date(`${day}T00:00:00Z`)
        return new Date(d.getTime() - ((d.getUTCDay() + 6) % 7) * 86_400_000).toISOString().slice(0, 10)
      }
      const users = new Map<string, Set<string>>()
      for (const a of activity()) {
        const p = period(a.time)
        if (!users.has(p)) users.set(p, new Set())
        defined(users.get(p)).add(a.user)
      }
      const prompts = tally(
        fleet.truth.prompts,
        (p) => period(p.time),
        () => 1,
      )
      expect(res.rows.map((r) => r.period)).toEqual([...users.keys()].sort())
      for (const row of res.rows) {
        expect(row.activeUsers, `${granularity} ${row.period}`).toBe(defined(users.get(defined(row.period))).size)
        expect(row.prompts ?? 0).toBe(prompts.get(defined(row.period)) ?? 0)
      }
    }
  })

  it('per team: sessions, lines, commits, PRs, active time and edit accept rate equal the truth', async () => {
    const res = await dataset('adoption', 'groupBy=team')
    const m = (name: string) =>
      tally(
        fleet.truth.metrics.filter((x) => x.name === name),
        (x) => x.team,
        (x) => x.value,
      )
    const sessions = tally(
      fleet.truth.sessions,
      (s) => s.team,
      () => 1,
    )
    const [added, removed, commits, prs, userS, cliS, acc, rej] = [
      'lines_added',
      'lines_removed',
      'commits',
      'prs',
      'active_user_s',
      'active_cli_s',
      'edit_accept',
      'edit_reject',
    ].map(m)
    expect(res.rows.length).toBe(sessions.size)
    for (const row of res.rows) {
      const g = defined(row.group)
      expect(row.sessions, g).toBe(sessions.get(g))
      expect(row.linesAdded).toBeCloseTo(defined(added).get(g) ?? 0, 6)
      expect(row.linesRemoved).toBeCloseTo(defined(removed).get(g) ?? 0, 6)
      expect(row.commits).toBeCloseTo(defined(commits).get(g) ?? 0, 6)
      expect(row.pullRequests).toBeCloseTo(defined(prs).get(g) ?? 0, 6)
      expect(row.activeTimeUserSeconds).toBeCloseTo(defined(userS).get(g) ?? 0, 6)
      expect(row.activeTimeCliSeconds).toBeCloseTo(defined(cliS).get(g) ?? 0, 6)
      const a = defined(acc).get(g) ?? 0
      const r = defined(rej).get(g) ?? 0
      if (a + r === 0) expect(row.editAcceptRate).toBeNull()
      else expect(row.editAcceptRate).toBeCloseTo(a / (a + r), 9)
    }
  })

  it('says "not reported" (null), never 0, for what a metrics-only team does not send', async () => {
    // Team data exports metrics only: no prompts, requests or tool decisions reach ccscope from it.
    const byTeam = await dataset('adoption', 'groupBy=team')
    const data = byTeam.rows.find((r) => r.group === 'data')
    const web = byTeam.rows.find((r) => r.group === 'web')
    expect(data?.coverage).toMatchObject({ usersWithEvents: 0 })
    expect(data?.coverage?.usersWithMetrics).toBe(data?.coverage?.users)
    expect(data?.prompts).toBeNull()
    expect(data?.promptsPerUser).toBeNull()
    expect(data?.sessions).toBeGreaterThan(0)
    expect(data?.linesAdded).not.toBeNull()
    expect(web?.prompts).toBeGreaterThan(0)
    const tools = await dataset('tools', 'team=data')
    expect(tools.coverage.usersWithEvents).toBe(0)
    expect(tools.totals.policyDenials).toBeNull()
    expect(tools.totals.decisions).toBeNull()
    const summary = await get<SummaryResponse>(`/api/v1/summary?${RANGE}&team=data`)
    expect(summary.prompts).toBeNull()
    expect(summary.apiRequests).toBeNull()
    expect(summary.toolDecisions).toBeNull()
    expect(summary.policyDenials).toBeNull()
    expect(summary.costUsd).toBeGreaterThan(0)
    const users = await get<UsersResponse>(`/api/v1/users?${RANGE}&team=data&limit=100`)
    expect(users.rows.length).toBeGreaterThan(0)
    for (const u of users.rows) expect([u.reports, u.prompts]).toEqual([{ events: false, metrics: true }, null])
    // Their sessions too: cost from the metric, the event figures not reported (null), not 0.
    const metricsOnly = defined(users.rows[0]).user
    const theirs = await get<UserSessionsResponse>(`/api/v1/users/${encodeURIComponent(metricsOnly)}/sessions?${RANGE}`)
    expect(theirs.sessions.length).toBeGreaterThan(0)
    expect(theirs.sessions.some((x) => x.costUsd > 0)).toBe(true)
    for (const x of theirs.sessions) expect([x.prompts, x.apiRequests, x.toolDecisions, x.policyDenials], x.sessionId).toEqual([null, null, null, null])
    const webUser = defined((await get<UsersResponse>(`/api/v1/users?${RANGE}&team=web&limit=1`)).rows[0]).user
    const webSessions = await get<UserSessionsResponse>(`/api/v1/users/${encodeURIComponent(webUser)}/sessions?${RANGE}`)
    expect(webSessions.sessions.some((x) => (x.prompts ?? 0) > 0 && x.apiRequests !== null)).toBe(true)
    // The whole fleet: the figures cover the teams that send them.
    const all = await get<SummaryResponse>(`/api/v1/summary?${RANGE}`)
    expect(all.coverage.usersWithEvents).toBeLessThan(all.coverage.users)
    expect(all.prompts).toBeGreaterThan(0)
    // Prompts per user divides by the people who send prompts (events), not by everyone active: the metrics-only
    // team's people would otherwise lower it, as if they wrote no prompts.
    const adoption = await dataset('adoption', '')
    expect(adoption.coverage.usersWithEvents).toBeLessThan(adoption.coverage.users)
    expect(adoption.totals.promptsPerUser).toBeCloseTo(defined(adoption.totals.prompts) / adoption.coverage.usersWithEvents, 9)
  })

  it('gives active time to the millisecond, without the float noise of its sum, in JSON and CSV', async () => {
    // 0.1 + 0.2 s of active time: 0.30000000000000004 as a float sum. Its own day, after the fleet's range.
    const day = Date.parse('2026-10-25T10:00:00Z')
    const point = (i: number, value: number, type: string) => ({
      metric: 'claude_code.active_time.total' as const,
      attributes: { type },
      startMs: day + i * 60_000,
      timeMs: day + (i + 1) * 60_000,
      value,
    })
    const who = { user: 'tenths@example.com', session: 's-tenths', team: 'tenths' }
    const res = await postJson(
      cc.otlpUrl,
      '/v1/metrics',
      metrics(who, 'delta', [point(0, 0.1, 'user'), point(1, 0.2, 'user'), point(2, 1.1, 'cli'), point(3, 2.2, 'cli')]),
    )
    expect(res.status).toBe(200)
    const range = 'from=2026-10-25&to=2026-10-26&tz=UTC'
    const byUser = await get<DatasetResponse<'adoption'>>(`/api/v1/adoption?${range}&groupBy=user`)
    expect(byUser.rows.map((r) => [r.group, r.activeTimeUserSeconds, r.activeTimeCliSeconds])).toEqual([['tenths@example.com', 0.3, 3.3]])
    expect([byUser.totals.activeTimeUserSeconds, byUser.totals.activeTimeCliSeconds]).toEqual([0.3, 3.3])
    const users = await get<UsersResponse>(`/api/v1/users?${range}`)
    expect(users.rows.map((r) => [r.activeTimeUserSeconds, r.activeTimeCliSeconds])).toEqual([[0.3, 3.3]])
    const csv = parse(await (await fetch(`${cc.apiUrl}/api/v1/adoption/export.csv?${range}&groupBy=user`)).text(), { columns: true }) as Record<
      string,
      string
    >[]
    expect(csv.map((r) => [r.row_type, r.active_time_user_seconds, r.active_time_cli_seconds])).toEqual([
      ['data', '0.3', '3.3'],
      ['total', '0.3', '3.3'],
    ])
  })

  it('ranks users of equal cost by name, whatever order the engine added their requests in', async () => {
    // $0.10 + $0.20 is 0.30000000000000004 as a float sum, a hair above the other's $0.30: equal to the micro-dollar shown.
    const day = Date.parse('2026-10-26T10:00:00Z')
    const sends = [
      postJson(
        cc.otlpUrl,
        '/v1/logs',
        events({ user: 'b-tie@example.com', session: 's-b-tie', team: 'ties' }, [apiRequest(day, 0.1), apiRequest(day + 1_000, 0.2)]),
      ),
      postJson(cc.otlpUrl, '/v1/logs', events({ user: 'a-tie@example.com', session: 's-a-tie', team: 'ties' }, [apiRequest(day, 0.3)])),
    ]
    for (const res of await Promise.all(sends)) expect(res.status).toBe(200)
    const range = 'from=2026-10-26&to=2026-10-27&tz=UTC'
    const byUser = await get<DatasetResponse<'cost'>>(`/api/v1/cost?${range}&groupBy=user`)
    expect(byUser.rows.map((r) => [r.group, r.costUsd])).toEqual([
      ['a-tie@example.com', 0.3],
      ['b-tie@example.com', 0.3],
    ])
    const users = await get<UsersResponse>(`/api/v1/users?${range}&sort=costUsd`)
    expect(users.rows.map((r) => r.user)).toEqual(['a-tie@example.com', 'b-tie@example.com'])
  })

  it('lists users with lifecycle: new, returning and gone quiet', async () => {
    // The second week, with users quiet for the last 3 days of it.
    const from = new Date(START.getTime() + 7 * 86_400_000)
    const to = new Date(START.getTime() + 14 * 86_400_000)
    const cutoff = to.getTime() - 3 * 86_400_000
    const res = await get<UsersResponse>(`/api/v1/users?from=${from.toISOString()}&to=${to.toISOString()}&quietDays=3&limit=1000`)
    const first = new Map<string, number>()
    const last = new Map<string, number>()
    for (const a of activity()) {
      const t = a.time.getTime()
      first.set(a.user, Math.min(first.get(a.user) ?? Infinity, t))
      if (t >= from.getTime() && t < to.getTime()) last.set(a.user, Math.max(last.get(a.user) ?? 0, t))
    }
    const active = [...last.keys()]
    const newUsers = active.filter((u) => defined(first.get(u)) >= from.getTime())
    const quiet = active.filter((u) => defined(last.get(u)) < cutoff)
    expect(res.counts).toEqual({
      activeUsers: active.length,
      newUsers: newUsers.length,
      returningUsers: active.length - newUsers.length,
      quietUsers: quiet.length,
    })
    expect(newUsers.length + quiet.length).toBeGreaterThan(0)
    expect(new Set(res.rows.filter((r) => r.status === 'new').map((r) => r.user))).toEqual(new Set(newUsers))
    expect(new Set(res.rows.filter((r) => r.quiet).map((r) => r.user))).toEqual(new Set(quiet))
    // Each user's cost here equals their row in /cost for the same range.
    const cost = await get<DatasetResponse<'cost'>>(`/api/v1/cost?from=${from.toISOString()}&to=${to.toISOString()}&groupBy=user&limit=1000`)
    for (const row of res.rows) expect(row.costUsd, row.user).toBe(cost.rows.find((c) => c.group === row.user)?.costUsd ?? 0)
    // Search by part of the key, any case.
    const one = defined(res.rows[0]).user
    const found = await get<UsersResponse>(
      `/api/v1/users?from=${from.toISOString()}&to=${to.toISOString()}&q=${encodeURIComponent(one.slice(0, 6).toUpperCase())}`,
    )
    expect(found.rows.map((r) => r.user)).toContain(one)
  })
})

describe('tools and policy', () => {
  it('by tool and by source equal the truth, with the policy-denial rate', async () => {
    const byTool = await dataset('tools', 'groupBy=tool&sort=policyDenials')
    const decisions = fleet.truth.decisions
    const results = tally(
      fleet.truth.toolResults,
      (r) => r.tool,
      () => 1,
    )
    for (const row of byTool.rows) {
      const mine = decisions.filter((d) => d.tool === row.group)
      const denials = mine.filter((d) => d.decision === 'reject' && d.source === 'config').length
      expect(row.decisions, row.group).toBe(mine.length)
      expect(row.policyDenials).toBe(denials)
      expect(row.hookRejects).toBe(mine.filter((d) => d.decision === 'reject' && d.source === 'hook').length)
      expect(row.userRejects).toBe(mine.filter((d) => d.decision === 'reject' && d.source === 'user_reject').length)
      expect(row.userAborts).toBe(mine.filter((d) => d.decision === 'reject' && d.source === 'user_abort').length)
      expect(row.results).toBe(results.get(defined(row.group)) ?? 0)
      if (mine.length > 0) expect(row.policyDenialRate).toBeCloseTo(denials / mine.length, 9)
    }
    const bySource = await dataset('tools', 'groupBy=source')
    const truthBySource = tally(
      decisions,
      (d) => d.source,
      () => 1,
    )
    for (const row of bySource.rows.filter((r) => r.group !== '')) expect(row.decisions, row.group).toBe(truthBySource.get(defined(row.group)))
  })

  it('names the top blocked commands and MCP servers', async () => {
    const denied = fleet.truth.decisions.filter((d) => d.decision === 'reject' && d.source === 'config')
    const commands = await dataset('tools', 'groupBy=command&decision=reject&source=config&sort=policyDenials')
    const truth = tally(
      denied.filter((d) => d.command !== ''),
      (d) => d.command,
      () => 1,
    )
    expect(Object.fromEntries(commands.rows.filter((r) => r.group !== '').map((r) => [r.group, r.policyDenials]))).toEqual(Object.fromEntries(truth))
    const servers = await dataset('tools', 'groupBy=mcpServer&decision=reject&source=config')
    const truthServers = tally(
      denied.filter((d) => d.mcpServer !== ''),
      (d) => d.mcpServer,
      () => 1,
    )
    expect(Object.fromEntries(servers.rows.filter((r) => r.group !== '').map((r) => [r.group, r.policyDenials]))).toEqual(Object.fromEntries(truthServers))
  })

  it('per team per day gives the policy-denial rate of the truth', async () => {
    const team = defined(fleet.truth.users[0]).team
    const res = await dataset('tools', `granularity=day&team=${team}`)
    const mine = fleet.truth.decisions.filter((d) => d.team === team)
    for (const row of res.rows) {
      const day = mine.filter((d) => localDay(d.time, 'UTC') === row.period)
      expect(row.decisions, row.period).toBe(day.length)
      expect(row.policyDenials).toBe(day.filter((d) => d.decision === 'reject' && d.source === 'config').length)
    }
  })

  it('overview: hook blocks, escalations to bypassPermissions, managed settings per user', async () => {
    const res = await get<PolicyResponse>(`/api/v1/policy?${RANGE}`)
    expect(res.hooks.blocks).toBe(fleet.truth.hooks.reduce((s, h) => s + h.numBlocking, 0))
    expect(res.hooks.executions).toBe(fleet.truth.hooks.length)
    const escalations = fleet.truth.modeChanges.filter((m) => m.toMode === 'bypassPermissions')
    expect(res.escalations.total).toBe(escalations.length)
    expect(res.escalations.latest.map((e) => e.user).sort()).toEqual(escalations.map((e) => e.user).sort())
    const latest = new Map<string, { time: number; sources: string[] }>()
    for (const m of fleet.truth.managedSettings)
      if (m.user && (latest.get(m.user)?.time ?? -1) < m.time.getTime()) latest.set(m.user, { time: m.time.getTime(), sources: m.sources })
    expect(Object.fromEntries(res.managedSettings.map((m) => [m.user, m.sources]))).toEqual(Object.fromEntries([...latest].map(([u, v]) => [u, v.sources])))
  })

  it('movers compare this week with last week, per tool', async () => {
    // The fleet's first record is after 5 October 00:00, so the week before the range's last week is not wholly
    // covered by data and is not compared with (schemas/periods.ts, previousCovered); a day later it is.
    const first = await get<MoversResponse>(`/api/v1/policy/movers?to=${TO}&minDenials=1`)
    expect(first.previousCovered).toBe(false)
    expect(Date.parse(first.dataFirst ?? '')).toBeGreaterThan(START.getTime())
    expect(first.rows.every((r) => r.previousPolicyDenials === null && r.change === null && !r.spike)).toBe(true)
    const end = Date.parse(TO) + 86_400_000
    const res = await get<MoversResponse>(`/api/v1/policy/movers?to=${new Date(end).toISOString()}&minDenials=1`)
    const week = 7 * 86_400_000
    const count = (tool: string, from: number, to: number) =>
      fleet.truth.decisions.filter(
        (d) => d.tool === tool && d.decision === 'reject' && d.source === 'config' && d.time.getTime() >= from && d.time.getTime() < to,
      ).length
    expect(res.rows.length).toBeGreaterThan(0)
    expect(res.previousCovered).toBe(true)
    for (const row of res.rows) {
      expect(row.policyDenials, row.group).toBe(count(row.group, end - week, end))
      expect(row.previousPolicyDenials, row.group).toBe(count(row.group, end - 2 * week, end - week))
      expect(row.spike).toBe(row.policyDenials >= 1 && row.policyDenials >= 2 * (row.previousPolicyDenials ?? Number.NaN))
    }
  })
})

describe('drill-down', () => {
  it("lists a user's sessions with their cost, and one session's prompts in order", async () => {
    const user = defined(fleet.truth.users.find((u) => fleet.truth.sessions.some((s) => s.user === u.user && s.eventsOn))).user
    const res = await get<UserSessionsResponse>(`/api/v1/users/${encodeURIComponent(user)}/sessions?${RANGE}&limit=1000`)
    const truthSessions = fleet.truth.sessions.filter((s) => s.user === user)
    expect(res.sessions.map((s) => s.sessionId).sort()).toEqual(truthSessions.map((s) => s.session).sort())
    const starts = res.sessions.map((s) => s.start)
    expect(starts).toEqual([...starts].sort().reverse())
    for (const s of res.sessions) {
      const micros = fleet.truth.requests.filter((r) => r.session === s.sessionId).reduce((n, r) => n + r.costMicros, 0)
      expect(s.costUsd, s.sessionId).toBeCloseTo(usd(micros), 6)
    }

    const withPrompts = defined(truthSessions.find((s) => s.eventsOn && fleet.truth.prompts.some((p) => p.session === s.session)))
    const session = await get<SessionResponse>(`/api/v1/sessions/${encodeURIComponent(withPrompts.session)}`)
    const prompts = fleet.truth.prompts.filter((p) => p.session === withPrompts.session)
    expect(session.prompts.map((p) => p.promptId)).toEqual(prompts.sort((a, b) => a.time.getTime() - b.time.getTime()).map((p) => p.promptId))
    for (const p of session.prompts) {
      const requests = fleet.truth.requests.filter((r) => r.promptId === p.promptId)
      expect(p.apiRequests).toBe(requests.length)
      expect(p.costUsd).toBeCloseTo(usd(requests.reduce((n, r) => n + r.costMicros, 0)), 6)
      const times = p.items.map((i) => i.time)
      expect(times).toEqual([...times].sort())
      expect(p.items[0]?.event).toBe('user_prompt')
      const denials = fleet.truth.decisions.filter((d) => d.promptId === p.promptId && d.decision === 'reject' && d.source === 'config').length
      expect(p.items.filter((i) => i.policyDenial).length).toBe(denials)
    }
    // Each decision names what it ran as the fleet sent it: the Bash command's name, or the MCP server and tool.
    const named = (d: { command: string; mcpServer: string; mcpTool: string }) => d.command || (d.mcpServer ? `${d.mcpServer} / ${d.mcpTool}` : '')
    for (const kind of ['Bash', 'mcp'] as const) {
      const ran = defined(fleet.truth.decisions.find((d) => named(d) !== '' && (kind === 'Bash' ? d.command !== '' : d.mcpServer !== '')))
      const timeline = await get<SessionResponse>(`/api/v1/sessions/${encodeURIComponent(ran.session)}`)
      const items = [...timeline.preamble, ...timeline.prompts.flatMap((p) => p.items)].filter((i) => i.event === 'tool_decision')
      const sent = fleet.truth.decisions.filter((d) => d.session === ran.session).map((d) => `${d.time.toISOString()} ${d.tool} ${named(d)}`)
      expect(items.map((i) => `${i.time} ${i.tool} ${i.command ?? ''}`).sort(), kind).toEqual(sent.sort())
      expect(
        items.some((i) => i.command === named(ran)),
        kind,
      ).toBe(true)
    }
    expect((await fetch(`${cc.apiUrl}/api/v1/sessions/no-such-session`)).status).toBe(404)
  })
})
