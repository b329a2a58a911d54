import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DatasetResponse } from '../schemas/analytics'
import { selectRows } from '../warehouse/client'
import { startTestCcscope, type TestCcscope } from './helpers/ccscope'
import { apiRequest, costMetrics, events, postJson } from './helpers/otlp-factory'

/**
 * Sessions are counted once, where their first stored record is (collector/writer/sessions.ts): so they
 * add up across buckets, tiers, days and users (warehouse/RULES.md, "Sessions").
 */
const HOUR = 3_600_000
// The day before yesterday at 20:00 UTC: a session that runs past midnight, its last record (T0 + 5 h) in the past at
// any time of the run. (Yesterday at 20:00 put that record in the future between 00:00 and 01:00 UTC, and answers
// stop at the clock.)
const T0 = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 28 * HOUR
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10)

let cc: TestCcscope
beforeAll(async () => {
  cc = await startTestCcscope()
})
afterAll(async () => {
  await cc?.stop()
})

async function logs(user: string, session: string, times: number[]) {
  const res = await postJson(
    cc.otlpUrl,
    '/v1/logs',
    events(
      { user, session },
      times.map((t) => apiRequest(t, 0.01)),
    ),
  )
  expect(res.status).toBe(200)
}

const sessionsBy = async (query: string) =>
  (async () => {
    const res = await fetch(`${cc.apiUrl}/api/v1/adoption?measures=sessions&${query}`)
    if (res.status !== 200) throw new Error(`${query}: ${res.status} ${await res.text()}`)
    return (await res.json()) as DatasetResponse<'adoption'>
  })()

describe('sessions', () => {
  it('count once, at their first record, however many exports and days they span', async () => {
    // Three exports of one session: two before midnight, one after; and a re-sent export.
    await logs('night@x', 'night-1', [T0, T0 + 60_000])
    await logs('night@x', 'night-1', [T0 + 5 * HOUR])
    await logs('night@x', 'night-1', [T0, T0 + 60_000])
    const [marks] = await selectRows<{ n: string }>(cc.client, `SELECT countIf(session_start = 1) AS n FROM events WHERE session_id = 'night-1'`)
    expect(Number(marks?.n)).toBe(1)
    const range = `from=${day(T0)}&to=${day(T0 + 2 * 86_400_000)}&user=night@x`
    expect((await sessionsBy(range)).totals.sessions).toBe(1)
    // By day: on the day it started, not again on the next (where it is still active).
    const byDay = await sessionsBy(`${range}&granularity=day`)
    expect(byDay.rows.map((r) => [r.period, r.sessions])).toEqual([
      [day(T0), 1],
      [day(T0 + 5 * HOUR), 0],
    ])
  })

  it('count a session whose metrics arrive before its events once, where its metrics start', async () => {
    const t = T0 + 2 * HOUR
    const res = await postJson(
      cc.otlpUrl,
      '/v1/metrics',
      costMetrics({ user: 'late@x', session: 'late-1' }, 'delta', [{ startMs: t, timeMs: t + 1000, value: 0.5 }]),
    )
    expect(res.status).toBe(200)
    await logs('late@x', 'late-1', [t + 2000])
    const [marks] = await selectRows<{ ev: string; mp: string }>(
      cc.client,
      `SELECT (SELECT countIf(session_start = 1) FROM events WHERE session_id = 'late-1') AS ev,
              (SELECT countIf(session_start = 1) FROM metric_points WHERE session_id = 'late-1') AS mp`,
    )
    expect([Number(marks?.ev), Number(marks?.mp)]).toEqual([0, 1])
    expect((await sessionsBy(`from=${day(T0)}&to=${day(T0 + 2 * 86_400_000)}&user=late@x`)).totals.sessions).toBe(1)
  })

  it('add up: the sessions of every tier and of every user equal the distinct sessions stored', async () => {
    for (const [user, n] of [
      ['a@x', 3],
      ['b@x', 2],
    ] as const)
      for (let i = 0; i < n; i++) await logs(user, `${user}-${i}`, [T0 + i * HOUR, T0 + 26 * HOUR + i])
    const range = `from=${day(T0)}&to=${day(T0 + 2 * 86_400_000)}`
    const all = await sessionsBy(range)
    const byUser = await sessionsBy(`${range}&groupBy=user`)
    const [distinct] = await selectRows<{ n: string }>(cc.client, `SELECT uniqExact(session_id) AS n FROM events`)
    expect(all.totals.sessions).toBe(Number(distinct?.n))
    expect(byUser.rows.reduce((n, r) => n + (r.sessions ?? 0), 0)).toBe(all.totals.sessions)
    // New York's days cut through UTC hours: the hourly tier answers, with the same total.
    expect((await sessionsBy(`${range}&tz=America/New_York&granularity=day`)).rows.reduce((n, r) => n + (r.sessions ?? 0), 0)).toBe(all.totals.sessions)
    for (const tier of ['user_activity_15m', 'user_activity_1h', 'user_activity_1d']) {
      const [sum] = await selectRows<{ n: string }>(cc.client, `SELECT sum(new_sessions) AS n FROM ${tier}`)
      expect(Number(sum?.n), tier).toBe(Number(distinct?.n))
    }
  })
})
