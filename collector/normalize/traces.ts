import type { ExportTraceRequest, Span } from '../../schemas/otlp'
import type { SpanRow } from '../../warehouse/rows'
import { attributesToMap } from './attributes'
import {
  contentId,
  isRejection,
  markReceiveTime,
  nanosString,
  nanosToDateTime,
  recordTime,
  scopeColumns,
  scopeContext,
  secondaryTime,
  windowPosition,
  type NormalizeLimits,
  type Normalized,
  type Rejection,
  type ScopeContext,
} from './common'
import { resolveIdentity } from './identity'

const KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer']
const STATUS = ['unset', 'ok', 'error']

function enumName(value: number | string | null | undefined, names: string[], prefix: string): string {
  if (typeof value === 'number') return names[value] ?? String(value)
  if (typeof value === 'string') return value.replace(prefix, '').toLowerCase()
  return names[0] ?? ''
}

function normalizeSpan(span: Span, ctx: ScopeContext, limits: NormalizeLimits): SpanRow | Rejection {
  const time = recordTime([span.startTimeUnixNano], limits)
  if (isRejection(time)) return time
  const end = nanosString(span.endTimeUnixNano)
  if (end !== '0' && windowPosition(end, limits) !== 'inside' && !(end.length <= 20 && BigInt(end) < BigInt(time.nanos)))
    return { reason: 'timestamp_in_future', detail: `span end time ${end} is past the accepted window` }
  // An end before the start (a clock step) is kept as sent, with a zero duration.
  const endNanos = end === '0' ? time.nanos : end
  const duration = BigInt(endNanos) - BigInt(time.nanos)
  const attributes = attributesToMap(span.attributes)
  const traceId = (span.traceId ?? '').toLowerCase()
  const spanId = (span.spanId ?? '').toLowerCase()
  const events = span.events ?? []
  const links = span.links ?? []
  return markReceiveTime(
    {
      // A span without a start (and so without an end) has no time in its id: see RecordTime.identity.
      id: contentId(ctx.key, traceId, spanId, time.identity, end === '0' ? time.identity : endNanos, span.name ?? ''),
      trace_id: traceId,
      span_id: spanId,
      parent_span_id: (span.parentSpanId ?? '').toLowerCase(),
      trace_state: span.traceState ?? '',
      name: span.name ?? '',
      kind: enumName(span.kind, KINDS, 'SPAN_KIND_'),
      start_timestamp: nanosToDateTime(time.nanos),
      end_timestamp: nanosToDateTime(endNanos),
      duration_ns: (duration > 0n ? duration : 0n).toString(),
      status_code: enumName(span.status?.code, STATUS, 'STATUS_CODE_'),
      status_message: span.status?.message ?? '',
      ...resolveIdentity(attributes, ctx.resource),
      model: attributes['model'] ?? attributes['gen_ai.request.model'] ?? '',
      tool_name: attributes['tool_name'] ?? attributes['gen_ai.tool.name'] ?? '',
      decision: attributes['decision'] ?? '',
      source: attributes['source'] ?? '',
      attributes,
      ...scopeColumns(ctx),
      'events.timestamp': events.map((e) => nanosToDateTime(secondaryTime(e.timeUnixNano, time.nanos, limits))),
      'events.name': events.map((e) => e.name ?? ''),
      'events.attributes': events.map((e) => attributesToMap(e.attributes)),
      'links.trace_id': links.map((l) => (l.traceId ?? '').toLowerCase()),
      'links.span_id': links.map((l) => (l.spanId ?? '').toLowerCase()),
      'links.attributes': links.map((l) => attributesToMap(l.attributes)),
    },
    time,
  )
}

/** OTLP traces → one row per span, and the spans refused, with reasons. */
export function normalizeTraces(request: ExportTraceRequest, limits: NormalizeLimits): Normalized<SpanRow> {
  const out: Normalized<SpanRow> = { rows: [], rejected: [] }
  for (const rs of request.resourceSpans ?? []) {
    for (const ss of rs.scopeSpans ?? []) {
      const ctx = scopeContext(rs.resource, ss.scope)
      for (const span of ss.spans ?? []) {
        const row = normalizeSpan(span, ctx, limits)
        if (isRejection(row)) out.rejected.push(row)
        else out.rows.push(row)
      }
    }
  }
  return out
}
