import { DecodeError } from './otlp/decode-error'

/**
 * Per-request limits, applied to a decoded request before it is validated and normalized. They
 * follow the OpenTelemetry attribute-limit rules (common/#attribute-limits): attributes past the
 * count limit are dropped, over-long strings are truncated, values nested past the depth limit are
 * replaced by an empty value. The record itself is kept, and the response says what was cut (an
 * OTLP partial-success warning: nothing rejected, a non-empty message). A request carrying more
 * records or attributes than allowed is refused as a whole (413, never retried by a conforming
 * exporter): those two bound the work one request costs the event loop every request shares.
 */
export interface RequestLimits {
  /** Log records + data points + spans in one request. */
  maxRecordsPerRequest: number
  /** Attributes in one request, every list's elements counted before any is dropped: bounds the work one request costs. */
  maxAttributesPerRequest: number
  /** Attributes of one record, resource or scope; also events and links per span, elements per array or map value. */
  maxAttributesPerRecord: number
  /** Bytes (UTF-8) of any one string: attribute keys and values, bodies, names. */
  maxStringBytes: number
  /** Arrays and maps nested in one attribute value or body. */
  maxValueDepth: number
}

export const DEFAULT_REQUEST_LIMITS: RequestLimits = {
  maxRecordsPerRequest: 10_000,
  maxAttributesPerRequest: 200_000,
  maxAttributesPerRecord: 128,
  maxStringBytes: 64 * 1024,
  maxValueDepth: 32,
}

/** What the limits cut from an accepted request (all zero when nothing was). */
export interface LimitReport {
  records: number
  truncatedStrings: number
  droppedAttributes: number
  droppedValues: number
}

const RECORD_ARRAYS = new Set(['logRecords', 'dataPoints', 'spans'])
/** Lists whose entries are attributes or attribute-like elements, capped at maxAttributesPerRecord. */
const CAPPED_ARRAYS = new Set(['attributes', 'values', 'events', 'links'])
const NESTING_KEYS = new Set(['arrayValue', 'kvlistValue'])
// A lone surrogate cannot be written as UTF-8: the warehouse refuses the whole insert.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** The string as well-formed Unicode, cut to maxBytes of UTF-8 on a character boundary. */
export function limitString(value: string, maxBytes: number): { value: string; truncated: boolean } {
  if (value.length * 3 <= maxBytes && !LONE_SURROGATE.test(value)) return { value, truncated: false }
  const bytes = Buffer.from(value, 'utf8') // lone surrogates become U+FFFD
  if (bytes.length <= maxBytes) return { value: bytes.toString('utf8'), truncated: false }
  let end = maxBytes
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end-- // never cut a character in two
  return { value: bytes.subarray(0, end).toString('utf8'), truncated: true }
}

type Node = Record<string, unknown> | unknown[]

/**
 * Applies the limits to a decoded request in place (a JSON document before schema validation, or
 * the protobuf decoder's output). Iterative, so no input can exhaust the stack; linear in the
 * request's size. Throws a DecodeError (413) when the request holds too many records.
 */
export function applyRequestLimits(request: unknown, limits: RequestLimits): LimitReport {
  const report: LimitReport = { records: 0, truncatedStrings: 0, droppedAttributes: 0, droppedValues: 0 }
  let attributes = 0 // every list's elements, before any is dropped
  if (request === null || typeof request !== 'object') return report
  const stack: Array<{ node: Node; depth: number }> = [{ node: request as Node, depth: 0 }]
  const clean = (value: string): string => {
    const limited = limitString(value, limits.maxStringBytes)
    if (limited.truncated) report.truncatedStrings++
    return limited.value
  }
  while (stack.length > 0) {
    const { node, depth } = stack.pop() as { node: Node; depth: number }
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const item: unknown = node[i]
        if (typeof item === 'string') node[i] = clean(item)
        else if (item !== null && typeof item === 'object') stack.push({ node: item as Node, depth })
      }
      continue
    }
    for (const key of Object.keys(node)) {
      const value = node[key]
      if (typeof value === 'string') {
        node[key] = clean(value)
        continue
      }
      if (value === null || typeof value !== 'object') continue
      if (Array.isArray(value)) {
        if (RECORD_ARRAYS.has(key)) {
          report.records += value.length
          if (report.records > limits.maxRecordsPerRequest)
            throw new DecodeError(
              413,
              `request holds more than ${limits.maxRecordsPerRequest} records (log records, data points and spans); send smaller batches`,
              'too_many_records',
            )
        }
        if (CAPPED_ARRAYS.has(key)) {
          attributes += value.length
          if (attributes > limits.maxAttributesPerRequest)
            throw new DecodeError(
              413,
              `request holds more than ${limits.maxAttributesPerRequest} attributes (array and map elements, span events and links included); send smaller batches`,
              'too_many_attributes',
            )
        }
        if (CAPPED_ARRAYS.has(key) && value.length > limits.maxAttributesPerRecord) {
          report.droppedAttributes += value.length - limits.maxAttributesPerRecord
          value.length = limits.maxAttributesPerRecord
        }
        stack.push({ node: value, depth })
        continue
      }
      const inner = NESTING_KEYS.has(key) ? depth + 1 : depth
      if (inner > limits.maxValueDepth) {
        delete node[key] // the AnyValue becomes empty, as the OpenTelemetry depth limit says
        report.droppedValues++
        continue
      }
      stack.push({ node: value as Node, depth: inner })
    }
  }
  return report
}

/** "limits applied: 2 strings cut to 65536 bytes; 3 attributes dropped (…)", or '' when nothing was cut. */
export function describeLimits(report: LimitReport | undefined, limits: RequestLimits): string {
  if (!report) return ''
  const parts: string[] = []
  if (report.truncatedStrings > 0) parts.push(`${report.truncatedStrings} string(s) cut to ${limits.maxStringBytes} bytes`)
  if (report.droppedAttributes > 0) parts.push(`${report.droppedAttributes} attribute(s) or element(s) dropped past ${limits.maxAttributesPerRecord} per list`)
  if (report.droppedValues > 0) parts.push(`${report.droppedValues} value(s) nested deeper than ${limits.maxValueDepth} levels emptied`)
  return parts.length > 0 ? `limits applied: ${parts.join('; ')}` : ''
}
