import { afterAll, beforeAll, expect, it } from 'vitest'
import { decodeBody } from '../collector/otlp/decode'
import { normalizeMetrics } from '../collector/normalize/metrics'
import { Writer, type WriterOptions } from '../collector/writer/writer'
import { loadConfig } from '../server/config'
import { createLogger } from '../runtime/logger'
import { SelfMetrics } from '../runtime/self-metrics'
import { startTestCcscope, type TestCcscope } from './helpers/ccscope'
import { costMetrics, postJson, type CostPoint } from './helpers/otlp-factory'

/**
 * Two ccscope instances writing one warehouse (a cluster's instances behind a load balancer): instance A is a
 * whole ccscope, instance B its writer on the same warehouse, as another process would have. A cumulative
 * series whose exports alternate between them, with B restarted half-way, adds up exactly once.
 */
let cc: TestCcscope
beforeAll(async () => {
  cc = await startTestCcscope({ CCSCOPE_SHARED_WAREHOUSE: 'true' })
}, 60_000)
afterAll(async () => {
  await cc?.stop()
})

const config = loadConfig({ CCSCOPE_SHARED_WAREHOUSE: 'true' })
const options: WriterOptions = { ...config.writer, flushIntervalMs: 10 }
const log = createLogger('error')

function writerB(): Writer {
  return new Writer(cc.client, options, log, new SelfMetrics())
}

async function sendToB(writer: Writer, points: CostPoint[]): Promise<void> {
  const body = Buffer.from(JSON.stringify(costMetrics({ user: 'two@example.com', session: 'two-instances' }, 'cumulative', points, 1000)))
  const batch = decodeBody('metrics', 'json', body)
  if (batch.signal !== 'metrics') throw new Error('not metrics')
  const { rows } = normalizeMetrics(batch.request, { nowMs: Date.now(), maxRecordAgeMs: 30 * 86_400_000, maxClockSkewMs: 3_600_000 })
  await writer.submit('metric_points', rows)
}

it('adds up a cumulative series exported alternately to two instances, across a restart of one', async () => {
  expect(config.writer.sharedWarehouse).toBe(true)
  expect(loadConfig({}).writer.sharedWarehouse).toBe(false)
  expect(loadConfig({ CLICKHOUSE_URL: 'http://ch:8123', CLICKHOUSE_CLUSTER: 'c' }).writer.sharedWarehouse).toBe(true)

  const start = Date.now() - 2 * 3600_000
  // One process's cost counter, exported every minute: 0.10, 0.25, 0.45, … (each export the running total).
  const totals = [0.1, 0.25, 0.45, 0.7, 1.0, 1.35]
  let b = writerB()
  for (const [i, value] of totals.entries()) {
    const point = [{ startMs: start, timeMs: start + (i + 1) * 60_000, value }]
    if (i % 2 === 0) {
      const res = await postJson(cc.otlpUrl, '/v1/metrics', costMetrics({ user: 'two@example.com', session: 'two-instances' }, 'cumulative', point, 1000))
      expect(res.status).toBe(200)
    } else await sendToB(b, point)
    if (i === 3) {
      // B restarts: whatever it remembered is gone.
      await b.close()
      b = writerB()
    }
  }
  await b.close()
  const s = await cc.summary({ from: new Date(start - 3600_000), to: new Date(start + 3600_000) }, { user: 'two@example.com' })
  expect(s.costUsd).toBeCloseTo(1.35, 9)
  expect(s.tokens.input).toBe(1350)
}, 60_000)
