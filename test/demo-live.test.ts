import { afterAll, beforeAll, expect, it } from 'vitest'
import { planUsers, resolvePeriod } from '../simulator/fleet'
import { startLive, type LiveStream } from '../simulator/live'
import { selectRows } from '../warehouse/client'
import { startTestCcscope, type TestCcscope } from './helpers/ccscope'

/**
 * The demo's live part (simulator/live.ts) through the real OpenTelemetry exporters into ccscope's
 * OTLP receiver: sessions planned by the fleet, records sent once their time has come (none from the
 * future), and ccscope counts exactly what was sent.
 */

const TOKEN = 'live-token'
let cc: TestCcscope
let live: LiveStream | undefined

beforeAll(async () => {
  cc = await startTestCcscope({ CCSCOPE_INGEST_TOKENS: TOKEN })
})
afterAll(async () => {
  await live?.stop()
  await cc?.stop()
})

it('streams the fleet’s sessions as they happen, and ccscope counts exactly what was sent', async () => {
  // Just before a 15-minute boundary: every record sent falls in a bucket the API answers (complete buckets only).
  const now = Math.floor(Date.now() / 900_000) * 900_000 - 1
  // A history that ended 36 hours ago: the sessions since then are due at once (a catch-up), later
  // records wait for their time. One tick only (a long interval), so that the counts hold still.
  const fromMs = Math.floor((now - 36 * 3_600_000) / 60_000) * 60_000
  const users = planUsers({ seed: 1, users: 40, days: 30 })
  live = startLive({
    users,
    seed: 1,
    period: resolvePeriod(30, new Date(fromMs)),
    fromMs,
    endpoint: cc.otlpUrl,
    token: TOKEN,
    tickMs: 3_600_000,
    now: () => now,
  })
  const stats = live.stats
  await expect.poll(() => stats.ticks, { timeout: 60_000, interval: 100 }).toBeGreaterThan(0)
  expect(stats.sessions).toBeGreaterThan(0)
  expect(stats.logRecords).toBeGreaterThan(0)
  expect(stats.metricPoints).toBeGreaterThan(0)

  const all = await cc.summary({ from: new Date(fromMs - 3_600_000), to: new Date(now + 3_600_000) })
  expect(all.apiRequests).toBe(stats.apiRequests)
  expect(all.sessions).toBe(stats.sessions)
  // Nothing before the history's end, nothing after now.
  const [bounds] = await selectRows<{ first: string; last: string }>(
    cc.client,
    `SELECT toString(toUnixTimestamp64Milli(min(timestamp))) AS first, toString(toUnixTimestamp64Milli(max(timestamp))) AS last
     FROM (SELECT timestamp FROM events UNION ALL SELECT timestamp FROM metric_points)`,
  )
  expect(Number(bounds?.first)).toBeGreaterThanOrEqual(fromMs)
  expect(Number(bounds?.last)).toBeLessThanOrEqual(now)
}, 150_000)
