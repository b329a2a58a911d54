import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Budget, BudgetsResponse } from '../schemas/budgets'
import type { Digest } from '../schemas/reports'
import { backtest, runRate } from '../dashboard/api/budgets/forecast'
import { budgetStatuses } from '../dashboard/api/budgets/status'
import type { Reader } from '../warehouse/pool'
import { startTestCcscope, type TestCcscope } from './helpers/ccscope'
import { costMetrics, postJson } from './helpers/otlp-factory'
import { HISTORY_NOW, sendSpendHistory } from './helpers/spend-history'

/**
 * Budgets and the weekly digest read the Cost page's rows grouped several ways at once (budgets/status.ts,
 * reports/digest.ts); each figure must be the Cost page's own. Budgets of every scope kind in one zone are
 * answered from one grouped read: each
 * budget's spend, forecast and backtest must be those of the Cost page's daily costUsd for its own scope,
 * zone and days, whatever else is budgeted beside it. A directory moves ana to team platform and cost
 * center CC-1; cy sends metrics only (the metric candidates' cost).
 */
const NOW = HISTORY_NOW
const json = { 'content-type': 'application/json', 'x-requested-with': 'test' }

describe('budgets of every scope kind, in two zones', () => {
  let cc: TestCcscope
  beforeAll(async () => {
    cc = await startTestCcscope({ CCSCOPE_ALERT_EVALUATE_SECONDS: '86400' }, { now: () => NOW })
    await sendSpendHistory(cc)
    const t = Date.parse('2026-11-10T23:30:00Z')
    const metrics = costMetrics({ user: 'cy@example.com', session: 'sess-cy', team: 'data' }, 'delta', [{ startMs: t, timeMs: t + 60_000, value: 7.25 }])
    expect((await postJson(cc.otlpUrl, '/v1/metrics', metrics)).status).toBe(200)
    await cc.writer.flush()
    const directory = await fetch(`${cc.apiUrl}/api/v1/directory`, {
      method: 'PUT',
      headers: { 'content-type': 'text/csv', 'x-requested-with': 'test' },
      body: 'user,display_name,team,department,cost_center,seat\nana@example.com,Ana,platform,Eng,CC-1,true\ncy@example.com,Cy,,Data,CC-2,true\n',
    })
    expect(directory.status, await directory.text()).toBe(200)
  }, 120_000)
  afterAll(async () => {
    await cc?.stop()
  })

  const scopes: { scope: Budget['scope']; filter: string }[] = [
    { scope: { kind: 'organization' }, filter: '' },
    { scope: { kind: 'team', value: 'platform' }, filter: '&team=platform' },
    { scope: { kind: 'team', value: 'ops' }, filter: '&team=ops' },
    { scope: { kind: 'team', value: 'data' }, filter: '&team=data' },
    { scope: { kind: 'team', value: 'nobody' }, filter: '&team=nobody' },
    { scope: { kind: 'costCenter', value: 'CC-1' }, filter: '&costCenter=CC-1' },
    { scope: { kind: 'costCenter', value: 'CC-2' }, filter: '&costCenter=CC-2' },
    { scope: { kind: 'user', value: 'bo@example.com' }, filter: '&user=bo%40example.com' },
    { scope: { kind: 'user', value: 'cy@example.com' }, filter: '&user=cy%40example.com' },
  ]

  it('answers each budget from its own scope’s daily cost, as the Cost page counts it', async () => {
    for (const timeZone of ['UTC', 'America/New_York']) {
      for (const [i, { scope }] of scopes.entries()) {
        const res = await fetch(`${cc.apiUrl}/api/v1/budgets`, {
          method: 'POST',
          headers: json,
          body: JSON.stringify({ name: `${timeZone} ${i}`, scope, period: { kind: 'month' }, amountUsd: 1000, timeZone }),
        })
        expect(res.status, await res.text()).toBe(200)
      }
    }
    const body = (await (await fetch(`${cc.apiUrl}/api/v1/budgets`)).json()) as BudgetsResponse
    expect(body.budgets).toHaveLength(scopes.length * 2)
    expect(body.asOf).toBe(NOW.toISOString())
    for (const { budget, status } of body.budgets) {
      const found = scopes.find((s) => JSON.stringify(s.scope) === JSON.stringify(budget.scope))
      if (!found) throw new Error(`no scope of this test is ${JSON.stringify(budget.scope)}`)
      const { filter } = found
      const tz = encodeURIComponent(budget.timeZone)
      // The Cost page's daily costUsd for the scope, from well before the backtested months to now.
      const cost = (await (
        await fetch(`${cc.apiUrl}/api/v1/cost?from=2026-03-01&to=${NOW.toISOString()}&tz=${tz}&granularity=day&measures=costUsd&limit=10000${filter}`)
      ).json()) as { rows: { period: string; costUsd: number | null }[] }
      const daily = new Map(cost.rows.map((r) => [r.period, r.costUsd ?? 0]))
      const spent = [...daily.entries()].filter(([day]) => day >= '2026-11-01').reduce((sum, [, usd]) => sum + usd, 0)
      const dataStart = cost.rows.find((r) => (r.costUsd ?? 0) > 0)?.period ?? null
      const label = `${budget.timeZone} ${JSON.stringify(budget.scope)}`
      expect(status.spentUsd, label).toBeCloseTo(spent, 6)
      expect(status.period.state, label).toBe('current')
      const points = backtest(daily, dataStart, '2026-11-01')
      expect(
        status.backtest.forecasts.map((f) => [f.month, f.day, f.forecastUsd, f.actualUsd]),
        label,
      ).toEqual(points.map((p) => [p.month, p.day, Math.round(p.forecastUsd * 100) / 100, Math.round(p.actualUsd * 100) / 100]))
      const today = new Intl.DateTimeFormat('en-CA', { timeZone: budget.timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(NOW)
      const rate = runRate(daily, today, dataStart)
      expect(status.runRate, label).toEqual(
        rate && { weekdayUsd: Math.round(rate.weekdayUsd * 100) / 100, weekendUsd: Math.round(rate.weekendUsd * 100) / 100, days: rate.days },
      )
    }
    const spentOf = (tz: string, scope: Budget['scope']) =>
      body.budgets.find((b) => b.budget.timeZone === tz && JSON.stringify(b.budget.scope) === JSON.stringify(scope))?.status.spentUsd
    // The directory's team and cost center, the metrics-only person, and a team nobody is in.
    expect(spentOf('UTC', { kind: 'team', value: 'platform' })).toBeGreaterThan(0)
    expect(spentOf('UTC', { kind: 'costCenter', value: 'CC-1' })).toBe(spentOf('UTC', { kind: 'team', value: 'platform' }))
    expect(spentOf('UTC', { kind: 'user', value: 'cy@example.com' })).toBe(7.25)
    expect(spentOf('UTC', { kind: 'costCenter', value: 'CC-2' })).toBe(7.25)
    expect(spentOf('UTC', { kind: 'team', value: 'nobody' })).toBe(0)
  })

  it('reads once per zone, whatever the scopes', async () => {
    const body = (await (await fetch(`${cc.apiUrl}/api/v1/budgets`)).json()) as BudgetsResponse
    let queries = 0
    const reader: Reader = {
      query: ((params: Parameters<Reader['query']>[0]) => {
        queries++
        return cc.reader.query(params)
      }) as Reader['query'],
    }
    const { statuses } = await budgetStatuses(
      reader,
      body.budgets.map((b) => b.budget),
      NOW,
    )
    expect(queries).toBe(2)
    for (const { budget, status } of body.budgets) expect(statuses.get(budget.id)).toEqual(status)
  })

  it('answers the weekly digest’s teams and movers as the Cost page’s cost by team and user, in any zone', async () => {
    type CostRows = { rows: { group: string; costUsd: number | null }[] }
    const cost = async (from: string, to: string, tz: string, groupBy: string, limit: number) =>
      (await (
        await fetch(`${cc.apiUrl}/api/v1/cost?from=${from}&to=${to}&tz=${encodeURIComponent(tz)}&groupBy=${groupBy}&measures=costUsd&limit=${limit}`)
      ).json()) as CostRows
    for (const tz of ['UTC', 'America/New_York', 'Asia/Kolkata']) {
      const digest = (await (await fetch(`${cc.apiUrl}/api/v1/reports/weekly-digest?week=2026-11-10&tz=${encodeURIComponent(tz)}`)).json()) as Digest
      expect(digest.period).toEqual({ firstDay: '2026-11-09', lastDay: '2026-11-15', timeZone: tz })
      const [teams, before, users, usersBefore] = await Promise.all([
        cost('2026-11-09', '2026-11-16', tz, 'team', 10),
        cost('2026-11-02', '2026-11-09', tz, 'team', 10_000),
        cost('2026-11-09', '2026-11-16', tz, 'user', 10_000),
        cost('2026-11-02', '2026-11-09', tz, 'user', 10_000),
      ])
      const was = new Map(before.rows.map((r) => [r.group, r.costUsd ?? 0]))
      expect(
        digest.teams.map((t) => [t.group, t.costUsd, t.previousCostUsd]),
        tz,
      ).toEqual(teams.rows.map((r) => [r.group, r.costUsd ?? 0, was.get(r.group) ?? 0]))
      const now = new Map(users.rows.map((r) => [r.group, r.costUsd ?? 0]))
      const then = new Map(usersBefore.rows.map((r) => [r.group, r.costUsd ?? 0]))
      for (const m of digest.movers) {
        expect(m.costUsd, `${tz} ${m.group}`).toBe(now.get(m.group) ?? 0)
        expect(m.previousCostUsd, `${tz} ${m.group}`).toBe(then.get(m.group) ?? 0)
      }
      // The summaries are the Overview's for each week.
      for (const [figures, from, to] of [
        [digest.summary, '2026-11-09', '2026-11-16'],
        [digest.previousSummary, '2026-11-02', '2026-11-09'],
      ] as const) {
        const { partial: _partial, ...overview } = (await (
          await fetch(`${cc.apiUrl}/api/v1/summary?from=${from}&to=${to}&tz=${encodeURIComponent(tz)}`)
        ).json()) as Record<string, unknown>
        expect(figures, `${tz} ${from}`).toEqual(overview)
      }
      expect(digest.summary.costUsd).toBeGreaterThan(digest.previousSummary.costUsd)
      // cy (metrics only, on the 10th) is a mover of the week: 7.25 more than the week before.
      expect(
        digest.movers.find((m) => m.group === 'cy@example.com'),
        tz,
      ).toMatchObject({ costUsd: 7.25, previousCostUsd: 0, label: 'Cy' })
      expect(digest.teams.map((t) => t.group).sort(), tz).toEqual(['data', 'ops', 'platform'])
    }
  })
})
