import net from 'node:net'
import * as grpc from '@grpc/grpc-js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestCcscope, type TestCcscope } from './helpers/ccscope'
import { halfOpenGrpc, slowHttp, type HostileConnection } from './helpers/hostile-clients'
import { apiRequest, events, postJson } from './helpers/otlp-factory'

/**
 * Slow and piled-up connections on every port: slow-loris clients on the API port are cut like on the
 * OTLP/HTTP port, each port takes at most CCSCOPE_MAX_CONNECTIONS_PER_ADDRESS connections from one address
 * (the rest are closed on arrival) while other addresses are served, and a slow sender that announces a
 * large body holds only what it has sent of the in-flight budget.
 */

const TIMEOUTS = { headers: 1000, request: 2500, idle: 2000 }
const PER_ADDRESS = 8

function within<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  return Promise.race([promise, new Promise<T>((resolve) => setTimeout(() => resolve(fallback), ms))])
}

/** Resolves once the socket is connected, or closed first. */
function connected(from: string, port: number): Promise<net.Socket> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1', localAddress: from })
    socket.on('error', () => undefined)
    socket.resume()
    socket.once('connect', () => resolve(socket))
    socket.once('close', () => resolve(socket))
  })
}

describe('every port under slow and piled-up connections', () => {
  let cc: TestCcscope
  beforeAll(async () => {
    cc = await startTestCcscope({
      CCSCOPE_HEADERS_TIMEOUT_MS: String(TIMEOUTS.headers),
      CCSCOPE_REQUEST_TIMEOUT_MS: String(TIMEOUTS.request),
      CCSCOPE_IDLE_TIMEOUT_MS: String(TIMEOUTS.idle),
      CCSCOPE_MAX_CONNECTIONS_PER_ADDRESS: String(PER_ADDRESS),
    })
  })
  afterAll(async () => {
    await cc?.stop()
  })

  it('the API port cuts idle, slow-header and slow-body connections within its timeouts, and serves others meanwhile', async () => {
    const port = cc.ports.api
    const hostile: HostileConnection[] = []
    for (const kind of ['idle', 'headers', 'body'] as const)
      for (let i = 0; i < 2; i++) hostile.push(slowHttp({ port, from: '127.0.0.2', kind, path: '/api/v1/auth/login', headers: { 'x-requested-with': 't' } }))
    for (let i = 0; i < 10; i++) expect((await fetch(`${cc.apiUrl}/healthz`)).status).toBe(200)
    const closed = await within(Promise.all(hostile.map((h) => h.closed)), TIMEOUTS.request + 5000, [])
    for (const h of hostile) h.stop()
    expect(closed).toHaveLength(6)
    for (const c of closed) {
      const limit = c.kind === 'body' ? TIMEOUTS.request : TIMEOUTS.headers
      expect(c.openMs, `${c.kind}: ${c.answer}`).toBeLessThan(limit + 1500)
    }
  })

  it('each port closes connections past the per-address cap on arrival, and serves other addresses', async () => {
    const ports = { otlpHttp: cc.ports.otlpHttp, api: cc.ports.api, otlpGrpc: cc.ports.otlpGrpc }
    for (const [name, port] of Object.entries(ports)) {
      const from = name === 'otlpHttp' ? '127.0.0.3' : name === 'api' ? '127.0.0.4' : '127.0.0.5'
      const held = await Promise.all(Array.from({ length: PER_ADDRESS }, () => connected(from, port)))
      const started = Date.now()
      const extra = await connected(from, port)
      await new Promise<void>((resolve) => (extra.destroyed ? resolve() : extra.once('close', () => resolve())))
      // Closed at once, long before any timeout, while the first ones are still open.
      expect(Date.now() - started, name).toBeLessThan(TIMEOUTS.headers / 2)
      expect(
        held.filter((s) => !s.destroyed),
        name,
      ).toHaveLength(PER_ADDRESS)
      for (const s of held) s.destroy()
    }
    // Another address is served on each port meanwhile.
    const half = Array.from({ length: PER_ADDRESS }, () => halfOpenGrpc(cc.ports.otlpGrpc, '127.0.0.6'))
    const body = events({ user: 'calm@example.com', session: 'calm-http' }, [apiRequest(Date.now() - 1000, 0.01)])
    expect((await postJson(cc.otlpUrl, '/v1/logs', body)).status).toBe(200)
    expect((await fetch(`${cc.apiUrl}/healthz`)).status).toBe(200)
    const client = new grpc.Client(`127.0.0.1:${cc.ports.otlpGrpc}`, grpc.credentials.createInsecure())
    const ready = await new Promise<Error | undefined>((resolve) => client.waitForReady(Date.now() + 5000, (e) => resolve(e)))
    client.close()
    for (const h of half) h.stop()
    expect(ready).toBeUndefined()
  })
})

describe('a slow sender', () => {
  const BUDGET = 1024 * 1024
  let cc: TestCcscope
  beforeAll(async () => {
    cc = await startTestCcscope({
      CCSCOPE_MAX_INFLIGHT_BYTES: String(BUDGET),
      CCSCOPE_MAX_INFLIGHT_BYTES_PER_ADDRESS: '0',
      CCSCOPE_REQUEST_TIMEOUT_MS: '8000',
    })
  })
  afterAll(async () => {
    await cc?.stop()
  })

  it('announcing a large body and trickling it holds what it has sent, so that fair senders keep being served', async () => {
    // 205 kB of JSON announced: decoded, it would hold the whole budget but 7 kB, less than a fair request needs.
    const slow = slowHttp({ port: cc.ports.otlpHttp, from: '127.0.0.2', kind: 'slow-sender', contentLength: 205_000, bytesPerTick: 10, tickMs: 50 })
    // The fair senders come once the slow one is admitted and holds its share of the budget.
    await expect.poll(async () => (await cc.metrics.inflight.get()).values[0]?.value ?? 0).toBeGreaterThan(0)
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        postJson(cc.otlpUrl, '/v1/logs', events({ user: 'fair@example.com', session: `fair-${i}` }, [apiRequest(Date.now() - 1000 - i, 0.01)])).then(
          (r) => r.status,
        ),
      ),
    )
    // Had the slow sender held what it announced, each would have waited for room in vain, then got a 429.
    expect(answers).toEqual(Array(10).fill(200))
    // The slow sender itself is cut at the request timeout.
    const closed = await within(slow.closed, 12_000, undefined)
    slow.stop()
    expect(closed?.answer).toMatch(/408|^$/)
  }, 30_000)
})
