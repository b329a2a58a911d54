import { monitorEventLoopDelay } from 'node:perf_hooks'
import * as grpc from '@grpc/grpc-js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_REQUEST_LIMITS } from '../collector/limits'
import { decodeBody } from '../collector/otlp/decode'
import { grpcServices } from '../collector/otlp/proto'
import { scanWire } from '../collector/otlp/wire-scan'
import { startTestCcscope, type TestCcscope } from './helpers/ccscope'
import { FIXTURE_FOLDERS, loadFixture } from './helpers/fixtures'
import { manyAttributes, manyAttributesWire } from './fuzz/cases'
import { encodeProtobuf } from './fuzz/seeds'

/**
 * The work one request may cost the event loop every request shares is bounded: a request with more
 * attributes (or records) than the limits is refused whole (413 / INVALID_ARGUMENT) before it is
 * decoded, and while it is refused the event loop keeps turning.
 */

/** Records and attributes of a decoded request, counted the way the wire scan counts them. */
function decodedCounts(request: unknown): { records: number; attributes: number } {
  const counts = { records: 0, attributes: 0 }
  const walk = (node: unknown, key: string): void => {
    if (Array.isArray(node)) {
      if (['logRecords', 'dataPoints', 'spans'].includes(key)) counts.records += node.length
      if (['attributes', 'values', 'events', 'links', 'metadata', 'filteredAttributes'].includes(key)) counts.attributes += node.length
      for (const item of node) walk(item, '')
    } else if (node && typeof node === 'object') for (const [k, v] of Object.entries(node)) walk(v, k)
  }
  walk(request, '')
  return counts
}

describe('the wire scan', () => {
  it('counts what protobufjs decodes, on every real Claude Code capture', () => {
    let compared = 0
    for (const folder of FIXTURE_FOLDERS)
      for (const request of loadFixture(folder)) {
        const bytes = request.headers['content-type']?.includes('protobuf')
          ? request.body
          : encodeProtobuf(request.signal, JSON.parse(request.body.toString('utf8')))
        const decoded = decodeBody(request.signal, 'protobuf', bytes).request
        expect(scanWire(request.signal, bytes, DEFAULT_REQUEST_LIMITS), `${folder}/${request.name}`).toEqual(decodedCounts(decoded))
        compared++
      }
    expect(compared).toBeGreaterThan(10)
  })

  it('counts span events and links, exemplars and nested values too', () => {
    const traces = {
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                {
                  name: 's',
                  attributes: [
                    { key: 'a', value: { kvlistValue: { values: [{ key: 'b', value: { arrayValue: { values: [{ intValue: 1 }, { intValue: 2 }] } } }] } } },
                  ],
                  events: [{ name: 'e', attributes: [{ key: 'x', value: { intValue: 1 } }] }],
                  links: [{ traceId: 'AAAAAAAAAAAAAAAAAAAAAA==', spanId: 'AAAAAAAAAAA=', attributes: [{ key: 'y', value: { intValue: 1 } }] }],
                },
              ],
            },
          ],
        },
      ],
    }
    const metrics = {
      resourceMetrics: [
        {
          scopeMetrics: [
            {
              metrics: [
                {
                  name: 'm',
                  histogram: {
                    dataPoints: [
                      { attributes: [{ key: 'k', value: { intValue: 1 } }], exemplars: [{ filteredAttributes: [{ key: 'f', value: { intValue: 1 } }] }] },
                    ],
                  },
                },
              ],
            },
          ],
        },
      ],
    }
    expect(scanWire('traces', encodeProtobuf('traces', traces), DEFAULT_REQUEST_LIMITS)).toEqual({ records: 1, attributes: 8 })
    expect(scanWire('metrics', encodeProtobuf('metrics', metrics), DEFAULT_REQUEST_LIMITS)).toEqual({ records: 1, attributes: 2 })
  })
})

describe('a request past the attribute limit', () => {
  let cc: TestCcscope
  beforeAll(async () => {
    cc = await startTestCcscope()
  })
  afterAll(async () => {
    await cc?.stop()
  })

  /** Runs `send` while measuring the event loop's longest stall. */
  async function stallWhile<T>(send: () => Promise<T>): Promise<{ answer: T; maxStallMs: number }> {
    const histogram = monitorEventLoopDelay({ resolution: 10 })
    histogram.enable()
    const answer = await send()
    histogram.disable()
    return { answer, maxStallMs: histogram.max / 1e6 }
  }

  it('a million attributes over OTLP/HTTP protobuf: 413 before decoding, the event loop never stalls', async () => {
    const body = manyAttributesWire(1_000_000)
    const { answer, maxStallMs } = await stallWhile(async () => {
      const res = await fetch(`${cc.otlpUrl}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: new Uint8Array(body) })
      await res.arrayBuffer()
      return res.status
    })
    expect(answer).toBe(413)
    expect(maxStallMs).toBeLessThan(500)
  })

  it('a million attributes over OTLP/gRPC: INVALID_ARGUMENT before decoding, the event loop never stalls', async () => {
    const body = manyAttributesWire(1_000_000)
    const client = new grpc.Client(`127.0.0.1:${cc.ports.otlpGrpc}`, grpc.credentials.createInsecure())
    const { answer, maxStallMs } = await stallWhile(
      () =>
        new Promise<grpc.ServiceError | null>((resolve) =>
          client.makeUnaryRequest(
            grpcServices.logs.path,
            (b: Buffer) => b,
            (b: Buffer) => b,
            body,
            (e) => resolve(e),
          ),
        ),
    )
    client.close()
    expect(answer?.code).toBe(grpc.status.INVALID_ARGUMENT)
    expect(answer?.details).toMatch(/more than 200000 attributes/)
    expect(maxStallMs).toBeLessThan(500)
  })

  it('350 000 attributes over OTLP/HTTP JSON: 413, refused as soon as they are counted', async () => {
    const body = JSON.stringify(manyAttributes(350_000))
    const { answer, maxStallMs } = await stallWhile(async () => {
      const res = await fetch(`${cc.otlpUrl}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
      return { status: res.status, message: ((await res.json()) as { message: string }).message }
    })
    expect(answer.status).toBe(413)
    expect(answer.message).toMatch(/more than 200000 attributes/)
    // JSON.parse of the 9 MB body is the stall left (no scan can run before it): about 0.5 s alone, more
    // on a machine the other test files share.
    expect(maxStallMs).toBeLessThan(2000)
  })
})
