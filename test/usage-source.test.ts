import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { candidateKeys, coverageKeys, NO_KEYS, noteLateCoverage } from '../collector/writer/orphans'
import { selectRows } from '../warehouse/client'
import { startTestCcscope, type TestCcscope } from './helpers/ccscope'
import { apiRequest, costMetrics, events, postJson, type Who } from './helpers/otlp-factory'

/**
 * Cost and tokens arrive as api_request events and as cost/token metric points. A fleet sending
 * metrics only, events only, or both must see each request's cost once (warehouse/RULES.md).
 */
let cc: TestCcscope
beforeAll(async () => {
  cc = await startTestCcscope()
})
afterAll(async () => {
  await cc?.stop()
})

const hour = 3600_000
// Whole days back, so that every scenario stays inside one UTC day.
const day0 = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 86_400_000
const at = (slot: number) => day0 + slot * hour
const windowOf = (slot: number) => ({ from: new Date(at(slot)), to: new Date(at(slot) + hour) })

async function sendEvents(who: Who, slot: number, costs: number[]) {
  const res = await postJson(
    cc.otlpUrl,
    '/v1/logs',
    events(
      who,
      costs.map((c, i) => apiRequest(at(slot) + 1000 * (i + 1), c)),
    ),
  )
  expect(res.status).toBe(200)
}
async function sendMetric(who: Who, slot: number, cost: number) {
  const res = await postJson(cc.otlpUrl, '/v1/metrics', costMetrics(who, 'delta', [{ startMs: at(slot), timeMs: at(slot) + 30_000, value: cost }], 1000))
  expect(res.status).toBe(200)
}

