import type { ExportLogsRequest, LogRecord } from '../../schemas/otlp'
import type { EventRow } from '../../warehouse/rows'
import { anyValueToString, attributesToMap, numberAttr, type AttributeMap } from './attributes'
import {
  contentId,
  isRejection,
  nanosString,
  nanosToDateTime,
  recordTime,
  scopeColumns,
  scopeContext,
  type NormalizeLimits,
  type Normalized,
  type Rejection,
  type ScopeContext,
} from './common'
import { lookup, resolveIdentity } from './identity'

const EVENT_PREFIX = 'claude_code.'

/** `event.name` (Claude Code sets it), else the LogRecord's event_name, else the body minus `claude_code.`. */
export function eventName(record: LogRecord, attributes: AttributeMap, body: string): string {
  const fromAttr = attributes['event.name'] || record.eventName || ''
  if (fromAttr) return fromAttr.startsWith(EVENT_PREFIX) ? fromAttr.slice(EVENT_PREFIX.length) : fromAttr
  return body.startsWith(EVENT_PREFIX) ? body.slice(EVENT_PREFIX.length) : ''
}

/** A non-negative finite number, or undefined when the attribute holds something else. */
function amount(attributes: AttributeMap, key: string): number | undefined {
  const raw = attributes[key]
  if (raw === undefined || raw === '') return 0
  const n = Number(raw)
  return Number.isFinite(n) && n >= 0 ? n : undefined
}

interface Usage {
  cost_usd: number
  input_tokens: number
  output_tokens: number
  cache_read_tokens: number
  cache_creation_tokens: number
}
const NO_USAGE: Usage = { cost_usd: 0, input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_creation_tokens: 0 }

/** Cost and tokens of an api_request event; cost_usd_micros (an exact integer) wins over cost_usd. */
function apiRequestUsage(attributes: AttributeMap): Usage | Rejection {
  const micros = attributes['cost_usd_micros'] !== undefined ? amount(attributes, 'cost_usd_micros') : undefined
  const cost = micros !== undefined ? micros / 1e6 : amount(attributes, 'cost_usd')
  const usage = {
    cost_usd: cost,
    input_tokens: amount(attributes, 'input_tokens'),
    output_tokens: amount(attributes, 'output_tokens'),
    cache_read_tokens: amount(attributes, 'cache_read_tokens'),
    cache_creation_tokens: amount(attributes, 'cache_creation_tokens'),
  }
  for (const [key, value] of Object.entries(usage)) {
    if (value === undefined)
      return { reason: 'value_invalid', detail: `api_request ${key} must be a non-negative number` }
  }
  return usage as Usage
}

function normalizeRecord(record: LogRecord, ctx: ScopeContext, limits: NormalizeLimits): EventRow | Rejection {
  const time = recordTime([record.timeUnixNano, record.observedTimeUnixNano], limits)
  if (isRejection(time)) return time
  const attributes = attributesToMap(record.attributes)
  const body = anyValueToString(record.body)
  const name = eventName(record, attributes, body)
  const usage = name === 'api_request' ? apiRequestUsage(attributes) : NO_USAGE
  if (isRejection(usage)) return usage
  const observed = nanosString(record.observedTimeUnixNano)
  const traceId = record.traceId ?? ''
  const spanId = record.spanId ?? ''
  const get = (key: string) => lookup(attributes, ctx.resource, key)
  return {
    id: contentId(ctx.key, time.nanos, observed, record.severityNumber, record.severityText, body, attributes, traceId, spanId),
    timestamp: nanosToDateTime(time.nanos),
    observed_timestamp: nanosToDateTime(observed === '0' ? time.nanos : observed),
    event_name: name,
    body,
    severity_text: record.severityText ?? '',
    severity_number: typeof record.severityNumber === 'number' ? Math.max(0, Math.min(255, record.severityNumber)) : 0,
    trace_id: traceId.toLowerCase(),
    span_id: spanId.toLowerCase(),
    ...resolveIdentity(attributes, ctx.resource),
    prompt_id: attributes['prompt.id'] ?? '',
    event_sequence: Math.max(0, Math.trunc(numberAttr(attributes['event.sequence']))),
    terminal_type: get('terminal.type'),
    model: attributes['model'] ?? '',
    query_source: attributes['query_source'] ?? '',
    tool_name: attributes['tool_name'] ?? '',
    tool_source: attributes['tool_source'] ?? '',
    decision: attributes['decision'] ?? '',
    source: attributes['source'] ?? '',
    request_id: attributes['request_id'] ?? '',
    ...usage,
    duration_ms: numberAttr(attributes['duration_ms']),
    attributes,
    ...scopeColumns(ctx),
  }
}

/** OTLP logs → event rows (one per log record) and the records refused, with reasons. */
export function normalizeLogs(request: ExportLogsRequest, limits: NormalizeLimits): Normalized<EventRow> {
  const out: Normalized<EventRow> = { rows: [], rejected: [] }
  for (const rl of request.resourceLogs ?? []) {
    for (const sl of rl.scopeLogs ?? []) {
      const ctx = scopeContext(rl.resource, sl.scope)
      for (const record of sl.logRecords ?? []) {
        const row = normalizeRecord(record, ctx, limits)
        if (isRejection(row)) out.rejected.push(row)
        else out.rows.push(row)
      }
    }
  }
  return out
}
