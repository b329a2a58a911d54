import { afterAll, beforeAll, expect, it } from 'vitest'
import type { SessionResponse } from '../schemas/users'
import { startTestCcscope, type TestCcscope } from './helpers/ccscope'
import { apiRequest, costMetrics, events, postJson } from './helpers/otlp-factory'

/**
 * Sub-agent cost is attributed to the session that spawned it (issue 16): the session's cost metric
 * points with query_source=subagent. A session that sends no cost metric does not report it (null), never 0.
 */
let cc: TestCcscope
const T = Date.parse('2026-11-10T10:00:00Z')
beforeAll(async () => {
  cc = await startTestCcscope()
  const withMetrics = { user: 'ana@example.com', session: 'sess-metrics' }
  const points = [
    { startMs: T, timeMs: T + 60_000, value: 1.5, querySource: 'main' },
    { startMs: T, timeMs: T + 60_000, value: 0.75, querySource: 'subagent' },
    { startMs: T, timeMs: T + 60_000, value: 0.05, querySource: 'auxiliary' },
  ]
  for (const [path, body] of [
    ['/v1/metrics', costMetrics(withMetrics, 'delta', points)],
    ['/v1/logs', events(withMetrics, [apiRequest(T + 10_000, 2.3)])],
    ['/v1/logs', events({ user: 'bo@example.com', session: 'sess-events' }, [apiRequest(T + 20_000, 1)])],
  ] as const) {
    const res = await postJson(cc.otlpUrl, path, body)
    expect(res.status, await res.text()).toBe(200)
  }
  await cc.writer.flush()
}, 60_000)
afterAll(async () => {
  await cc?.stop()
})

const session = async (id: string) => (await (await fetch(`${cc.apiUrl}/api/v1/sessions/${id}`)).json()) as SessionResponse

it("names the sub-agents' share of a session's cost, and says not reported without cost metrics", async () => {
  expect((await session('sess-metrics')).subagents).toEqual({ costUsd: 0.75, metricCostUsd: 2.3 })
  expect((await session('sess-events')).subagents).toBeNull()
})
