import crypto from 'node:crypto'
import type { AnyValue, ExportRequests, KeyValue, Signal } from '../schemas/otlp'
import { isContentKey, isFreeTextKey, isIdentityKey } from './privacy-keys'
import { REDACTED, redactSecrets } from './secrets'

/**
 * The privacy step of the collector, between decode and normalize: what is not kept never reaches a
 * row, a map column or a log line.
 *
 * - Content (prompt text, assistant responses, tool inputs, full command lines, file paths, raw
 *   API bodies) is dropped unless an admin turns CCSCOPE_STORE_CONTENT on. Keys are matched by pattern
 *   (privacy-keys.ts), at any depth: in resource, scope, record, data point, span, span event and link
 *   attributes and inside map (kvlist) and array values. `tool_parameters` keeps only the fields the
 *   dashboard reads (the command's name, the MCP server and tool, the skill). Each dropped value is
 *   counted; values Claude Code had already redacted ("<REDACTED>") are dropped too but not counted,
 *   so the count says how much content fleets actually send.
 * - Secrets (tokens, passwords, keys: secrets.ts) are replaced by <REDACTED> in what is kept of
 *   commands, errors, URLs and arguments (the kept tool_parameters fields included), and in content
 *   an admin chose to store.
 * - With a pseudonymisation key, e-mail addresses (any key with the word `email`) and enduser.id are
 *   replaced by a keyed hash (HMAC-SHA256) wherever they appear, at any depth, so a user stays one
 *   user across sessions and tables but cannot be named without the key. The directory applies the
 *   same function to the emails it is given.
 */

/**
 * The content attributes Claude Code and the GenAI conventions name, counted under their own label in
 * ccscope_content_attributes_dropped_total; any other key matched as content (privacy-keys.ts) is
 * counted as `other` (a label per key would let senders grow the metric without bound).
 */
export const CONTENT_KEYS: ReadonlySet<string> = new Set([
  'prompt',
  'prompt_text',
  'user_prompt',
  'response',
  'assistant_response',
  'tool_input',
  'tool_output',
  'tool_content',
  'full_command',
  'file_path',
  'body',
  'raw_body',
  'request_body',
  'response_body',
  'api_request_body',
  'api_response_body',
  'gen_ai.prompt',
  'gen_ai.completion',
  'gen_ai.input.messages',
  'gen_ai.output.messages',
  'gen_ai.system_instructions',
])

/** The fields of tool_parameters that are names, not content, and that the dashboard reads. */
export const TOOL_PARAMETER_FIELDS: ReadonlySet<string> = new Set([
  'bash_command',
  'bash_command_class',
  'bash_argv0',
  'mcp_server_name',
  'mcp_tool_name',
  'skill_name',
  'subagent_type',
])

/** A Claude Code event's log body is its name (claude_code.api_request): that is not content. */
const EVENT_NAME_BODY = /^[A-Za-z0-9_.-]{1,128}$/

export interface PrivacyOptions {
  storeContent: boolean
  pseudonymizeKey: string | undefined
}

/** What the privacy step removed from one request: attribute → values dropped. */
export type DroppedContent = Map<string, number>

/** HMAC-SHA256 of the trimmed, lower-cased value, as `anon-` and 20 hex digits (80 bits). */
export function pseudonym(key: string, value: string): string {
  const mac = crypto.createHmac('sha256', key).update(value.trim().toLowerCase()).digest('hex')
  return `anon-${mac.slice(0, 20)}`
}

export class PrivacyFilter {
  private readonly cache = new Map<string, string>()
  private static readonly CACHE_MAX = 100_000

  constructor(readonly options: PrivacyOptions) {}

  /** The pseudonym of an identity value (the value itself without a key; '' stays ''). */
  pseudonymize(value: string): string {
    const key = this.options.pseudonymizeKey
    if (key === undefined || value === '' || value.startsWith('anon-')) return value
    let out = this.cache.get(value)
    if (out === undefined) {
      out = pseudonym(key, value)
      if (this.cache.size >= PrivacyFilter.CACHE_MAX) this.cache.clear()
      this.cache.set(value, out)
    }
    return out
  }

  /** Applies the policy to a decoded request in place; returns what was dropped. */
  apply<S extends Signal>(signal: S, request: ExportRequests[S]): DroppedContent {
    const dropped: DroppedContent = new Map()
    const attrs = (list: KeyValue[] | null | undefined) => this.filterAttributes(list, dropped)
    if (signal === 'logs') {
      for (const rl of (request as ExportRequests['logs']).resourceLogs ?? []) {
        if (rl.resource) rl.resource.attributes = attrs(rl.resource.attributes)
        for (const sl of rl.scopeLogs ?? []) {
          if (sl.scope) sl.scope.attributes = attrs(sl.scope.attributes)
          for (const record of sl.logRecords ?? []) {
            record.attributes = attrs(record.attributes)
            record.body = this.filterBody(record.body, dropped)
          }
        }
      }
    } else if (signal === 'metrics') {
      for (const rm of (request as ExportRequests['metrics']).resourceMetrics ?? []) {
        if (rm.resource) rm.resource.attributes = attrs(rm.resource.attributes)
        for (const sm of rm.scopeMetrics ?? []) {
          if (sm.scope) sm.scope.attributes = attrs(sm.scope.attributes)
          for (const metric of sm.metrics ?? []) {
            for (const data of [metric.sum, metric.gauge, metric.histogram, metric.exponentialHistogram, metric.summary])
              for (const point of data?.dataPoints ?? []) point.attributes = attrs(point.attributes)
          }
        }
      }
    } else {
      for (const rs of (request as ExportRequests['traces']).resourceSpans ?? []) {
        if (rs.resource) rs.resource.attributes = attrs(rs.resource.attributes)
        for (const ss of rs.scopeSpans ?? []) {
          if (ss.scope) ss.scope.attributes = attrs(ss.scope.attributes)
          for (const span of ss.spans ?? []) {
            span.attributes = attrs(span.attributes)
            for (const event of span.events ?? []) event.attributes = attrs(event.attributes)
            for (const link of span.links ?? []) link.attributes = attrs(link.attributes)
          }
        }
      }
    }
    return dropped
  }

