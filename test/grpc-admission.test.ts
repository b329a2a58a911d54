import * as grpc from '@grpc/grpc-js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { grpcServices, requestTypes } from '../collector/otlp/proto'
import { selectRows } from '../warehouse/client'
import { startTestCcscope, type TestCcscope } from './helpers/ccscope'
import { apiRequest, events } from './helpers/otlp-factory'

/**
 * A gRPC call whose message does not fit the in-flight budget when it arrives waits a little for room, as an
 * HTTP request waits for room for its body, instead of being refused at once: a burst of exporters is then
 * served as the writer frees room, not sent back to retry together a moment later.
 */

// 1 MiB, of which OTLP/HTTP keeps a quarter: two or three of the calls below fit at once, decoded.
const BUDGET = 1024 * 1024
const CALLS = 10
const RECORDS = 50

describe('OTLP/gRPC admission', () => {
  let cc: TestCcscope
  let client: grpc.Client
  beforeAll(async () => {
    cc = await startTestCcscope({
      CCSCOPE_MAX_INFLIGHT_BYTES: String(BUDGET),
      CCSCOPE_MAX_INFLIGHT_BYTES_PER_ADDRESS: '0',
      CCSCOPE_FLUSH_INTERVAL_MS: '300',
    })
    client = new grpc.Client(`127.0.0.1:${cc.ports.otlpGrpc}`, grpc.credentials.createInsecure())
  })
  afterAll(async () => {
    client?.close()
    await cc?.stop()
  })

  it('holds a call that does not fit until the writer makes room, and answers it OK', async () => {
    const t0 = Date.parse('2026-11-20T10:00:00Z')
    const bodies = Array.from({ length: CALLS }, (_, i) => {
      const body = events(
        { user: `burst${i}@x`, session: `s-burst-${i}` },
        Array.from({ length: RECORDS }, (_, j) => apiRequest(t0 + j * 1000, 0.001)),
      )
      return Buffer.from(requestTypes.logs.encode(requestTypes.logs.fromObject(body as unknown as Record<string, unknown>)).finish())
    })
    // Each decoded is well over a quarter of the budget: together they are twice what fits.
    expect(bodies[0]!.length * 9 * CALLS).toBeGreaterThan(2 * BUDGET)
    const codes = await Promise.all(
      bodies.map(
        (bytes) =>
          new Promise<string>((resolve) =>
            client.makeUnaryRequest(
              grpcServices.logs.path,
              (b: Buffer) => b,
              (b: Buffer) => b,
              bytes,
              new grpc.Metadata(),
              (error) => resolve(error ? `${grpc.status[error.code]} ${error.details}` : 'OK'),
            ),
          ),
      ),
    )
    expect(codes).toEqual(Array(CALLS).fill('OK'))
    const [stored] = await selectRows<{ n: string }>(cc.client, "SELECT count() AS n FROM events WHERE session_id LIKE 's-burst-%'")
    expect(Number(stored?.n)).toBe(CALLS * RECORDS)
  })
})