describe('one source of truth for cost and tokens', () => {
  it('events only', async () => {
    await sendEvents({ user: 'a@x', session: 's-events' }, 1, [0.01, 0.02])
    const s = await cc.summary(windowOf(1))
    expect(s.costUsd).toBeCloseTo(0.03, 9)
    expect(s.apiRequests).toBe(2)
    expect(s.tokens.input).toBe(200)
  })

  it('metrics only', async () => {
    await sendMetric({ user: 'b@x', session: 's-metrics' }, 2, 0.04)
    const s = await cc.summary(windowOf(2))
    expect(s.costUsd).toBeCloseTo(0.04, 9)
    // No api_request event: the request count is not reported, not zero; nor is anything else events give.
    expect(s.apiRequests).toBeNull()
    expect(s.prompts).toBeNull()
    expect(s.policyDenials).toBeNull()
    expect(s.coverage).toEqual({ users: 1, usersWithEvents: 0, usersWithMetrics: 1 })
    expect(s.tokens.input).toBe(40)
  })

  it('both: the events count, the metric points of the same session do not', async () => {
    await sendMetric({ user: 'c@x', session: 's-both' }, 3, 0.03)
    await sendEvents({ user: 'c@x', session: 's-both' }, 3, [0.01, 0.02])
    const s = await cc.summary(windowOf(3))
    expect(s.costUsd).toBeCloseTo(0.03, 9)
    expect(s.tokens.input).toBe(200)
  })

  it('metrics without session.id are matched to events by user and day', async () => {
    await sendEvents({ user: 'd@x', session: 's-d' }, 4, [0.05])
    await sendMetric({ user: 'd@x' }, 4, 0.05)
    expect((await cc.summary(windowOf(4))).costUsd).toBeCloseTo(0.05, 9)

    await sendMetric({ user: 'e@x' }, 5, 0.07)
    expect((await cc.summary(windowOf(5))).costUsd).toBeCloseTo(0.07, 9)
  })

  it('the whole range is the sum of its parts', async () => {
    const s = await cc.summary({ from: new Date(at(0)), to: new Date(at(6)) })
    expect(s.costUsd).toBeCloseTo(0.03 + 0.04 + 0.03 + 0.05 + 0.07, 9)
    expect(s.users).toBe(5)
    expect(s.sessions).toBe(4)
  })

  it('the writer marks as candidates only the points of sessions whose cost points arrive before any of their events', async () => {
    await sendEvents({ user: 'f@x', session: 's-first' }, 7, [0.01])
    await sendMetric({ user: 'f@x', session: 's-first' }, 7, 0.01)
    expect((await cc.summary(windowOf(7))).costUsd).toBeCloseTo(0.01, 9)
    const noted = async (session: string) =>
      Number(
        (
          await selectRows<{ n: string }>(cc.client, 'SELECT countIf(usage_candidate = 1) AS n FROM metric_points WHERE session_id = {s:String}', {
            s: session,
          })
        )[0]?.n,
      )
    const rolledUp = async (session: string) =>
      Number(
        (await selectRows<{ n: string }>(cc.client, 'SELECT count() AS n FROM usage_metric_candidates_15m WHERE session_id = {s:String}', { s: session }))[0]
          ?.n,
      )
    expect(await noted('s-first')).toBe(0)
    expect(await rolledUp('s-first')).toBe(0)
    expect(await noted('s-metrics')).toBeGreaterThan(0)
    expect(await rolledUp('s-metrics')).toBeGreaterThan(0)
    expect(await noted('s-both')).toBeGreaterThan(0)
  })

  it("a candidate stored while its session's events were being stored (two flushes at once) is subtracted once the points side notes it", async () => {
    await sendEvents({ user: 'h@x', session: 's-race' }, 9, [0.02])
    // A flush of points that looked for coverage before the events above were stored: a candidate, not noted.
    await cc.client.command({
      query: `INSERT INTO metric_points (id, metric_name, timestamp, delta, user_key, session_id, usage_candidate)
        SELECT generateUUIDv4(), 'claude_code.cost.usage', timestamp, 0.9, user_key, session_id, 1 FROM events WHERE session_id = 's-race' LIMIT 1`,
    })
    expect((await cc.summary(windowOf(9))).costUsd).toBeCloseTo(0.92, 9)
    // The session's next points: covered when looked up, so not candidates; and the flush notes the one that was.
    await sendMetric({ user: 'h@x', session: 's-race' }, 9, 0.02)
    expect((await cc.summary(windowOf(9))).costUsd).toBeCloseTo(0.02, 9)
    const noted = await selectRows<{ session_id: string }>(cc.client, "SELECT session_id FROM usage_candidate_coverage WHERE session_id = 's-race'")
    expect(noted).toHaveLength(1)
  })

  it('a candidate stored after its session was noted is subtracted once its flush looks, and copies of it never add up', async () => {
    const who = { user: 'l@x', session: 's-late' }
    await sendMetric(who, 13, 0.5)
    await sendEvents(who, 13, [0.03])
    expect((await cc.summary(windowOf(13))).costUsd).toBeCloseTo(0.03, 9)
    // A flush of points whose lookup ran before the events above were stored, inserting after the session was noted.
    const late = {
      id: '0b7e1c2a-0000-4000-8000-00000000a7e1',
      metric_name: 'claude_code.cost.usage',
      session_id: 's-late',
      user_key: 'l@x',
      timestamp: '',
      usage_candidate: 1,
    }
    await cc.client.command({
      query: `INSERT INTO metric_points (id, metric_name, timestamp, delta, user_key, session_id, usage_candidate)
        SELECT {id:String}, 'claude_code.cost.usage', timestamp, 0.9, user_key, session_id, 1 FROM events WHERE session_id = 's-late' LIMIT 1`,
      query_params: { id: late.id },
    })
    const [stored] = await selectRows<{ t: string }>(
      cc.client,
      "SELECT toString(timestamp) AS t FROM metric_points WHERE id = '0b7e1c2a-0000-4000-8000-00000000a7e1'",
    )
    late.timestamp = stored?.t ?? ''
    // Until that flush looks, the new candidate counts (the flush is not acknowledged yet).
    expect((await cc.summary(windowOf(13))).costUsd).toBeCloseTo(0.93, 9)
    // A flush of events of the session, or of points it inserted unmarked, adds no candidate: nothing is copied.
    const copies = async () =>
      Number((await selectRows<{ n: string }>(cc.client, "SELECT count() AS n FROM usage_noted_candidates_15m WHERE session_id = 's-late'"))[0]?.n)
    const before = await copies()
    expect(await noteLateCoverage(cc.client, coverageKeys([late]), NO_KEYS)).toBe(0)
    expect(await noteLateCoverage(cc.client, coverageKeys([late]), candidateKeys([late], [{ ...late, usage_candidate: 0 }]))).toBe(0)
    expect(await copies()).toBe(before)
    // The flush that inserted it, marked: its look copies the session's candidates again, the new one with them.
    await noteLateCoverage(cc.client, coverageKeys([late]), candidateKeys([late], [late]))
    expect((await cc.summary(windowOf(13))).costUsd).toBeCloseTo(0.03, 9)
    // Its resend (the point stored, its mark unknown) copies once more: the newest copy replaces, nothing is subtracted twice.
    await noteLateCoverage(cc.client, coverageKeys([late]), candidateKeys([late], []))
    expect(await copies()).toBeGreaterThan(before)
    expect((await cc.summary(windowOf(13))).costUsd).toBeCloseTo(0.03, 9)
    // And an exporter's resend of the first points, through the collector.
    await sendMetric(who, 13, 0.5)
    expect((await cc.summary(windowOf(13))).costUsd).toBeCloseTo(0.03, 9)
  })

  it("metrics without session.id that arrive before the user-day's events stop counting once the events arrive", async () => {
    await sendMetric({ user: 'i@x' }, 10, 0.3)
    expect((await cc.summary(windowOf(10))).costUsd).toBeCloseTo(0.3, 9)
    await sendEvents({ user: 'i@x', session: 's-i' }, 11, [0.04])
    expect((await cc.summary(windowOf(10))).costUsd).toBe(0)
    expect((await cc.summary({ from: new Date(at(10)), to: new Date(at(12)) })).costUsd).toBeCloseTo(0.04, 9)
  })

  it('a session with events on another day has its metric cost excluded on every day', async () => {
    // Cost points late on the previous day, the session's api_request events today.
    await sendMetric({ user: 'g@x', session: 's-span' }, -2, 0.5)
    expect((await cc.summary(windowOf(-2))).costUsd).toBeCloseTo(0.5, 9)
    await sendEvents({ user: 'g@x', session: 's-span' }, 8, [0.02])
    expect((await cc.summary(windowOf(-2))).costUsd).toBe(0)
    expect((await cc.summary(windowOf(8))).costUsd).toBeCloseTo(0.02, 9)
  })
})
