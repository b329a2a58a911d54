import zlib from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestCcscope, type TestCcscope } from './helpers/ccscope'
import { loadFixture } from './helpers/fixtures'
import { apiRequest, events, postJson } from './helpers/otlp-factory'

/** Bad input gets its status and a short reason; the server stays up and keeps what it accepted. */
let cc: TestCcscope
const TOKEN = 'secret-token'
const auth = { authorization: `Bearer ${TOKEN}` }

beforeAll(async () => {
  cc = await startTestCcscope({
    CCSCOPE_INGEST_TOKENS: TOKEN,
    CCSCOPE_MAX_BODY_BYTES: String(256 * 1024),
    CCSCOPE_MAX_DECOMPRESSED_BYTES: String(1024 * 1024),
    CCSCOPE_MAX_RECORD_AGE_DAYS: '30',
  })
})
afterAll(async () => {
  await cc?.stop()
})

const post = (path: string, body: Uint8Array | string, headers: Record<string, string>) =>
  fetch(`${cc.otlpUrl}${path}`, {
    method: 'POST',
    headers: { ...auth, ...headers },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  })

const protoLogs = () => {
  const request = loadFixture('http-protobuf-delta').find((r) => r.signal === 'logs')
  if (!request) throw new Error('fixture without logs')
  return request.body
}

async function stillUp() {
  expect((await fetch(`${cc.apiUrl}/readyz`)).status).toBe(200)
  const ok = await postJson(cc.otlpUrl, '/v1/logs', events({ user: 'ok@x', session: 'ok' }, [apiRequest(Date.now() - 1000, 0.01)]), auth)
  expect(ok.status).toBe(200)
}

describe('bad input', () => {
  it('truncated protobuf → 400 with a protobuf Status body', async () => {
    const body = protoLogs()
    const res = await post('/v1/logs', body.subarray(0, Math.floor(body.length / 2)), { 'content-type': 'application/x-protobuf' })
    expect(res.status).toBe(400)
    expect(res.headers.get('content-type')).toContain('application/x-protobuf')
    const bytes = new Uint8Array(await res.arrayBuffer())
    expect(Buffer.from(bytes).toString('utf8')).toContain('invalid OTLP protobuf')
    await stillUp()
  })

  it('invalid JSON → 400 naming the problem', async () => {
    const res = await post('/v1/logs', '{"resourceLogs": [', { 'content-type': 'application/json' })
    expect(res.status).toBe(400)
    expect(((await res.json()) as { message: string }).message).toMatch(/^invalid JSON/)
  })

  it('wrong types → 400 naming the field', async () => {
    const res = await post(
      '/v1/metrics',
      JSON.stringify({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'x', sum: { dataPoints: [{ asDouble: { oops: 1 } }] } }] }] }] }),
      {
        'content-type': 'application/json',
      },
    )
    expect(res.status).toBe(400)
    expect(((await res.json()) as { message: string }).message).toContain('resourceMetrics[0].scopeMetrics[0].metrics[0].sum.dataPoints[0].asDouble')
    const res2 = await post('/v1/logs', JSON.stringify({ resourceLogs: 'nope' }), { 'content-type': 'application/json' })
    expect(res2.status).toBe(400)
  })

  it('a body over the limit → 413', async () => {
    const res = await post('/v1/logs', Buffer.alloc(300 * 1024, 0x20), { 'content-type': 'application/json' })
    expect(res.status).toBe(413)
    await stillUp()
  })

  it('a gzip bomb → 413, without inflating it', async () => {
    const bomb = zlib.gzipSync(Buffer.alloc(50 * 1024 * 1024, 0x20))
    expect(bomb.length).toBeLessThan(256 * 1024)
    const res = await post('/v1/logs', bomb, { 'content-type': 'application/json', 'content-encoding': 'gzip' })
    expect(res.status).toBe(413)
    expect(((await res.json()) as { message: string }).message).toMatch(/inflates past/)
    await stillUp()
  })

  it('gzip-encoded valid bodies are accepted', async () => {
    const res = await post('/v1/logs', zlib.gzipSync(protoLogs()), { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' })
    expect(res.status).toBe(200)
  })

  it('an unknown content type or encoding → 415', async () => {
    expect((await post('/v1/logs', 'hello', { 'content-type': 'text/plain' })).status).toBe(415)
    expect((await post('/v1/logs', '{}', { 'content-type': 'application/json', 'content-encoding': 'br' })).status).toBe(415)
  })

  it('a missing or wrong token → 401, checked before the body is read', async () => {
    const noToken = await fetch(`${cc.otlpUrl}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
    expect(noToken.status).toBe(401)
    expect(noToken.headers.get('www-authenticate')).toBe('Bearer')
    const wrong = await fetch(`${cc.otlpUrl}/v1/metrics`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', authorization: 'Bearer nope' },
      body: new Uint8Array(0),
    })
    expect(wrong.status).toBe(401)
    expect(wrong.headers.get('content-type')).toContain('application/x-protobuf')
  })

  it('records it cannot use are refused one by one: partial success, counted by reason', async () => {
    const now = Date.now()
    const body = events({ user: 'partial@x', session: 'partial' }, [
      apiRequest(now - 1000, 0.5),
      apiRequest(now - 365 * 86_400_000, 0.5), // older than the 30-day window configured here
      { ...apiRequest(now - 2000, 0.5), attributes: { cost_usd: -3, model: 'm' } }, // a negative cost
    ])
    const res = await postJson(cc.otlpUrl, '/v1/logs', body, auth)
    expect(res.status).toBe(200)
    const json = (await res.json()) as { partialSuccess: { rejectedLogRecords: number; errorMessage: string } }
    expect(json.partialSuccess.rejectedLogRecords).toBe(2)
    expect(json.partialSuccess.errorMessage).toMatch(/timestamp_too_old/)
    expect(json.partialSuccess.errorMessage).toMatch(/value_invalid/)

    const s = await cc.summary({ from: new Date(now - 3600_000), to: new Date(now + 1000) })
    expect(s.users).toBeGreaterThanOrEqual(1)
    const metrics = await (await fetch(`${cc.apiUrl}/metrics`)).text()
    expect(metrics).toMatch(/ccscope_records_rejected_total\{signal="logs",reason="timestamp_too_old"\} 1/)
    expect(metrics).toMatch(/ccscope_records_rejected_total\{signal="logs",reason="value_invalid"\} 1/)
    expect(metrics).toMatch(/ccscope_otlp_requests_refused_total\{signal="logs",reason="unauthenticated"\} \d/)
    expect(metrics).toMatch(/ccscope_otlp_requests_refused_total\{signal="logs",reason="decompressed_too_large"\} 1/)
  })

  it('unknown paths → 404 with a hint', async () => {
    const res = await fetch(`${cc.otlpUrl}/v1/profiles`, { method: 'POST', headers: auth, body: '{}' })
    expect(res.status).toBe(404)
  })
})
