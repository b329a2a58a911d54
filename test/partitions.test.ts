import { afterAll, beforeAll, expect, it } from 'vitest'
import { startTestCcscope, type TestCcscope } from './helpers/ccscope'
import { apiRequest, events, postJson } from './helpers/otlp-factory'

/**
 * The raw tables are partitioned by day, and one flush holds the records of every sender: an exporter
 * that comes back after months offline sends a request spanning more than 100 days. Every day within the
 * record-age window is accepted (the engine's default of 100 partitions per insert made the whole batch,
 * and everyone else's records in it, fail with a retryable 503 on every retry).
 */
let cc: TestCcscope
beforeAll(async () => {
  cc = await startTestCcscope({ CCSCOPE_MAX_RECORD_AGE_DAYS: '400' })
}, 60_000)
afterAll(async () => {
  await cc?.stop()
})

it('stores a request whose records span 150 days', async () => {
  const day = 86_400_000
  const start = Math.floor((Date.now() - 160 * day) / day) * day
  const specs = Array.from({ length: 150 }, (_, i) => apiRequest(start + i * day + 3_600_000, 0.25))
  const res = await postJson(cc.otlpUrl, '/v1/logs', events({ user: 'away@example.com', session: 's-away' }, specs))
  expect(res.status, await res.text()).toBe(200)
  const summary = await cc.summary({ from: new Date(start), to: new Date(start + 151 * day) })
  expect(summary.apiRequests).toBe(150)
  expect(summary.costUsd).toBe(37.5)
})
