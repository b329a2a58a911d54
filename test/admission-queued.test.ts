import * as grpc from '@grpc/grpc-js'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { decodedEstimate, queuedEstimate, REQUEST_OVERHEAD_BYTES } from '../collector/admission'
import { requestTypes } from '../collector/otlp/proto'
import { startTestCcscope, type TestCcscope } from './helpers/ccscope'
import { exportLogsGrpc } from './helpers/grpc-export'
import { apiRequest, events } from './helpers/otlp-factory'

/**
 * A request's share of the in-flight budget while its rows wait for the writer: only the rows, not the body
 * and the decoded objects it no longer holds. Holding the decode estimate until the commit let the budget,
 * not the engine, bound the requests in flight (bench/ingest: about 460 Claude Code-sized requests).
 */
let cc: TestCcscope
beforeAll(async () => {
  // A flush interval long enough to look at the request while its rows wait.
  cc = await startTestCcscope({ CCSCOPE_FLUSH_INTERVAL_MS: '4000' })
}, 60_000)
afterAll(async () => {
  await cc?.stop()
})

const inflight = async () => (await cc.metrics.inflight.get()).values[0]?.value ?? 0

it('holds only its rows while they wait for the writer, and nothing once answered', async () => {
  const start = Date.now() - 3600_000
  const body = events(
    { user: 'queued@example.com', session: 'q' },
    Array.from({ length: 40 }, (_, i) => apiRequest(start + i * 1000, 0.01)),
  )
  const bytes = requestTypes.logs.encode(requestTypes.logs.fromObject(body as unknown as Record<string, unknown>)).finish()
  expect(await inflight()).toBe(0)
  const answered = fetch(`${cc.otlpUrl}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: Buffer.from(bytes) })
  // Admitted at the decode estimate, then down to the rows' once they are queued (the flush is seconds away).
  const queued = REQUEST_OVERHEAD_BYTES + queuedEstimate(bytes.length, 'protobuf')
  expect(queued).toBeLessThan(REQUEST_OVERHEAD_BYTES + decodedEstimate(bytes.length, 'protobuf'))
  await expect.poll(inflight).toBe(queued)
  const response = await answered
  expect(response.status).toBe(200)
  await expect.poll(inflight).toBe(0)
}, 60_000)

it('holds only its rows on OTLP/gRPC too', async () => {
  const start = Date.now() - 3600_000
  const body = events(
    { user: 'queued-grpc@example.com', session: 'qg' },
    Array.from({ length: 40 }, (_, i) => apiRequest(start + i * 1000, 0.01)),
  )
  const bytes = Buffer.from(requestTypes.logs.encode(requestTypes.logs.fromObject(body as unknown as Record<string, unknown>)).finish())
  const client = new grpc.Client(`127.0.0.1:${cc.ports.otlpGrpc}`, grpc.credentials.createInsecure())
  try {
    await expect.poll(inflight).toBe(0)
    const answered = exportLogsGrpc(client, bytes)
    await expect.poll(inflight).toBe(REQUEST_OVERHEAD_BYTES + queuedEstimate(bytes.length, 'protobuf'))
    expect(await answered).toBeNull()
    await expect.poll(inflight).toBe(0)
  } finally {
    client.close()
  }
}, 60_000)
