import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DatasetResponse, SummaryResponse } from '../schemas/analytics'
import type { MoversResponse } from '../schemas/policy'
import type { Digest } from '../schemas/reports'
import { startTestCcscope, type TestCcscope } from './helpers/ccscope'
import { apiRequest, events, postJson, type EventSpec } from './helpers/otlp-factory'

/**
 * Comparisons compare like with like (schemas/periods.ts): a range that is not over yet is compared with
 * the same elapsed span of the period before, and a period that is not over is marked incomplete. The data
 * is the same every hour for three weeks, so every true change is 0 (or, for one tool, +3): a partial day
 * or week set against a whole one would show a drop.
 */
const HOUR = 3_600_000
const NOW = new Date('2026-11-26T14:10:00Z') // a Thursday afternoon
const START = Date.parse('2026-11-05T00:00:00Z')

const denial = (timeMs: number, tool: string): EventSpec => ({
  name: 'tool_decision',
  timeMs,
  attributes: { tool_name: tool, decision: 'reject', source: 'config' },
})

let cc: TestCcscope
beforeAll(async () => {
  cc = await startTestCcscope({}, { now: () => NOW })
  // One session an hour, five minutes past, from 5 November to now: an API request ($1) and a Bash denial each.
  const batch: Promise<Response>[] = []
  for (let t = START + 5 * 60_000; t < NOW.getTime(); t += HOUR) {
    batch.push(postJson(cc.otlpUrl, '/v1/logs', events({ user: 'steady@x', session: `s-${t}` }, [apiRequest(t, 1), denial(t + 1000, 'Bash')])))
    if (batch.length === 50) for (const res of await Promise.all(batch.splice(0))) expect(res.status).toBe(200)
  }
  // Another user's Write denials: 10 in last week's elapsed span, 13 in this week's (truly +3), and 100 more late last
  // week, after the point this week has reached: a whole-week comparison would call Write a big drop.
  const write = (from: string, n: number) => Array.from({ length: n }, (_, i) => denial(Date.parse(from) + i * 60_000, 'Write'))
  batch.push(postJson(cc.otlpUrl, '/v1/logs', events({ user: 'writer@x', session: 'write-before' }, write('2026-11-17T10:00:00Z', 10))))
  batch.push(postJson(cc.otlpUrl, '/v1/logs', events({ user: 'writer@x', session: 'write-late' }, write('2026-11-19T20:00:00Z', 100))))
  batch.push(postJson(cc.otlpUrl, '/v1/logs', events({ user: 'writer@x', session: 'write-now' }, write('2026-11-24T10:00:00Z', 13))))
  for (const res of await Promise.all(batch)) expect(res.status).toBe(200)
}, 120_000)
afterAll(async () => {
  await cc?.stop()
})

