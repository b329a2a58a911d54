import zlib from 'node:zlib'
import * as grpc from '@grpc/grpc-js'
import protobuf from 'protobufjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { grpcServices, requestTypes } from '../collector/otlp/proto'
import type { ExportLogsRequest } from '../schemas/otlp'
import { selectRows } from '../warehouse/client'
import { startTestCcscope, type TestCcscope } from './helpers/ccscope'
import { apiRequest, events } from './helpers/otlp-factory'
import { defined } from './helpers/defined'

/**
 * Overload: far more concurrent senders than the in-flight budget admits, over every way a body can
 * arrive (JSON with Content-Length, protobuf streamed without one, gzip, gRPC). Refused requests are
 * answered 429 / UNAVAILABLE with a retry delay and sent again until acknowledged, as an exporter does;
 * at the end every acknowledged record is stored exactly once and the budget was never exceeded.
 */

const BUDGET = 1024 * 1024
const REQUESTS = 120
const RECORDS_PER_REQUEST = 25

// google.rpc.Status with its details, to read the RetryInfo a refused gRPC call carries.
const root = protobuf.Root.fromJSON({
  nested: {
    google: {
      nested: {
        rpc: {
          nested: {
            Status: { fields: { code: { type: 'int32', id: 1 }, message: { type: 'string', id: 2 }, details: { rule: 'repeated', type: 'Any', id: 3 } } },
            Any: { fields: { type_url: { type: 'string', id: 1 }, value: { type: 'bytes', id: 2 } } },
            RetryInfo: { fields: { retry_delay: { type: 'Duration', id: 1 } } },
            Duration: { fields: { seconds: { type: 'int64', id: 1 }, nanos: { type: 'int32', id: 2 } } },
          },
        },
      },
    },
  },
})
const StatusType = root.lookupType('google.rpc.Status')
const RetryInfoType = root.lookupType('google.rpc.RetryInfo')

type Mode = 'json' | 'protobuf-chunked' | 'protobuf-gzip' | 'grpc'
const MODES: Mode[] = ['json', 'protobuf-chunked', 'protobuf-gzip', 'grpc']

interface Outcome {
  statuses: Map<string, number>
  retryAfterMissing: number
  retryInfoSeconds: Set<number>
}

/** Waits the delay the answer asked for, spread like exporters spread their retries (half to all of it). */
const wait = (seconds: number) => new Promise((r) => setTimeout(r, seconds * 1000 * (0.5 + Math.random() / 2)))

