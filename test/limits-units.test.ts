import { describe, expect, it } from 'vitest'
import { applyRequestLimits, DEFAULT_REQUEST_LIMITS, limitString, type RequestLimits } from '../collector/limits'
import { normalizeLogs } from '../collector/normalize/logs'
import { normalizeMetrics } from '../collector/normalize/metrics'
import { normalizeTraces } from '../collector/normalize/traces'
import { decodeBody, DecodeError } from '../collector/otlp/decode'
import type { ExportLogsRequest } from '../schemas/otlp'
import { FIXTURE_FOLDERS, loadFixture } from './helpers/fixtures'
import { apiRequest, attrs, events, ns } from './helpers/otlp-factory'
import { deepWire } from './fuzz/mutate-bytes'

/** The request limits (collector/limits.ts) and the value rules of normalization on their own; test/limits.test.ts checks them, and the request timeout, against a running ccscope. */

const SMALL: RequestLimits = { maxRecordsPerRequest: 10, maxAttributesPerRequest: 1000, maxAttributesPerRecord: 8, maxStringBytes: 64, maxValueDepth: 3 }
const window = { nowMs: Date.now(), maxRecordAgeMs: 86_400_000, maxClockSkewMs: 60_000 }

function oneRecord(attributes: ReturnType<typeof attrs>, body?: Record<string, unknown>): ExportLogsRequest {
  return { resourceLogs: [{ scopeLogs: [{ logRecords: [{ timeUnixNano: ns(window.nowMs - 1000), attributes, ...(body ? { body } : {}) }] }] }] }
}

function nested(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = { stringValue: 'bottom' }
  for (let i = 0; i < depth; i++) value = { arrayValue: { values: [value] } }
  return value
}

describe('request limits (unit)', () => {
  it('cuts strings to the byte limit on a character boundary and repairs lone surrogates', () => {
    expect(limitString('short', 64)).toEqual({ value: 'short', truncated: false })
    expect(limitString('é'.repeat(40), 64)).toEqual({ value: 'é'.repeat(32), truncated: true })
    expect(limitString('😀'.repeat(20), 63).value).toBe('😀'.repeat(15)) // 4-byte characters: 60 bytes kept
    expect(limitString('a\ud800b', 64)).toEqual({ value: 'a\ufffdb', truncated: false })
  })

  it('drops attributes past the count, cuts long values, empties values nested too deep', () => {
    const request = oneRecord(
      [...attrs(Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, i]))), { key: 'long', value: { stringValue: 'x'.repeat(500) } }],
      nested(5),
    )
    const report = applyRequestLimits(request, SMALL)
    expect(report).toEqual({ records: 1, truncatedStrings: 0, droppedAttributes: 13, droppedValues: 1 })
    const record = request.resourceLogs?.[0]?.scopeLogs?.[0]?.logRecords?.[0]
    expect(record?.attributes).toHaveLength(8)
    // three arrays deep are kept, the fourth is emptied
    expect(JSON.stringify(record?.body)).toBe(JSON.stringify({ arrayValue: { values: [{ arrayValue: { values: [{ arrayValue: { values: [{}] } }] } }] } }))
    const long = oneRecord([
      { key: 'long', value: { stringValue: 'x'.repeat(500) } },
      { key: 'k'.repeat(100), value: { stringValue: 'v' } },
    ])
    expect(applyRequestLimits(long, SMALL).truncatedStrings).toBe(2)
    const kvs = long.resourceLogs?.[0]?.scopeLogs?.[0]?.logRecords?.[0]?.attributes ?? []
    expect(kvs.map((kv) => [kv.key.length, kv.value?.stringValue?.length])).toEqual([
      [4, 64],
      [64, 1],
    ])
  })

  it('refuses a request with more records than allowed, as a whole: 413', () => {
    const request = events(
      { user: 'u', session: 's' },
      Array.from({ length: 11 }, (_, i) => apiRequest(window.nowMs - i, 0.01)),
    )
    expect(() => applyRequestLimits(request, SMALL)).toThrow(DecodeError)
    try {
      decodeBody('logs', 'json', Buffer.from(JSON.stringify(request)), SMALL)
    } catch (error) {
      expect(error).toMatchObject({ status: 413, reason: 'too_many_records' })
    }
  })

  it('decodes any nesting without exhausting the stack: JSON is cut, absurd protobuf nesting is a 400', () => {
    const deepJson = `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":${'{"arrayValue":{"values":['.repeat(100_000)}{"stringValue":"x"}${']}}'.repeat(100_000)}}]}]}]}`
    const batch = decodeBody('logs', 'json', Buffer.from(deepJson))
    expect(batch.limited?.report.droppedValues).toBe(1)
    expect(() => decodeBody('logs', 'protobuf', deepWire(50_000))).toThrow(/nested too deeply/)
    expect(decodeBody('logs', 'protobuf', deepWire(40)).limited?.report.droppedValues).toBe(1)
  })

  it('the defaults leave every real Claude Code request untouched', () => {
    for (const folder of FIXTURE_FOLDERS)
      for (const request of loadFixture(folder)) {
        const encoding = request.headers['content-type']?.includes('protobuf') ? 'protobuf' : 'json'
        const batch = decodeBody(request.signal, encoding, request.body, DEFAULT_REQUEST_LIMITS)
        expect(batch.limited?.message, `${folder}/${request.name}`).toBe('')
      }
  })
})

