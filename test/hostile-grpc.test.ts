import * as grpc from '@grpc/grpc-js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { grpcServices } from '../collector/otlp/proto'
import { startTestCcscope, type TestCcscope } from './helpers/ccscope'
import { halfOpenGrpc, stalledGrpcStreams } from './helpers/hostile-clients'
import { apiRequest, events } from './helpers/otlp-factory'
import { encodeProtobuf } from './fuzz/seeds'

/**
 * Hostile clients on the OTLP/gRPC port: calls that stall in the middle of a large message, without a
 * token or with one, and connections that never finish their preface. Their token is checked before
 * their message is read, what they send is counted in the in-flight budget within their address's share,
 * they are answered and their connections closed within the timeouts, and other clients are served.
 */

const TOKEN = 'grpc-hostile-token'
const BUDGET = 1024 * 1024
const PER_ADDRESS = 256 * 1024
const TIMEOUTS = { headers: 1000, request: 3000, idle: 2000 }
const LOGS = grpcServices.logs.path

let cc: TestCcscope

beforeAll(async () => {
  cc = await startTestCcscope({
    CCSCOPE_INGEST_TOKENS: TOKEN,
    CCSCOPE_BIND: '127.0.0.1',
    CCSCOPE_MAX_INFLIGHT_BYTES: String(BUDGET),
    CCSCOPE_MAX_INFLIGHT_BYTES_PER_ADDRESS: String(PER_ADDRESS),
    CCSCOPE_HEADERS_TIMEOUT_MS: String(TIMEOUTS.headers),
    CCSCOPE_REQUEST_TIMEOUT_MS: String(TIMEOUTS.request),
    CCSCOPE_IDLE_TIMEOUT_MS: String(TIMEOUTS.idle),
  })
})

afterAll(async () => {
  await cc?.stop()
})

/** Resolves with the promise's value, or with `fallback` after `ms`: on the code before the fix these clients are never answered. */
function within<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  return Promise.race([promise, new Promise<T>((resolve) => setTimeout(() => resolve(fallback), ms))])
}

async function gauge(name: string): Promise<number> {
  const res = await fetch(`${cc.apiUrl}/metrics`, { headers: { host: 'localhost' } })
  const line = (await res.text()).split('\n').find((l) => l.startsWith(`${name} `))
  return Number(line?.split(' ')[1] ?? NaN)
}

/** A normal Export call from 127.0.0.1, with the token. */
function normalCall(session: string): Promise<grpc.ServiceError | null> {
  const client = new grpc.Client(`127.0.0.1:${cc.ports.otlpGrpc}`, grpc.credentials.createInsecure())
  const metadata = new grpc.Metadata()
  metadata.set('authorization', `Bearer ${TOKEN}`)
  const body = encodeProtobuf('logs', events({ user: 'calm@example.com', session }, [apiRequest(Date.now() - 1000, 0.01)]))
  return new Promise((resolve) =>
    client.makeUnaryRequest(
      LOGS,
      (b: Buffer) => b,
      (b: Buffer) => b,
      body,
      metadata,
      { deadline: Date.now() + 10_000 },
      (error) => {
        client.close()
        resolve(error)
      },
    ),
  )
}

describe('OTLP/gRPC under hostile clients', () => {
  it('refuses a call without a valid token from its headers, before its message has arrived', async () => {
    const stalled = stalledGrpcStreams({
      port: cc.ports.otlpGrpc,
      from: '127.0.0.2',
      path: LOGS,
      authorization: 'Bearer wrong',
      streams: 5,
      declaredBytes: 8 << 20,
      sendBytes: 64 << 10,
      tickMs: 50,
    })
    const statuses = await within(stalled.statuses, 5000, [])
    stalled.stop()
    expect(statuses).toHaveLength(5)
    for (const s of statuses) {
      expect(s.code).toBe(grpc.status.UNAUTHENTICATED)
      expect(s.ms).toBeLessThan(2000) // the message (8 MiB announced) was far from complete
    }
  })

  it('counts what stalled calls send within their address share, answers them at the request timeout and closes their connection, while serving others', async () => {
    const streams = 10
    const stalled = stalledGrpcStreams({
      port: cc.ports.otlpGrpc,
      from: '127.0.0.3',
      path: LOGS,
      authorization: `Bearer ${TOKEN}`,
      streams,
      declaredBytes: 4 << 20,
      sendBytes: 1 << 20,
      chunkBytes: 4096,
      tickMs: 10,
    })
    // Their overhead (16 KiB a call) and then the message bytes they send, as these arrive.
    let peak = 0
    const deadline = Date.now() + 5000
    while (Date.now() < deadline && peak < streams * 16 * 1024 + 64 * 1024) peak = Math.max(peak, await gauge('ccscope_inflight_bytes'))
    expect(peak).toBeGreaterThanOrEqual(streams * 16 * 1024 + 64 * 1024)
    // Meanwhile another client is served, and the bytes of the stalled messages never pass their address's
    // share (the calls' own overhead, 16 KiB each, and the normal call are counted besides).
    expect(await normalCall('calm-1')).toBeNull()
    for (let i = 0; i < 5; i++) peak = Math.max(peak, await gauge('ccscope_inflight_bytes'))
    expect(peak).toBeLessThanOrEqual(PER_ADDRESS + streams * 16 * 1024 + 64 * 1024)
    expect(await gauge('ccscope_inflight_bytes_peak')).toBeLessThanOrEqual(BUDGET)

    const statuses = await within(stalled.statuses, TIMEOUTS.request + 5000, [])
    expect(statuses.map((s) => s.code)).toEqual(Array(streams).fill(grpc.status.DEADLINE_EXCEEDED))
    const closed = await within(stalled.closed, TIMEOUTS.request + 5000, undefined)
    stalled.stop()
    expect(closed?.openMs).toBeLessThan(TIMEOUTS.request + 2500)
    expect(await gauge('ccscope_inflight_bytes')).toBe(0)
  }, 30_000)

  it('closes connections that never finish their preface after the headers timeout', async () => {
    const half = Array.from({ length: 5 }, () => halfOpenGrpc(cc.ports.otlpGrpc, '127.0.0.4'))
    const closed = await within(Promise.all(half.map((h) => h.closed)), TIMEOUTS.headers + 5000, [])
    for (const h of half) h.stop()
    expect(closed).toHaveLength(5)
    for (const c of closed) expect(c.openMs).toBeLessThan(TIMEOUTS.headers + 1000)
    expect(await normalCall('calm-2')).toBeNull()
  })
})
