import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startTestCcscope, type TestCcscope } from './helpers/ccscope'
import { apiRequest, events, postJson } from './helpers/otlp-factory'
import { defined } from './helpers/defined'

/**
 * ccscope traces itself when CCSCOPE_SELF_TRACES_ENDPOINT is set: its ingest, writes and warehouse reads arrive
 * as spans, through @opentelemetry/exporter-trace-otlp-http, at an OTLP/HTTP receiver (here a small one in the
 * test that keeps what it is sent).
 */
interface OtlpSpan {
  name: string
  attributes?: { key: string; value: { stringValue?: string; intValue?: string | number } }[]
}
interface OtlpTraces {
  resourceSpans?: { resource?: { attributes?: { key: string; value: { stringValue?: string } }[] }; scopeSpans?: { spans?: OtlpSpan[] }[] }[]
}

const received: OtlpTraces[] = []
const paths: string[] = []
let receiver: http.Server
let cc: TestCcscope
beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      paths.push(`${req.method} ${req.url} ${req.headers['content-type']}`)
      received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpTraces)
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    })
  })
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
  cc = await startTestCcscope({ CCSCOPE_SELF_TRACES_ENDPOINT: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}` })
}, 60_000)
afterAll(async () => {
  await cc?.stop()
  await new Promise((resolve) => receiver.close(resolve))
})

it('exports spans of its own ingest, writes and warehouse reads', async () => {
  const res = await postJson(cc.otlpUrl, '/v1/logs', events({ user: 'self@x', session: 'self-1' }, [apiRequest(Date.now() - 60_000, 0.5)]))
  expect(res.status).toBe(200)
  await cc.summary()
  // Stopping flushes the last batch of spans.
  await cc.stop()
  expect(paths.every((p) => p.startsWith('POST /v1/traces application/json'))).toBe(true)
  const resources = received.flatMap((r) => r.resourceSpans ?? [])
  expect(new Set(resources.map((r) => r.resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue))).toEqual(new Set(['ccscope']))
  const spans = resources.flatMap((r) => r.scopeSpans ?? []).flatMap((s) => s.spans ?? [])
  const attr = (s: OtlpSpan, key: string) => {
    const v = s.attributes?.find((a) => a.key === key)?.value
    return v?.stringValue ?? (v?.intValue !== undefined ? Number(v.intValue) : undefined)
  }
  expect(new Set(spans.map((s) => s.name))).toEqual(new Set(['ccscope.ingest', 'ccscope.write', 'ccscope.query']))
  const ingest = defined(spans.find((s) => s.name === 'ccscope.ingest'))
  expect([attr(ingest, 'otlp.signal'), attr(ingest, 'ccscope.received'), attr(ingest, 'ccscope.written')]).toEqual(['logs', 1, 1])
  expect(spans.some((s) => s.name === 'ccscope.write' && attr(s, 'ccscope.table') === 'events' && attr(s, 'ccscope.rows') === 1)).toBe(true)
  expect(spans.filter((s) => s.name === 'ccscope.query').every((s) => typeof attr(s, 'db.query.summary') === 'string')).toBe(true)
}, 60_000)