describe('values normalization refuses (unit)', () => {
  const usage = (extra: Record<string, string | number>) =>
    normalizeLogs(events({ user: 'u', session: 's' }, [{ ...apiRequest(window.nowMs - 1000, 0.5), attributes: { cost_usd: 0.5, ...extra } }]), window)

  it('api_request cost and tokens that are not bounded non-negative numbers (integers for tokens)', () => {
    expect(usage({}).rows).toHaveLength(1)
    const bads: Array<Record<string, string | number>> = [
      { input_tokens: 1.5 },
      { output_tokens: -3 },
      { cache_read_tokens: 1e300 },
      { cost_usd: 2e6 },
      { cost_usd_micros: -1 },
      { cost_usd: 'NaN' },
    ]
    for (const bad of bads) expect(usage(bad).rejected, JSON.stringify(bad)).toMatchObject([{ reason: 'value_invalid' }])
  })

  it('keeps descriptive numbers storable: event.sequence and duration_ms out of range become 0', () => {
    const row = usage({ 'event.sequence': 1e300, duration_ms: -5 }).rows[0]
    expect(row).toMatchObject({ event_sequence: 0, duration_ms: 0 })
  })

  it('replaces secondary times outside the window by the record time', () => {
    const request = events({ user: 'u', session: 's' }, [apiRequest(window.nowMs - 1000, 0.5)])
    const record = request.resourceLogs?.[0]?.scopeLogs?.[0]?.logRecords?.[0]
    if (record) record.observedTimeUnixNano = '99999999999999999999'
    const row = normalizeLogs(request, window).rows[0]
    expect(row?.observed_timestamp).toBe(row?.timestamp)
  })

  it('a Claude Code counter must be a non-negative monotonic sum; a start time after the time is refused', () => {
    const point = (name: string, monotonic: boolean, value: number, start = ns(window.nowMs - 2000)) =>
      normalizeMetrics(
        {
          resourceMetrics: [
            {
              scopeMetrics: [
                {
                  metrics: [
                    {
                      name,
                      sum: {
                        aggregationTemporality: 1,
                        isMonotonic: monotonic,
                        dataPoints: [{ startTimeUnixNano: start, timeUnixNano: ns(window.nowMs - 1000), asDouble: value }],
                      },
                    },
                  ],
                },
              ],
            },
          ],
        },
        window,
      )
    expect(point('claude_code.cost.usage', true, 0.5).rows).toHaveLength(1)
    expect(point('claude_code.cost.usage', false, 0.5).rejected).toMatchObject([{ reason: 'value_invalid' }])
    expect(point('claude_code.cost.usage', true, -0.5).rejected).toMatchObject([{ reason: 'value_invalid' }])
    expect(point('some.gauge.like.sum', false, -0.5).rows).toHaveLength(1)
    expect(point('some.sum', false, 1e300).rejected).toMatchObject([{ reason: 'value_invalid' }])
    expect(point('claude_code.cost.usage', true, 0.5, '99999999999999999999').rejected).toMatchObject([{ reason: 'timestamp_invalid' }])
  })

  it('a span ending past the window is refused; span event times outside it become the start', () => {
    const span = (end: string, eventTime: string) =>
      normalizeTraces(
        {
          resourceSpans: [
            {
              scopeSpans: [
                { spans: [{ name: 's', startTimeUnixNano: ns(window.nowMs - 1000), endTimeUnixNano: end, events: [{ name: 'e', timeUnixNano: eventTime }] }] },
              ],
            },
          ],
        },
        window,
      )
    expect(span('99999999999999999999', '0').rejected).toMatchObject([{ reason: 'timestamp_in_future' }])
    const row = span(ns(window.nowMs - 500), '18446744073709551615').rows[0]
    expect(row?.['events.timestamp']).toEqual([row?.start_timestamp])
  })
})
