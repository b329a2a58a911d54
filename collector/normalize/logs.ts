import type { ExportLogsRequest, LogRecord } from '../../schemas/otlp'
import type { EventRow } from '../../warehouse/rows'
import { anyValueToString, attributesToMap, numberAttr, type AttributeMap } from './attributes'
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
  validAmount,
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

/**
 * Bounds of one api_request's figures. Far above anything real (a request costs cents to dollars and
 * carries at most a few million tokens), low enough that no sum of them overflows a total.
 */
export const MAX_REQUEST_COST_USD = 1e6
export const MAX_REQUEST_TOKENS = 1e10

/** The attribute as an amount within its bounds (absent counts 0), or undefined when it holds anything else. */
function amount(attributes: AttributeMap, key: string, max: number, integer: boolean): number | undefined {
  const raw = attributes[key]
  if (raw === undefined || raw === '') return 0
  const n = Number(raw)
  return validAmount(n, max, integer) ? n : undefined
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
  const hasMicros = attributes['cost_usd_micros'] !== undefined && attributes['cost_usd_micros'] !== ''
  const micros = hasMicros ? amount(attributes, 'cost_usd_micros', MAX_REQUEST_COST_USD * 1e6, true) : undefined
  if (hasMicros && micros === undefined)
    return { reason: 'value_invalid', detail: `api_request cost_usd_micros must be a non-negative integer of at most ${MAX_REQUEST_COST_USD * 1e6}` }
  const cost = micros !== undefined ? micros / 1e6 : amount(attributes, 'cost_usd', MAX_REQUEST_COST_USD, false)
  const tokens = (key: string) => amount(attributes, key, MAX_REQUEST_TOKENS, true)
  const usage = {
    cost_usd: cost,
    input_tokens: tokens('input_tokens'),
    output_tokens: tokens('output_tokens'),
    cache_read_tokens: tokens('cache_read_tokens'),
    cache_creation_tokens: tokens('cache_creation_tokens'),
  }
  for (const [key, value] of Object.entries(usage)) {
    if (value === undefined)
      return {
        reason: 'value_invalid',
        detail: `api_request ${key} must be a non-negative ${key === 'cost_usd' ? 'number' : 'integer'} of at most ${key === 'cost_usd' ? MAX_REQUEST_COST_USD : MAX_REQUEST_TOKENS}`,
      }
  }
  return usage as Usage
}

/** A number attribute that is only described, never summed into a headline: out-of-range values become 0. */
function boundedNumber(value: string | undefined, integer: boolean): number {
  const n = numberAttr(value)
  return validAmount(n, integer ? Number.MAX_SAFE_INTEGER : 1e15, integer) ? n : 0
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
  return markReceiveTime(
    {
      id: contentId(ctx.key, time.identity, observed, record.severityNumber, record.severityText, body, attributes, traceId, spanId),
      timestamp: nanosToDateTime(time.nanos),
      observed_timestamp: nanosToDateTime(secondaryTime(observed, time.nanos, limits)),
      event_name: name,
      body,
      severity_text: record.severityText ?? '',
      severity_number: typeof record.severityNumber === 'number' ? Math.max(0, Math.min(255, record.severityNumber)) : 0,
      trace_id: traceId.toLowerCase(),
      span_id: spanId.toLowerCase(),
      ...resolveIdentity(attributes, ctx.resource),
      prompt_id: attributes['prompt.id'] ?? '',
      event_sequence: boundedNumber(attributes['event.sequence'], true),
      terminal_type: get('terminal.type'),
      model: attributes['model'] ?? '',
      query_source: attributes['query_source'] ?? '',
      tool_name: attributes['tool_name'] ?? '',
      tool_source: attributes['tool_source'] ?? '',
      decision: attributes['decision'] ?? '',
      source: attributes['source'] ?? '',
      request_id: attributes['request_id'] ?? '',
      ...usage,
      duration_ms: boundedNumber(attributes['duration_ms'], false),
      attributes,
      ...scopeColumns(ctx),
    },
    time,
  )
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
