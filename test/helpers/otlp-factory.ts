import { type EventKind, isEventKind, type MetricName } from '../../schemas/claude-code'
import type { ExportLogsRequest, ExportMetricsRequest, KeyValue, LogRecord } from '../../schemas/otlp'
import type { SimUser } from '../../simulator/fleet'
import type { PointDraft } from '../../simulator/metrics'
import { eventRecords, resourceMetrics } from '../../simulator/otlp'
import { logsJson, metricsJson } from '../../simulator/otlp-json'
import { scenarioUser } from '../../simulator/scenario'
import type { Attrs, Series, SimEvent } from '../../simulator/session'

/**
 * Scenarios written by hand, as the OTLP/JSON requests Claude Code sends: a `Who` is a user of the
 * simulator's fleet (simulator/scenario.ts), its events and points are the simulator's records, built
 * and encoded by the simulator's one path (simulator/otlp.ts, simulator/otlp-json.ts). A test states
 * only what its scenario is about; an attribute set to `undefined` is left out of the record (a hostile
 * or odd payload).
 */

/** Generic OTLP attributes, for payloads that are not Claude Code's (or a test's deliberate additions). */
export function attrs(values: Record<string, string | number | boolean | undefined>): KeyValue[] {
  return Object.entries(values)
    .filter(([, v]) => v !== undefined)
    .map(([key, v]) => ({
      key,
      value:
        typeof v === 'string'
          ? { stringValue: v }
          : typeof v === 'boolean'
            ? { boolValue: v }
            : Number.isInteger(v)
              ? { intValue: String(v) }
              : { doubleValue: v },
    }))
}

export const ns = (ms: number) => `${BigInt(Math.round(ms)) * 1_000_000n}`

export interface Who {
  /** The key ccscope resolves the user to (sent as enduser.id); without one, the installation's user.id. */
  user?: string
  /** session.id; without one, the records carry none. */
  session?: string
  /** team.id (default 'web'). */
  team?: string
}

type Overrides = Record<string, string | number | boolean | undefined>

function userOf(who: Who): SimUser {
  return scenarioUser({ ...(who.user === undefined ? {} : { key: who.user }), team: who.team ?? 'web' })
}

/** A number no exporter could carry as it is (JSON has no NaN, an integer past 2^53 is not exact). */
const uncarried = (v: unknown): v is number => typeof v === 'number' && (!Number.isFinite(v) || (Number.isInteger(v) && !Number.isSafeInteger(v)))

/**
 * What a hostile or odd scenario changes in a record after encoding: the keys it leaves out (set to
 * undefined, and session.id when it names no session), and the values no exporter could carry, set as
 * written.
 */
interface Tweak {
  remove: string[]
  raw: KeyValue[]
}

function tweakOf(who: Who, overrides: Overrides = {}): Tweak {
  const remove = Object.entries(overrides)
    .filter(([, v]) => v === undefined)
    .map(([k]) => k)
  if (who.session === undefined) remove.push('session.id')
  return { remove, raw: attrs(Object.fromEntries(Object.entries(overrides).filter(([, v]) => uncarried(v)))) }
}

function tweaked(attributes: KeyValue[] | null | undefined, tweak: Tweak): KeyValue[] {
  const gone = new Set([...tweak.remove, ...tweak.raw.map((kv) => kv.key)])
  return [...(attributes ?? []).filter((a) => !gone.has(a.key)), ...tweak.raw]
}

/** The attributes a record carries through the simulator's path. */
function carried(overrides: Overrides = {}): Attrs {
  const out: Attrs = {}
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined && !uncarried(v)) out[k] = v
  return out
}

export interface CostPoint {
  startMs: number
  timeMs: number
  value: number
  /** The metrics' query_source: main (default), subagent or auxiliary. */
  querySource?: string
}

/** One data point of a Claude Code metric: its own attributes (besides the standard ones) and value. */
export interface MetricPoint {
  metric: MetricName
  attributes: Record<string, string>
  startMs: number
  timeMs: number
  /** In the metric's unit (USD, tokens, seconds, count). */
  value: number
}