async function get<T>(path: string): Promise<T> {
  const res = await fetch(`${cc.apiUrl}${path}`)
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`)
  return (await res.json()) as T
}

describe('like with like, around now', () => {
  it('a 7-day range ending tomorrow (UTC) is compared up to the same hour of last week: no change', async () => {
    const s = await get<SummaryResponse>('/api/v1/summary?from=2026-11-20&to=2026-11-27&compare=previous&user=steady@x')
    expect(s.partial).toBe(true)
    expect(s.range.to).toBe('2026-11-26T14:15:00.000Z')
    // 6 whole days and 15 hours (00:05 … 14:05 today) on both sides.
    expect(s.sessions).toBe(6 * 24 + 15)
    expect(s.previous?.range).toEqual({ from: '2026-11-13T00:00:00.000Z', to: '2026-11-19T14:15:00.000Z', timeZone: 'UTC' })
    expect(s.previous?.sessions).toBe(s.sessions)
    expect(s.previous?.costUsd).toBe(s.costUsd)
    expect(s.previous?.apiRequests).toBe(s.apiRequests)
    expect(s.previousCovered).toBe(true)
  })

  it('a summary compares nothing with a span the data does not reach back to (previous null, not zeros)', async () => {
    // 6–12 November against 30 October – 5 November: the data begins on 5 November 00:05, inside it.
    const s = await get<SummaryResponse>('/api/v1/summary?from=2026-11-06&to=2026-11-13&compare=previous&user=steady@x')
    expect(s.sessions).toBe(7 * 24)
    expect(s.previousCovered).toBe(false)
    expect(s.dataFirst).toBe('2026-11-05T00:05:00.000Z')
    expect(s.previous).toBeNull()
    // A week later the span before is 6–12 November, after the data's start: compared, and equal (the same every hour).
    const next = await get<SummaryResponse>('/api/v1/summary?from=2026-11-13&to=2026-11-20&compare=previous&user=steady@x')
    expect(next.previousCovered).toBe(true)
    expect(next.previous?.range.from).toBe('2026-11-06T00:00:00.000Z')
    expect(next.previous?.sessions).toBe(7 * 24)
    expect(next.sessions).toBe(7 * 24)
  })

  it('the same in Kolkata, whose days start at 18:30 UTC', async () => {
    const s = await get<SummaryResponse>('/api/v1/summary?from=2026-11-20&to=2026-11-27&tz=Asia/Kolkata&compare=previous&user=steady@x')
    expect(s.range.from).toBe('2026-11-19T18:30:00.000Z')
    expect(s.previous?.range.from).toBe('2026-11-12T18:30:00.000Z')
    expect(s.previous?.range.to).toBe('2026-11-19T14:15:00.000Z')
    // 19:05 … 23:05 on the 19th, six whole days, 00:05 … 14:05 today.
    expect(s.sessions).toBe(5 + 6 * 24 + 15)
    expect(s.previous?.sessions).toBe(s.sessions)
  })

  it('a dataset answers the previous span as well, and marks the periods not over yet', async () => {
    const d = await get<DatasetResponse<'cost'>>('/api/v1/cost?from=2026-11-20&to=2026-11-27&granularity=day&compare=previous&measures=costUsd')
    expect(d.previous?.totals.costUsd).toBe(d.totals.costUsd)
    expect(d.rows.map((r) => [r.period, r.complete])).toEqual([
      ['2026-11-20', true],
      ['2026-11-21', true],
      ['2026-11-22', true],
      ['2026-11-23', true],
      ['2026-11-24', true],
      ['2026-11-25', true],
      ['2026-11-26', false],
    ])
    // Only what was asked for is answered.
    expect(Object.keys(d.totals)).toEqual(['costUsd'])
  })

  it('a dataset compares nothing with a span before the data, by the zone’s own midnight (UTC not, New York yes)', async () => {
    // 12–18 November in UTC: the span before starts on 5 November 00:00 UTC, five minutes before the data.
    const utc = await get<DatasetResponse<'cost'>>('/api/v1/cost?from=2026-11-12&to=2026-11-19&compare=previous&measures=costUsd')
    expect(utc.previousCovered).toBe(false)
    expect(utc.dataFirst).toBe('2026-11-05T00:05:00.000Z')
    expect(utc.previous).toBeNull()
    // The same dates in New York: the span before starts on 5 November 00:00 there (05:00 UTC), after the data's start.
    const ny = await get<DatasetResponse<'cost'>>('/api/v1/cost?from=2026-11-12&to=2026-11-19&tz=America/New_York&compare=previous&measures=costUsd')
    expect(ny.previousCovered).toBe(true)
    expect(ny.previous?.range.from).toBe('2026-11-05T05:00:00.000Z')
    expect(ny.previous?.totals.costUsd).toBe(7 * 24)
    expect(ny.totals.costUsd).toBe(7 * 24)
    // Without compare, nothing of the kind is answered.
    const plain = await get<DatasetResponse<'cost'>>('/api/v1/cost?from=2026-11-12&to=2026-11-19&measures=costUsd')
    expect(plain).not.toHaveProperty('previousCovered')
    expect(plain).not.toHaveProperty('previous')
  })

  it('weeks in New York: the first whole, the current one incomplete and cut at now', async () => {
    const d = await get<DatasetResponse<'adoption'>>(
      '/api/v1/adoption?from=2026-11-16&to=2026-11-30&tz=America/New_York&granularity=week&measures=sessions&user=steady@x',
    )
    // New York weeks start on Monday at 05:00 UTC in November.
    expect(d.rows.map((r) => [r.period, r.periodStart, r.complete, r.sessions])).toEqual([
      ['2026-11-16', '2026-11-16T00:00:00-05:00', true, 7 * 24],
      ['2026-11-23', '2026-11-23T00:00:00-05:00', false, 19 + 2 * 24 + 15],
    ])
  })

  it('week-over-week movers compare up to the same point of last week (a tool truly +3 is not shown as a drop)', async () => {
    const m = await get<MoversResponse>('/api/v1/policy/movers?to=2026-11-27&by=tool')
    expect(m.partial).toBe(true)
    expect(m.current).toEqual({ from: '2026-11-20T00:00:00.000Z', to: '2026-11-26T14:15:00.000Z', timeZone: 'UTC' })
    expect(m.previous).toEqual({ from: '2026-11-13T00:00:00.000Z', to: '2026-11-19T14:15:00.000Z', timeZone: 'UTC' })
    const byTool = Object.fromEntries(m.rows.map((r) => [r.group, r]))
    expect(byTool.Bash).toMatchObject({ policyDenials: 6 * 24 + 15, previousPolicyDenials: 6 * 24 + 15, change: 0 })
    expect(byTool.Write).toMatchObject({ policyDenials: 13, previousPolicyDenials: 10, change: 3, decisions: 13, previousDecisions: 10 })
  })

  it('movers compare nothing with a week the data does not reach back to (no spike from nothing)', async () => {
    // The data begins on 5 November 00:05: the week before 6–12 November (30 Oct – 5 Nov) holds one day of it.
    const m = await get<MoversResponse>('/api/v1/policy/movers?to=2026-11-13&by=tool&minDenials=1')
    expect(m.previous).toEqual({ from: '2026-10-30T00:00:00.000Z', to: '2026-11-06T00:00:00.000Z', timeZone: 'UTC' })
    expect(m.previousCovered).toBe(false)
    expect(m.dataFirst).toBe('2026-11-05T00:05:00.000Z')
    expect(m.rows).toEqual([
      {
        group: 'Bash',
        policyDenials: 7 * 24,
        previousPolicyDenials: null,
        change: null,
        decisions: 7 * 24,
        previousDecisions: null,
        policyDenialRate: 1,
        previousPolicyDenialRate: null,
        spike: false,
      },
    ])
    // A week later the week before (6–12 November) begins after the data does: compared.
    const next = await get<MoversResponse>('/api/v1/policy/movers?to=2026-11-20&by=tool&minDenials=1')
    expect(next.previousCovered).toBe(true)
    expect(next.rows.find((r) => r.group === 'Bash')).toMatchObject({ policyDenials: 7 * 24, previousPolicyDenials: 7 * 24, change: 0 })
  })

  it('the weekly digest compares nothing with a week the data does not reach back to', async () => {
    // The week of 9 November against 2–8 November, which the data (from 5 November) covers only in part.
    const first = await get<Digest>('/api/v1/reports/weekly-digest?week=2026-11-09')
    expect(first.previousCovered).toBe(false)
    expect(first.dataFirst).toBe('2026-11-05T00:05:00.000Z')
    expect(first.summary.costUsd).toBe(7 * 24)
    expect(first.teams.map((t) => [t.previousCostUsd, t.changeUsd])).toEqual(first.teams.map(() => [null, null]))
    expect(first.movers).toEqual([])
    // The week after is compared with a whole week of data: the same cost every hour, so no change.
    const second = await get<Digest>('/api/v1/reports/weekly-digest?week=2026-11-16')
    expect(second.previousCovered).toBe(true)
    expect(second.previousSummary.costUsd).toBe(7 * 24)
    expect(second.teams.map((t) => t.changeUsd)).toEqual(second.teams.map(() => 0))
  })

  it('a past week is compared with the whole week before it', async () => {
    const m = await get<MoversResponse>('/api/v1/policy/movers?to=2026-11-23&by=tool')
    expect(m.partial).toBe(false)
    expect(m.previous).toEqual({ from: '2026-11-09T00:00:00.000Z', to: '2026-11-16T00:00:00.000Z', timeZone: 'UTC' })
    const write = m.rows.find((r) => r.group === 'Write')
    expect(write).toMatchObject({ policyDenials: 110, previousPolicyDenials: 0 })
  })
})
