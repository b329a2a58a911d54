import protobuf from 'protobufjs'
import type { Signal } from '../../schemas/otlp'
import { DecodeError } from './decode-error'

/**
 * Counts the records (log records, data points, spans) and the attributes (every KeyValue and array
 * element, span events and links included) of an OTLP protobuf request from its wire bytes, without
 * decoding it, and refuses it (413) as soon as a count passes its limit. Decoding a request costs
 * about a microsecond per attribute on the event loop that every other request shares (a million
 * attributes froze it for seconds); this scan only reads tags and lengths, and stops at the limit.
 *
 * The table below is the message structure of opentelemetry-proto v1 (common, resource, logs, metrics,
 * trace), restricted to the fields that hold messages: field number → the message it holds, and
 * whether each occurrence is a record or an attribute. test/limits.test.ts checks the scan's counts
 * against protobufjs's decoding of the real Claude Code captures.
 */

type Kind = 'record' | 'attribute' | undefined
type Fields = Record<number, [message: string, kind: Kind]>

const EXEMPLARS: [string, Kind] = ['Exemplar', undefined]
const MESSAGES: Record<string, Fields> = {
  ExportLogsServiceRequest: { 1: ['ResourceLogs', undefined] },
  ExportMetricsServiceRequest: { 1: ['ResourceMetrics', undefined] },
  ExportTraceServiceRequest: { 1: ['ResourceSpans', undefined] },
  Resource: { 1: ['KeyValue', 'attribute'] },
  InstrumentationScope: { 3: ['KeyValue', 'attribute'] },
  KeyValue: { 2: ['AnyValue', undefined] },
  AnyValue: { 5: ['ArrayValue', undefined], 6: ['KeyValueList', undefined] },
  ArrayValue: { 1: ['AnyValue', 'attribute'] },
  KeyValueList: { 1: ['KeyValue', 'attribute'] },
  ResourceLogs: { 1: ['Resource', undefined], 2: ['ScopeLogs', undefined] },
  ScopeLogs: { 1: ['InstrumentationScope', undefined], 2: ['LogRecord', 'record'] },
  LogRecord: { 5: ['AnyValue', undefined], 6: ['KeyValue', 'attribute'] },
  ResourceMetrics: { 1: ['Resource', undefined], 2: ['ScopeMetrics', undefined] },
  ScopeMetrics: { 1: ['InstrumentationScope', undefined], 2: ['Metric', undefined] },
  Metric: {
    5: ['Gauge', undefined],
    7: ['Sum', undefined],
    9: ['Histogram', undefined],
    10: ['ExponentialHistogram', undefined],
    11: ['Summary', undefined],
    12: ['KeyValue', 'attribute'],
  },
  Gauge: { 1: ['NumberDataPoint', 'record'] },
  Sum: { 1: ['NumberDataPoint', 'record'] },
  Histogram: { 1: ['HistogramDataPoint', 'record'] },
  ExponentialHistogram: { 1: ['ExponentialHistogramDataPoint', 'record'] },
  Summary: { 1: ['SummaryDataPoint', 'record'] },
  NumberDataPoint: { 7: ['KeyValue', 'attribute'], 5: EXEMPLARS },
  HistogramDataPoint: { 9: ['KeyValue', 'attribute'], 8: EXEMPLARS },
  ExponentialHistogramDataPoint: { 1: ['KeyValue', 'attribute'], 11: EXEMPLARS },
  SummaryDataPoint: { 7: ['KeyValue', 'attribute'] },
  Exemplar: { 7: ['KeyValue', 'attribute'] },
  ResourceSpans: { 1: ['Resource', undefined], 2: ['ScopeSpans', undefined] },
  ScopeSpans: { 1: ['InstrumentationScope', undefined], 2: ['Span', 'record'] },
  Span: { 9: ['KeyValue', 'attribute'], 11: ['SpanEvent', 'attribute'], 13: ['SpanLink', 'attribute'] },
  SpanEvent: { 3: ['KeyValue', 'attribute'] },
  SpanLink: { 4: ['KeyValue', 'attribute'] },
}

const ROOT: Record<Signal, string> = { logs: 'ExportLogsServiceRequest', metrics: 'ExportMetricsServiceRequest', traces: 'ExportTraceServiceRequest' }

export interface WireLimits {
  maxRecordsPerRequest: number
  maxAttributesPerRequest: number
}

export interface WireCounts {
  records: number
  attributes: number
}

/** Length-delimited wire type (RFC: protobuf encoding). */
const LEN = 2

/**
 * The request's counts; a DecodeError 413 when one passes its limit (the scan stops there), 400 when the
 * bytes are not protobuf. Iterative: any nesting is scanned without deepening the stack.
 */
export function scanWire(signal: Signal, bytes: Uint8Array, limits: WireLimits): WireCounts {
  const counts: WireCounts = { records: 0, attributes: 0 }
  const reader = protobuf.Reader.create(bytes)
  const stack: Array<{ fields: Fields; end: number }> = [{ fields: MESSAGES[ROOT[signal]] ?? {}, end: bytes.length }]
  try {
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!
      if (reader.pos >= top.end) {
        stack.pop()
        continue
      }
      const tag = reader.uint32()
      const wire = tag & 7
      const field = wire === LEN ? top.fields[tag >>> 3] : undefined
      if (!field) {
        reader.skipType(wire)
        continue
      }
      const length = reader.uint32()
      const end = reader.pos + length
      if (end > top.end) throw new RangeError('length past the end of its message')
      const [message, kind] = field
      if (kind === 'record' && ++counts.records > limits.maxRecordsPerRequest)
        throw new DecodeError(
          413,
          `request holds more than ${limits.maxRecordsPerRequest} records (log records, data points and spans); send smaller batches`,
          'too_many_records',
        )
      if (kind === 'attribute' && ++counts.attributes > limits.maxAttributesPerRequest)
        throw new DecodeError(
          413,
          `request holds more than ${limits.maxAttributesPerRequest} attributes (array and map elements, span events and links included); send smaller batches`,
          'too_many_attributes',
        )
      stack.push({ fields: MESSAGES[message] ?? {}, end })
    }
  } catch (error) {
    if (error instanceof DecodeError) throw error
    throw new DecodeError(400, `invalid OTLP protobuf: ${(error as Error).message}`, 'invalid_protobuf')
  }
  return counts
}