  private filterAttributes(list: KeyValue[] | null | undefined, dropped: DroppedContent): KeyValue[] | null | undefined {
    if (!list || list.length === 0) return list
    const out: KeyValue[] = []
    for (const kv of list) {
      // Protobuf leaves a missing key undefined (JSON is validated before this step): it names nothing.
      const key = kv.key ?? ''
      if (key === 'tool_parameters') {
        if (!this.options.storeContent) {
          const kept = this.filterToolParameters(kv.value, dropped)
          if (kept !== undefined) out.push({ key, value: { stringValue: kept } })
          continue
        }
      } else if (isContentKey(key) && !this.options.storeContent) {
        count(dropped, CONTENT_KEYS.has(key) ? key : 'other', kv.value)
        continue
      }
      if (isIdentityKey(key) && this.options.pseudonymizeKey !== undefined) {
        out.push({ key, value: this.pseudonymizeValue(kv.value) })
        continue
      }
      const free = isFreeTextKey(key) || isContentKey(key) || key === 'tool_parameters'
      const value = this.filterValue(kv.value, free, dropped)
      // Most values come through unchanged: the attribute itself is kept rather than copied.
      out.push(value === kv.value && kv.key === key ? kv : { key, value })
    }
    return out
  }

  /** A kept value: maps and arrays filtered inside; strings of free-text keys with their secrets redacted. */
  private filterValue(value: AnyValue | null | undefined, free: boolean, dropped: DroppedContent): AnyValue | null | undefined {
    if (!value) return value
    const s = value.stringValue
    if (typeof s === 'string') return free ? { ...value, stringValue: redactSecrets(s).text } : value
    if (value.kvlistValue?.values)
      return { ...value, kvlistValue: { ...value.kvlistValue, values: this.filterAttributes(value.kvlistValue.values, dropped) ?? [] } }
    if (value.arrayValue?.values)
      return { ...value, arrayValue: { ...value.arrayValue, values: value.arrayValue.values.map((v) => this.filterValue(v, free, dropped) ?? {}) } }
    return value
  }

  /** An identity value (a string, or strings in an array) as its pseudonym. */
  private pseudonymizeValue(value: AnyValue | null | undefined): AnyValue {
    const s = value?.stringValue
    if (typeof s === 'string') return { stringValue: this.pseudonymize(s) }
    if (value?.arrayValue?.values) return { arrayValue: { values: value.arrayValue.values.map((v) => this.pseudonymizeValue(v)) } }
    return { stringValue: '' }
  }

  /** tool_parameters is a JSON object as a string: keep the named fields, drop the rest (counted). */
  private filterToolParameters(value: AnyValue | null | undefined, dropped: DroppedContent): string | undefined {
    const raw = value?.stringValue
    if (typeof raw !== 'string') {
      count(dropped, 'tool_parameters', value)
      return undefined
    }
    let parsed: unknown
    try {
      parsed = JSON.parse(raw)
    } catch {
      count(dropped, 'tool_parameters', value)
      return undefined
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      count(dropped, 'tool_parameters', value)
      return undefined
    }
    const kept: Record<string, unknown> = {}
    for (const [field, fieldValue] of Object.entries(parsed)) {
      // Kept names may still carry a secret (a command line sent as bash_command): it is redacted.
      if (TOOL_PARAMETER_FIELDS.has(field) && typeof fieldValue === 'string') kept[field] = redactSecrets(fieldValue).text
      else if (TOOL_PARAMETER_FIELDS.has(field) && typeof fieldValue === 'number') kept[field] = fieldValue
      // Counted under tool_parameters: a label per field name would let senders grow the metric without bound.
      else count(dropped, 'tool_parameters', { stringValue: typeof fieldValue === 'string' ? fieldValue : '' })
    }
    return Object.keys(kept).length > 0 ? JSON.stringify(kept) : undefined
  }

  /** A log body that is not an event name is content (a fleet's raw log line or message). */
  private filterBody(body: AnyValue | null | undefined, dropped: DroppedContent): AnyValue | null | undefined {
    if (!body) return body
    if (this.options.storeContent) return this.filterValue(body, true, dropped)
    const s = body.stringValue
    if (typeof s === 'string' && (s === '' || EVENT_NAME_BODY.test(s))) return body
    count(dropped, 'body', body)
    return undefined
  }
}

function count(dropped: DroppedContent, attribute: string, value: AnyValue | null | undefined): void {
  if (value?.stringValue === REDACTED) return
  dropped.set(attribute, (dropped.get(attribute) ?? 0) + 1)
}
