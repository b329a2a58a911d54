import net from 'node:net'
import { createClient } from '@clickhouse/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { OverloadedError, WarehouseUnavailableError, Writer } from '../collector/writer/writer'
import { createLogger } from '../runtime/logger'
import { SelfMetrics } from '../runtime/self-metrics'
import { startTestCcscope, type TestCcscope } from './helpers/ccscope'
import { apiRequest, events, postJson } from './helpers/otlp-factory'
import { normalizeLogs } from '../collector/normalize/logs'

describe('overload', () => {
  let cc: TestCcscope
  beforeAll(async () => {
    cc = await startTestCcscope({ CCSCOPE_BUFFER_MAX_ROWS: '5', CCSCOPE_FLUSH_INTERVAL_MS: '1500' })
  })
  afterAll(async () => {
    await cc?.stop()
  })

  it('answers 429 with Retry-After past the buffer bound, and loses nothing it acknowledged', async () => {
    const now = Date.now()
    const batch = (n: number, session: string) =>
      events(
        { user: 'load@x', session },
        Array.from({ length: n }, (_, i) => apiRequest(now - 10_000 + i, 0.001)),
      )
    const firstAnswer = postJson(cc.otlpUrl, '/v1/logs', batch(4, 'first'))
    // The second arrives while the first one's rows wait in the buffer (the flush interval is 1.5 s).
    await expect.poll(() => cc.writer.bufferedRows).toBe(4)
    const second = await postJson(cc.otlpUrl, '/v1/logs', batch(4, 'second'))
    const first = await firstAnswer
    expect(first.status).toBe(200)
    expect(second.status).toBe(429)
    expect(second.headers.get('retry-after')).toBe('2')
    const s = await cc.summary({ from: new Date(now - 60_000), to: new Date(now) })
    expect(s.apiRequests).toBe(4)
    // The client's retry, once the buffer has drained, is accepted.
    expect((await postJson(cc.otlpUrl, '/v1/logs', batch(4, 'second'))).status).toBe(200)
    expect((await cc.summary({ from: new Date(now - 60_000), to: new Date(now) })).apiRequests).toBe(8)
  })
})

function oneEventRow() {
  const limits = { nowMs: Date.now(), maxRecordAgeMs: 86_400_000, maxClockSkewMs: 60_000 }
  return normalizeLogs(events({ user: 'u@x', session: 's' }, [apiRequest(Date.now() - 1000, 0.01)]), limits).rows
}

describe('warehouse unavailable', () => {
  it('fails the waiting requests with a retryable error and empties the buffer', async () => {
    // A real ClickHouse client aimed at a port where nothing listens: connection refused.
    const server = net.createServer()
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const port = (server.address() as net.AddressInfo).port
    await new Promise<void>((r) => server.close(() => r()))
    const client = createClient({ url: `http://127.0.0.1:${port}`, request_timeout: 2000 })
    const writer = new Writer(client, { flushIntervalMs: 10, batchMaxRows: 100, bufferMaxRows: 100 }, createLogger('silent'), new SelfMetrics())
    const rows = oneEventRow()
    await expect(writer.submit('events', rows)).rejects.toBeInstanceOf(WarehouseUnavailableError)
    expect(writer.bufferedRows).toBe(0)
    await writer.close()
    await client.close()
  })

  it('refuses rows past the bound with OverloadedError', async () => {
    const client = createClient({ url: 'http://127.0.0.1:9' })
    const writer = new Writer(client, { flushIntervalMs: 60_000, batchMaxRows: 100, bufferMaxRows: 1 }, createLogger('silent'), new SelfMetrics())
    const rows = oneEventRow()
    const pending = writer.submit('events', rows).catch((e: unknown) => e)
    await expect(writer.submit('events', rows)).rejects.toBeInstanceOf(OverloadedError)
    await writer.flush()
    expect(await pending).toBeInstanceOf(WarehouseUnavailableError)
    await client.close()
  })
})
