import { afterAll, beforeAll, expect, it } from 'vitest'
import { normalizeLogs } from '../collector/normalize/logs'
import { ClaimedElsewhereError, Writer } from '../collector/writer/writer'
import { createLogger } from '../runtime/logger'
import { SelfMetrics } from '../runtime/self-metrics'
import { Claimant } from '../warehouse/claims'
import { selectRows } from '../warehouse/client'
import { startOtlpInstance, startTestCcscope, type OtlpInstance, type TestCcscope } from './helpers/ccscope'
import { apiRequest, costMetrics, events, postJson, type Who } from './helpers/otlp-factory'

/**
 * Two ccscope instances on one warehouse behind a load balancer: an exporter whose request timed out on one
 * resends it, and the load balancer hands the resend to the other while the first is still writing it. Both
 * look the ids up before either has inserted them. The raw tables merge the duplicate away; the rollups must
 * not count it twice either. Instance A is a whole ccscope, B a second collector on the same warehouse.
 */
let a: TestCcscope
let b: OtlpInstance
beforeAll(async () => {
  a = await startTestCcscope({ CCSCOPE_SHARED_WAREHOUSE: 'true' })
  b = await startOtlpInstance(a.client, { CCSCOPE_SHARED_WAREHOUSE: 'true' })
}, 60_000)
afterAll(async () => {
  await b?.close()
  await a?.stop()
})

const start = Date.parse('2026-03-02T09:00:00Z')
const SESSIONS = 6

/** One session's export requests, as Claude Code sends them: its events, and (another session, metrics only) cost points. */
function requests(user: string, s: number): { path: string; body: unknown }[] {
  const t = start + s * 600_000
  const who: Who = { user, session: `${user}-s${s}` }
  const metricsOnly: Who = { user, session: `${user}-m${s}` }
  return [
    {
      path: '/v1/logs',
      body: events(who, [
        { name: 'user_prompt', timeMs: t, attributes: { prompt_length: 42 } },
        apiRequest(t + 1000, 0.25, 1000),
        apiRequest(t + 2000, 0.5, 2000),
        { name: 'tool_decision', timeMs: t + 3000, attributes: { decision: 'reject', source: 'config', tool_name: 'Bash' } },
        { name: 'user_prompt', timeMs: t + 4000, attributes: { prompt_length: 7 } },
      ]),
    },
    {
      path: '/v1/metrics',
      body: costMetrics(
        metricsOnly,
        'cumulative',
        [1, 2, 3].map((i) => ({ startMs: t, timeMs: t + i * 60_000, value: 0.1 * i })),
        1000,
      ),
    },
  ]
}

async function post(url: string, req: { path: string; body: unknown }): Promise<void> {
  const res = await postJson(url, req.path, req.body)
  expect(res.status).toBe(200)
}

const figures = async (user: string) => {
  const s = await a.summary({ from: new Date(start - 3600_000), to: new Date(start + 86_400_000) }, { user })
  return {
    sessions: s.sessions,
    apiRequests: s.apiRequests,
    costUsd: Number(s.costUsd.toFixed(9)),
    tokens: s.tokens,
    prompts: s.prompts,
    toolDecisions: s.toolDecisions,
  }
}

it('counts a batch resent to two instances at the same moment once in every rollup', async () => {
  // The reference: each request sent once, to one instance.
  for (let s = 0; s < SESSIONS; s++) for (const req of requests('once@example.com', s)) await post(a.otlpUrl, req)
  // The same requests for another person, each posted to both instances at once; then all of them once more.
  for (let round = 0; round < 2; round++)
    for (let s = 0; s < SESSIONS; s++) await Promise.all(requests('twice@example.com', s).flatMap((req) => [post(a.otlpUrl, req), post(b.otlpUrl, req)]))

  // The two instances did meet on the same records (each claimed some before inserting), and one wrote them.
  const [met] = await selectRows<{ n: string }>(a.client, 'SELECT count() AS n FROM (SELECT key FROM claims GROUP BY key HAVING uniqExact(instance) > 1)')
  expect(Number(met?.n)).toBeGreaterThan(0)

  const once = await figures('once@example.com')
  expect(once.sessions).toBe(2 * SESSIONS)
  expect(once.prompts).toBe(2 * SESSIONS)
  expect(once.apiRequests).toBe(2 * SESSIONS)
  expect(await figures('twice@example.com')).toEqual(once)

  // Straight from the rollups and the view-fed rows, per person: the same.
  const perUser = async (sql: string) =>
    Object.fromEntries((await selectRows<{ u: string; n: string }>(a.client, sql)).map((r) => [r.u.split('@')[0], Number(r.n)]))
  const same = { once: 2 * SESSIONS, twice: 2 * SESSIONS }
  expect(await perUser('SELECT user_key AS u, sum(requests) AS n FROM usage_events_15m GROUP BY u')).toEqual(same)
  expect(await perUser('SELECT user_key AS u, sum(new_sessions) AS n FROM user_activity_1d GROUP BY u')).toEqual(same)
  expect(await perUser('SELECT user_key AS u, sum(metric_points) AS n FROM user_activity_1h GROUP BY u')).toEqual({ once: 6 * SESSIONS, twice: 6 * SESSIONS })
  expect(await perUser('SELECT user_key AS u, count() AS n FROM policy_denials GROUP BY u')).toEqual({ once: SESSIONS, twice: SESSIONS })
}, 120_000)

it('loses no record when the instance that claimed it dies before inserting it: the request fails, and its retry is written', async () => {
  const rows = normalizeLogs(events({ user: 'lost@example.com', session: 'lost-s' }, [apiRequest(start + 5000, 1.5)]), {
    nowMs: Date.now(),
    maxRecordAgeMs: 36500 * 86_400_000,
    maxClockSkewMs: 3_600_000,
  }).rows
  // Another instance claimed the record first, and died.
  await new Claimant(a.client, { settleMs: 0, windowSeconds: 2 }).claim(rows.map((r) => ({ key: r.id, user_key: r.user_key })))
  const writer = new Writer(
    a.client,
    { flushIntervalMs: 10, batchMaxRows: 1000, bufferMaxRows: 10_000, sharedWarehouse: true, resendClaims: { settleMs: 50, windowSeconds: 2, waitMs: 300 } },
    createLogger('silent'),
    new SelfMetrics(),
  )
  try {
    // This instance leaves the record to the claim's owner, which never stores it: not acknowledged, so the exporter retries.
    await expect(writer.submit('events', rows)).rejects.toBeInstanceOf(ClaimedElsewhereError)
    const figuresNow = async () =>
      (await a.summary({ from: new Date(start - 3600_000), to: new Date(start + 86_400_000) }, { user: 'lost@example.com' })).apiRequests
    expect((await figuresNow()) ?? 0).toBe(0)
    // The retry, once the dead instance's claim has left its window, is written, once.
    await new Promise((resolve) => setTimeout(resolve, 2100))
    expect(await writer.submit('events', rows)).toEqual({ written: 1, duplicates: 0 })
    expect(await figuresNow()).toBe(1)
  } finally {
    await writer.close()
  }
}, 60_000)
