import path from 'node:path'
import * as grpc from '@grpc/grpc-js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ExportLogsRequest } from '../schemas/otlp'
import { selectRows } from '../warehouse/client'
import { startTestCcscope, tempDir, type TestCcscope } from './helpers/ccscope'
import { startClickHouseProxy, type ClickHouseProxy, type ProxyMode } from './helpers/clickhouse-proxy'
import { exportLogsGrpc } from './helpers/grpc-export'
import { apiRequest, events, postJson } from './helpers/otlp-factory'

/**
 * Server mode (CLICKHOUSE_URL) with the server failing: refused connections, a server that never
 * answers, a server answering errors. The "server" is test/helpers/clickhouse-proxy.ts: the ClickHouse
 * HTTP interface in front of the real embedded engine, switchable into each failure.
 */

const RECORDS = 5
let batchNo = 0
const now = Date.now()

/** A fresh export request with its own session (prefix `wu-`), so every record has its own id. */
function batch(): { body: ExportLogsRequest; session: string } {
  const n = batchNo++
  const session = `wu-${n}`
  return {
    session,
    body: events(
      { user: 'wu@x', session },
      Array.from({ length: RECORDS }, (_, i) => apiRequest(now - 60_000 + n * RECORDS + i, 0.01)),
    ),
  }
}

// A request the stalled server never answers ends after CLICKHOUSE_REQUEST_TIMEOUT_MS; long enough that a
// real insert on this shared machine never hits it.
describe('warehouse unavailable (server mode)', () => {
  let proxy: ClickHouseProxy
  let cc: TestCcscope
  let grpcClient: grpc.Client
  beforeAll(async () => {
    proxy = await startClickHouseProxy(path.join(tempDir('ccscope-ch-proxy-'), 'chdb'))
    cc = await startTestCcscope({ CLICKHOUSE_URL: proxy.url, CLICKHOUSE_REQUEST_TIMEOUT_MS: '4000', CCSCOPE_FLUSH_INTERVAL_MS: '50' })
    grpcClient = new grpc.Client(`127.0.0.1:${cc.ports.otlpGrpc}`, grpc.credentials.createInsecure())
  })
  afterAll(async () => {
    grpcClient?.close()
    await cc?.stop()
    await proxy?.close()
  })

  const stored = async (sessions: string[]) => {
    const [row] = await selectRows<{ n: string; ids: string }>(
      cc.client,
      'SELECT count() AS n, uniqExact(id) AS ids FROM events WHERE session_id IN {sessions:Array(String)}',
      { sessions },
    )
    return { n: Number(row?.n), ids: Number(row?.ids) }
  }

  it('answers 503 / UNAVAILABLE while the server is down, stalled or failing, and takes the retries once it is back', async () => {
    const acknowledged: string[] = []
    const refused: ExportLogsRequest[] = []
    const refusedSessions: string[] = []

    // Up: accepted over both transports, ready.
    const a = batch()
    expect((await postJson(cc.otlpUrl, '/v1/logs', a.body)).status).toBe(200)
    acknowledged.push(a.session)
    const b = batch()
    expect(await exportLogsGrpc(grpcClient, b.body)).toBeNull()
    acknowledged.push(b.session)
    expect((await fetch(`${cc.apiUrl}/readyz`)).status).toBe(200)

    for (const mode of ['down', 'hang', 'error'] as ProxyMode[]) {
      await proxy.setMode(mode)
      const h = batch()
      const res = await postJson(cc.otlpUrl, '/v1/logs', h.body)
      expect({ mode, status: res.status }).toEqual({ mode, status: 503 })
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0)
      refused.push(h.body)
      refusedSessions.push(h.session)
      const g = batch()
      const error = await exportLogsGrpc(grpcClient, g.body)
      expect({ mode, code: error?.code }).toEqual({ mode, code: grpc.status.UNAVAILABLE })
      expect(error?.metadata.get('grpc-status-details-bin')).toHaveLength(1)
      refused.push(g.body)
      refusedSessions.push(g.session)
      const ready = await fetch(`${cc.apiUrl}/readyz`)
      expect({ mode, status: ready.status }).toEqual({ mode, status: 503 })
    }
    // Each failure was really exercised: refused connections are not counted by the proxy, the others are.
    expect(proxy.counts.refusedOrFailed).toBeGreaterThan(0)

    // Back up, no restart: ready again; nothing refused was stored; every acknowledged record is.
    await proxy.setMode('up')
    expect((await fetch(`${cc.apiUrl}/readyz`)).status).toBe(200)
    expect(await stored(refusedSessions)).toEqual({ n: 0, ids: 0 })
    expect(await stored(acknowledged)).toEqual({ n: acknowledged.length * RECORDS, ids: acknowledged.length * RECORDS })

    // The exporters' retries are accepted, and the totals are what was acknowledged, each record once.
    for (const [i, body] of refused.entries()) {
      if (i % 2 === 0) expect((await postJson(cc.otlpUrl, '/v1/logs', body)).status).toBe(200)
      else expect(await exportLogsGrpc(grpcClient, body)).toBeNull()
    }
    acknowledged.push(...refusedSessions)
    expect(await stored(acknowledged)).toEqual({ n: acknowledged.length * RECORDS, ids: acknowledged.length * RECORDS })
    const summary = await cc.summary({ from: new Date(now - 3_600_000), to: new Date(now + 60_000) }, { user: 'wu@x' })
    expect(summary.apiRequests).toBe(acknowledged.length * RECORDS)
  }, 120_000) // the stalled server costs a request timeout per request

  it('starts while the server is down: /healthz answers, ingest gets 503, and it becomes ready when the server returns', async () => {
    await proxy.setMode('down')
    // A database of its own, so that its schema is created only once the server is back.
    const late = await startTestCcscope({ CLICKHOUSE_URL: proxy.url, CLICKHOUSE_DATABASE: 'ccscope_late', CLICKHOUSE_REQUEST_TIMEOUT_MS: '4000' })
    try {
      expect((await fetch(`${late.apiUrl}/healthz`)).status).toBe(200)
      expect((await fetch(`${late.apiUrl}/readyz`)).status).toBe(503)
      const early = batch()
      const res = await postJson(late.otlpUrl, '/v1/logs', early.body)
      expect(res.status).toBe(503)
      expect(res.headers.get('retry-after')).not.toBeNull()

      await proxy.setMode('up')
      // It retries on its own with backoff; wait for readiness (within the test's timeout).
      await expect.poll(async () => (await fetch(`${late.apiUrl}/readyz`)).status, { timeout: 100_000, interval: 250 }).toBe(200)
      expect((await postJson(late.otlpUrl, '/v1/logs', early.body)).status).toBe(200)
      const [row] = await selectRows<{ n: string }>(late.client, 'SELECT count() AS n FROM events WHERE session_id = {s:String}', { s: early.session })
      expect(Number(row?.n)).toBe(RECORDS)
    } finally {
      await late.stop()
    }
  }, 120_000)
})
