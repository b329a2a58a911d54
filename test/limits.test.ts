import net from 'node:net'
import * as grpc from '@grpc/grpc-js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { grpcServices } from '../collector/otlp/proto'
import { startTestCcscope, type TestCcscope } from './helpers/ccscope'
import { apiRequest, events, ns } from './helpers/otlp-factory'
import { encodeProtobuf } from './fuzz/seeds'

/** The request limits and the request timeout against a running ccscope (the limits and the value rules of normalization on their own: test/limits-units.test.ts). */

function nested(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = { stringValue: 'bottom' }
  for (let i = 0; i < depth; i++) value = { arrayValue: { values: [value] } }
  return value
}

describe('limits and timeouts against a running ccscope', () => {
  let cc: TestCcscope
  const TIMEOUT_MS = 1500
  beforeAll(async () => {
    cc = await startTestCcscope({
      CCSCOPE_MAX_RECORDS_PER_REQUEST: '10',
      CCSCOPE_MAX_ATTRIBUTES_PER_RECORD: '40',
      CCSCOPE_MAX_ATTRIBUTE_VALUE_BYTES: '1024',
      CCSCOPE_MAX_VALUE_DEPTH: '3',
      CCSCOPE_REQUEST_TIMEOUT_MS: String(TIMEOUT_MS),
    })
  })
  afterAll(async () => {
    await cc?.stop()
  })

  const postJson = (body: unknown) =>
    fetch(`${cc.otlpUrl}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })

  it('more records than CCSCOPE_MAX_RECORDS_PER_REQUEST: 413 over HTTP, INVALID_ARGUMENT over gRPC, nothing stored', async () => {
    const request = events(
      { user: 'many@x', session: 'many' },
      Array.from({ length: 11 }, (_, i) => apiRequest(Date.now() - 1000 - i, 0.01)),
    )
    const res = await postJson(request)
    expect(res.status).toBe(413)
    expect(((await res.json()) as { message: string }).message).toMatch(/more than 10 records/)
    const client = new grpc.Client(`127.0.0.1:${cc.ports.otlpGrpc}`, grpc.credentials.createInsecure())
    const error = await new Promise<grpc.ServiceError | null>((resolve) =>
      client.makeUnaryRequest(
        grpcServices.logs.path,
        (b: Buffer) => b,
        (b: Buffer) => b,
        encodeProtobuf('logs', request),
        (e) => resolve(e),
      ),
    )
    client.close()
    expect(error?.code).toBe(grpc.status.INVALID_ARGUMENT)
    expect((await cc.summary(undefined, { user: 'many@x' })).apiRequests).toBe(0)
    const ok = await postJson(
      events(
        { user: 'ten@x', session: 'ten' },
        Array.from({ length: 10 }, (_, i) => apiRequest(Date.now() - 1000 - i, 0.01)),
      ),
    )
    expect(ok.status).toBe(200)
  })

  it('attributes past the count, long strings, deep values: the record is stored cut, the response warns, the cut is counted', async () => {
    const many = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`extra.${String(i).padStart(2, '0')}`, i]))
    const request = events({ user: 'cut@x', session: 'cut' }, [
      { ...apiRequest(Date.now() - 1000, 0.25), attributes: { cost_usd: 0.25, note: 'p'.repeat(5000), ...many } },
    ])
    const attributes = request.resourceLogs?.[0]?.scopeLogs?.[0]?.logRecords?.[0]?.attributes
    attributes?.unshift({ key: 'nested', value: nested(6) as never })
    const res = await postJson(request)
    expect(res.status).toBe(200)
    const json = (await res.json()) as { partialSuccess: { rejectedLogRecords?: number; errorMessage: string } }
    expect(json.partialSuccess.rejectedLogRecords ?? 0).toBe(0)
    expect(json.partialSuccess.errorMessage).toMatch(/1 string\(s\) cut to 1024 bytes/)
    expect(json.partialSuccess.errorMessage).toMatch(/dropped past 40 per list/)
    expect(json.partialSuccess.errorMessage).toMatch(/nested deeper than 3 levels emptied/)
    await cc.writer.flush()
    const result = await cc.client.query({
      query:
        "SELECT length(mapKeys(attributes)) AS n, length(attributes['note']) AS note, attributes['nested'] AS nested, cost_usd FROM events WHERE user_key = 'cut@x'",
      format: 'JSONEachRow',
    })
    expect(await result.json()).toEqual([{ n: '40', note: '1024', nested: '[[[null]]]', cost_usd: 0.25 }])
    const metrics = await (await fetch(`${cc.apiUrl}/metrics`)).text()
    expect(metrics).toMatch(/ccscope_limits_applied_total\{signal="logs",limit="string_truncated"\} 1/)
    expect(metrics).toMatch(/ccscope_limits_applied_total\{signal="logs",limit="value_too_deep"\} 1/)
  })

  it('regressions: payloads that once answered 500, or made the warehouse refuse the whole batch (503 for every request in it)', async () => {
    const now = Date.now()
    const log = (extra: Record<string, unknown>, attributes: unknown[] = []) => ({
      resourceLogs: [
        {
          scopeLogs: [
            {
              logRecords: [
                {
                  timeUnixNano: ns(now - 1000),
                  body: { stringValue: 'claude_code.api_request' },
                  attributes: [{ key: 'event.name', value: { stringValue: 'api_request' } }, ...attributes],
                  ...extra,
                },
              ],
            },
          ],
        },
      ],
    })
    const sum = (point: Record<string, unknown>, name = 'm', isMonotonic = true) => ({
      resourceMetrics: [
        {
          scopeMetrics: [
            { metrics: [{ name, sum: { aggregationTemporality: 1, isMonotonic, dataPoints: [{ timeUnixNano: ns(now - 1000), asDouble: 1, ...point }] } }] },
          ],
        },
      ],
    })
    const deep = `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":${'{"arrayValue":{"values":['.repeat(3000)}{"stringValue":"x"}${']}}'.repeat(3000)}}]}]}]}`
    const bodies: Array<[string, string, string]> = [
      ['/v1/logs', 'fractional tokens', JSON.stringify(log({}, [{ key: 'input_tokens', value: { doubleValue: 1.5 } }]))],
      ['/v1/logs', 'event.sequence 1e300', JSON.stringify(log({}, [{ key: 'event.sequence', value: { doubleValue: 1e300 } }]))],
      ['/v1/logs', 'observed time past 2262', JSON.stringify(log({ observedTimeUnixNano: '18446744073709551615' }))],
      ['/v1/logs', 'lone surrogates', JSON.stringify(log({}, [{ key: 'model\ud800', value: { stringValue: 'a\udfff' } }]))],
      ['/v1/logs', 'nesting 3000 deep', deep],
      [
        '/v1/traces',
        'span end past 2262',
        JSON.stringify({
          resourceSpans: [
            {
              scopeSpans: [
                {
                  spans: [
                    {
                      name: 's',
                      startTimeUnixNano: ns(now - 1000),
                      endTimeUnixNano: '99999999999999999999',
                      events: [{ timeUnixNano: '99999999999999999999', name: 'e' }],
                    },
                  ],
                },
              ],
            },
          ],
        }),
      ],
      ['/v1/metrics', 'start time past 2262', JSON.stringify(sum({ startTimeUnixNano: '99999999999999999999' }))],
      ['/v1/metrics', 'negative non-monotonic cost', JSON.stringify(sum({ asDouble: -5 }, 'claude_code.cost.usage', false))],
    ]
    // Sent together with a valid request, so that a poisoned batch would fail it too.
    const valid = postJson(events({ user: 'neighbour@x', session: 'neighbour' }, [apiRequest(now - 1000, 0.01)]))
    const answers = await Promise.all(
      bodies.map(async ([path, what, body]) => {
        const res = await fetch(`${cc.otlpUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
        return `${what}: ${res.status}`
      }),
    )
    expect(answers).toEqual(bodies.map(([, what]) => `${what}: 200`))
    expect((await valid).status).toBe(200)
  })

  it('slow-loris clients and idle sockets are cut after CCSCOPE_REQUEST_TIMEOUT_MS while others are served', async () => {
    const { port } = new URL(cc.otlpUrl)
    const closed: Array<Promise<string>> = []
    const sockets: net.Socket[] = []
    const open = (kind: string, drip?: (socket: net.Socket, i: number) => string | undefined) => {
      const socket = net.connect(Number(port), '127.0.0.1')
      sockets.push(socket)
      let answer = ''
      socket.on('data', (d) => (answer += d.toString('latin1')))
      socket.on('error', () => undefined)
      let i = 0
      const timer = drip
        ? setInterval(() => {
            const chunk = drip(socket, i++)
            if (chunk !== undefined && !socket.destroyed) socket.write(chunk)
          }, 100)
        : undefined
      // Every one of these clients would take minutes to finish: only the server can end them.
      closed.push(
        new Promise((resolve) =>
          socket.on('close', () => {
            clearInterval(timer)
            resolve(`${kind}: ${answer.split('\r\n')[0] || 'closed'}`)
          }),
        ),
      )
    }
    // Host names this machine: ccscope runs without an ingest token here, and then takes telemetry from it only.
    const headers = `POST /v1/logs HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n`
    for (let n = 0; n < 10; n++) open('idle')
    for (let n = 0; n < 10; n++) open('headers', (_s, i) => (i < headers.length - 4 ? (headers[i] ?? '') : undefined)) // one byte per 100 ms
    for (let n = 0; n < 10; n++) open('body', (_s, i) => (i === 0 ? headers : '{')) // a 100 kB body, one byte per 100 ms
    // Meanwhile, ordinary clients are served.
    for (let n = 0; n < 20; n++) {
      const res = await postJson(events({ user: 'busy@x', session: `busy-${n}` }, [apiRequest(Date.now() - 1000, 0.01)]))
      expect(res.status).toBe(200)
    }
    // The test's own deadline is the hang detector: a slow client the server never cuts fails it.
    const outcomes = await Promise.all(closed)
    const kinds = new Set(outcomes.map((o) => o.replace(/^(\w+): .*/, '$1')))
    expect(kinds).toEqual(new Set(['idle', 'headers', 'body']))
    // A client that had sent its headers is told why (408) when the server can still say it.
    expect(outcomes.filter((o) => o.startsWith('body:')).every((o) => /408|closed/.test(o))).toBe(true)
    const res = await postJson(events({ user: 'after@x', session: 'after' }, [apiRequest(Date.now() - 1000, 0.01)]))
    expect(res.status).toBe(200)
  }, 60_000)

  it('idle connections to the gRPC port do not stop it serving', async () => {
    const idle = Array.from({ length: 30 }, () => {
      const socket = net.connect(cc.ports.otlpGrpc, '127.0.0.1')
      socket.on('error', () => undefined)
      socket.write('PRI * HTTP/2.0\r\n') // half a connection preface, then nothing
      return socket
    })
    const client = new grpc.Client(`127.0.0.1:${cc.ports.otlpGrpc}`, grpc.credentials.createInsecure())
    const body = encodeProtobuf('logs', events({ user: 'grpc@x', session: 'grpc' }, [apiRequest(Date.now() - 1000, 0.01)]))
    const error = await new Promise<grpc.ServiceError | null>((resolve) =>
      client.makeUnaryRequest(
        grpcServices.logs.path,
        (b: Buffer) => b,
        (b: Buffer) => b,
        body,
        { deadline: Date.now() + 20_000 },
        (e) => resolve(e),
      ),
    )
    client.close()
    for (const s of idle) s.destroy()
    expect(error).toBeNull()
  })
})