/** One export of Claude Code metric points for a session (one series per metric and attributes). */
export function metrics(who: Who, temporality: 'delta' | 'cumulative', points: MetricPoint[]): ExportMetricsRequest {
  const series: Series[] = []
  const drafts: PointDraft[] = []
  for (const p of points) {
    const key = p.metric + JSON.stringify(p.attributes)
    let i = series.findIndex((s) => s.metric + JSON.stringify(s.attrs) === key)
    if (i < 0) i = series.push({ metric: p.metric, attrs: p.attributes }) - 1
    drafts.push({ series: i, startMs: p.startMs, endMs: p.timeMs, value: p.value })
  }
  const request = metricsJson(resourceMetrics(userOf(who), [{ session: { sessionId: who.session ?? '', series }, points: drafts }], temporality))
  const tweak = tweakOf(who)
  for (const rm of request.resourceMetrics ?? [])
    for (const sm of rm.scopeMetrics ?? [])
      for (const metric of sm.metrics ?? []) for (const point of metric.sum?.dataPoints ?? []) point.attributes = tweaked(point.attributes, tweak)
  return request
}

/** A claude_code.cost.usage (+ optional token.usage input) export with the given points. */
export function costMetrics(who: Who, temporality: 'delta' | 'cumulative', points: CostPoint[], tokensPerDollar = 0): ExportMetricsRequest {
  const model = 'claude-opus-5-5'
  const cost = points.map((p) => ({
    metric: 'claude_code.cost.usage' as const,
    attributes: { model, query_source: p.querySource ?? 'main' },
    startMs: p.startMs,
    timeMs: p.timeMs,
    value: p.value,
  }))
  const tokens = points.map((p) => ({
    metric: 'claude_code.token.usage' as const,
    attributes: { type: 'input', model, query_source: p.querySource ?? 'main' },
    startMs: p.startMs,
    timeMs: p.timeMs,
    value: Math.round(p.value * tokensPerDollar),
  }))
  return metrics(who, temporality, tokensPerDollar > 0 ? [...cost, ...tokens] : cost)
}

export interface EventSpec {
  /**
   * A kind of the model (schemas/claude-code.ts), without the claude_code. prefix; another name is a
   * kind a newer CLI might send (a test of what ccscope does with one it does not know).
   */
  name: string
  timeMs: number
  /** The event's own attributes; one set to undefined is left out (a standard one included). */
  attributes?: Overrides
}

/** The placeholder an unknown kind is built as, before it is renamed (it carries only the spec's attributes). */
const PLACEHOLDER: EventKind = 'internal_error'

/** An unknown kind's body and event.name, after encoding. */
function rename(record: LogRecord, name: string): void {
  record.body = { stringValue: `claude_code.${name}` }
  for (const a of record.attributes ?? []) if (a.key === 'event.name') a.value = { stringValue: name }
}

/** Claude Code events (OTLP log records) for one session. */
export function events(who: Who, specs: EventSpec[]): ExportLogsRequest {
  const user = userOf(who)
  // In time order, as the records come (a stable sort: the specs' order among equal times).
  const sorted = [...specs].sort((a, b) => a.timeMs - b.timeMs)
  const simEvents: SimEvent[] = sorted.map((s) => ({
    ms: s.timeMs,
    name: isEventKind(s.name) ? s.name : PLACEHOLDER,
    promptId: '',
    attrs: carried(s.attributes),
  }))
  const request = logsJson(eventRecords(user, who.session ?? '', simEvents))
  // One user, one resource and scope: the records in the order given.
  const records = (request.resourceLogs ?? []).flatMap((rl) => (rl.scopeLogs ?? []).flatMap((sl) => sl.logRecords ?? []))
  for (const [k, record] of records.entries()) {
    const spec = sorted[k]
    record.attributes = tweaked(record.attributes, tweakOf(who, spec?.attributes))
    if (spec && !isEventKind(spec.name)) rename(record, spec.name)
  }
  return request
}

export function apiRequest(timeMs: number, costUsd: number, inputTokens = 100): EventSpec {
  return {
    name: 'api_request',
    timeMs,
    attributes: {
      model: 'claude-opus-5-5',
      cost_usd: costUsd,
      cost_usd_micros: Math.round(costUsd * 1e6),
      input_tokens: inputTokens,
      output_tokens: 10,
      cache_read_tokens: 0,
      cache_creation_tokens: 0,
      request_id: `req_${timeMs}`,
    },
  }
}

export async function postJson(baseUrl: string, path: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  })
}