describe('overload', () => {
  let cc: TestCcscope
  let grpcClient: grpc.Client
  beforeAll(async () => {
    cc = await startTestCcscope({ CCSCOPE_MAX_INFLIGHT_BYTES: String(BUDGET), CCSCOPE_FLUSH_INTERVAL_MS: '100' })
    grpcClient = new grpc.Client(`127.0.0.1:${cc.ports.otlpGrpc}`, grpc.credentials.createInsecure())
  })
  afterAll(async () => {
    grpcClient?.close()
    await cc?.stop()
  })

  const tally = (o: Outcome, status: string) => o.statuses.set(status, (o.statuses.get(status) ?? 0) + 1)

  /** Sends one request until it is acknowledged; every answer is tallied. */
  async function sendUntilAcknowledged(body: ExportLogsRequest, mode: Mode, o: Outcome): Promise<void> {
    const protobufBytes = () => Buffer.from(requestTypes.logs.encode(requestTypes.logs.fromObject(body as unknown as Record<string, unknown>)).finish())
    for (;;) {
      if (mode === 'grpc') {
        const error = await new Promise<grpc.ServiceError | null>((resolve) =>
          grpcClient.makeUnaryRequest(
            grpcServices.logs.path,
            (b: Buffer) => b,
            (b: Buffer) => b,
            protobufBytes(),
            new grpc.Metadata(),
            (e) => resolve(e),
          ),
        )
        if (!error) {
          tally(o, 'grpc:OK')
          return
        }
        tally(o, `grpc:${grpc.status[error.code]}`)
        if (error.code !== grpc.status.UNAVAILABLE) throw error
        const details = error.metadata.get('grpc-status-details-bin')[0]
        if (Buffer.isBuffer(details)) {
          const status = StatusType.toObject(StatusType.decode(details), { longs: Number }) as {
            code: number
            details: { type_url: string; value: Uint8Array }[]
          }
          const retryInfo = status.details.find((d) => d.type_url === 'type.googleapis.com/google.rpc.RetryInfo')
          if (retryInfo) {
            const info = RetryInfoType.toObject(RetryInfoType.decode(retryInfo.value), { longs: Number }) as { retry_delay: { seconds: number } }
            o.retryInfoSeconds.add(info.retry_delay.seconds)
          }
        }
        await wait(Number(error.metadata.get('retry-after')[0] ?? 1))
        continue
      }
      const json = JSON.stringify(body)
      const init: RequestInit & { duplex?: 'half' } =
        mode === 'json'
          ? { body: json, headers: { 'content-type': 'application/json' } }
          : mode === 'protobuf-gzip'
            ? { body: zlib.gzipSync(protobufBytes()), headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' } }
            : {
                // A stream body: no Content-Length, the body is counted as it arrives.
                body: new Blob([protobufBytes()]).stream(),
                duplex: 'half',
                headers: { 'content-type': 'application/x-protobuf' },
              }
      const res = await fetch(`${cc.otlpUrl}/v1/logs`, { method: 'POST', ...init })
      await res.arrayBuffer()
      tally(o, `http:${res.status}`)
      if (res.status === 200) return
      if (res.status !== 429 && res.status !== 503) throw new Error(`unexpected HTTP ${res.status}`)
      const retryAfter = res.headers.get('retry-after')
      if (!retryAfter) o.retryAfterMissing++
      await wait(Number(retryAfter ?? 1))
    }
  }

  async function gauge(name: string): Promise<number> {
    const text = await (await fetch(`${cc.apiUrl}/metrics`)).text()
    const line = text.split('\n').find((l) => l.startsWith(`${name} `))
    if (!line) throw new Error(`${name} missing from /metrics`)
    return Number(line.split(' ')[1])
  }

  it('refuses past the in-flight budget with retryable answers, stays within it, and stores every acknowledged record once', async () => {
    const now = Date.now()
    const bodies = Array.from({ length: REQUESTS }, (_, r) =>
      events(
        { user: `flood${r % 17}@x`, session: `ovl-${r}` },
        Array.from({ length: RECORDS_PER_REQUEST }, (_, i) => apiRequest(now - 60_000 + r * RECORDS_PER_REQUEST + i, 0.001)),
      ),
    )
    const o: Outcome = { statuses: new Map(), retryAfterMissing: 0, retryInfoSeconds: new Set() }
    // Every sender at once.
    await Promise.all(bodies.map((body, r) => sendUntilAcknowledged(body, defined(MODES[r % MODES.length]), o)))

    const statuses = Object.fromEntries(o.statuses)
    // Only the retryable refusals besides success: no 500, no reset, no other 4xx.
    expect(Object.keys(statuses).every((s) => ['http:200', 'http:429', 'http:503', 'grpc:OK', 'grpc:UNAVAILABLE'].includes(s))).toBe(true)
    expect(statuses['http:200']).toBe((REQUESTS / 4) * 3)
    expect(statuses['grpc:OK']).toBe(REQUESTS / 4)
    // The flood was refused in part, on both transports, always with a delay to wait.
    expect(statuses['http:429'] ?? 0).toBeGreaterThan(0)
    expect(statuses['grpc:UNAVAILABLE'] ?? 0).toBeGreaterThan(0)
    expect(o.retryAfterMissing).toBe(0)
    expect([...o.retryInfoSeconds]).toEqual([1])

    // Every acknowledged record is stored, once.
    const [stored] = await selectRows<{ n: string; ids: string }>(
      cc.client,
      `SELECT count() AS n, uniqExact(id) AS ids FROM events WHERE startsWith(session_id, 'ovl-')`,
    )
    expect(Number(stored?.n)).toBe(REQUESTS * RECORDS_PER_REQUEST)
    expect(Number(stored?.ids)).toBe(REQUESTS * RECORDS_PER_REQUEST)

    // The budget held: its high-water mark reached it (the flood saturated it) but never passed it,
    // and every request gave its share back.
    expect(await gauge('ccscope_inflight_bytes_limit')).toBe(BUDGET)
    const peak = await gauge('ccscope_inflight_bytes_peak')
    expect(peak).toBeLessThanOrEqual(BUDGET)
    expect(peak).toBeGreaterThan(BUDGET / 2)
    expect(await gauge('ccscope_inflight_bytes')).toBe(0)
    // eslint-disable-next-line no-console
    console.log(`overload: ${JSON.stringify(statuses)}; in-flight peak ${peak} of ${BUDGET} bytes`)
  }, 180_000) // a few seconds alone; the machine may be shared
})
