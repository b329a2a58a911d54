import path from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startTestCcscope, tempDir, type TestCcscope } from './helpers/ccscope'
import { startClickHouseProxy, type ClickHouseProxy } from './helpers/clickhouse-proxy'
import { apiRequest, costMetrics, events, postJson } from './helpers/otlp-factory'

/**
 * A request is acknowledged only once its rows are stored. On a cluster the raw tables are Distributed, and an
 * INSERT into a Distributed table returns before the shards have the rows unless it is sent with
 * distributed_foreground_insert: so every insert of the collector carries that setting (a server without
 * Distributed tables ignores it). Server mode through test/helpers/clickhouse-proxy.ts, which records each
 * INSERT's settings.
 */
let proxy: ClickHouseProxy
let cc: TestCcscope
beforeAll(async () => {
  proxy = await startClickHouseProxy(path.join(tempDir('ccscope-ch-proxy-'), 'chdb'))
  cc = await startTestCcscope({ CLICKHOUSE_URL: proxy.url, CCSCOPE_FLUSH_INTERVAL_MS: '50' })
}, 60_000)
afterAll(async () => {
  await cc?.stop()
  await proxy?.close()
})

it('sends every raw insert synchronously through Distributed tables', async () => {
  const at = Date.now() - 60_000
  const who = { user: 'fg@example.com', session: 'fg-1' }
  expect((await postJson(cc.otlpUrl, '/v1/logs', events(who, [apiRequest(at, 0.25)]))).status).toBe(200)
  expect((await postJson(cc.otlpUrl, '/v1/metrics', costMetrics(who, 'delta', [{ startMs: at - 60_000, timeMs: at, value: 0.25 }]))).status).toBe(200)
  const raw = proxy.inserts.filter((i) => /(^|\.)(events|metric_points)$/.test(i.table))
  expect(raw.map((i) => i.table.replace(/^.*\./, '')).sort()).toEqual(['events', 'metric_points'])
  for (const insert of raw) expect(insert.settings.distributed_foreground_insert, insert.table).toBe('1')
}, 60_000)
