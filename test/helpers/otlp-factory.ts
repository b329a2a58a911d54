import { EVENTS_SCOPE, METRICS_SCOPE } from '../../schemas/claude-code'
import type { ExportLogsRequest, ExportMetricsRequest, KeyValue } from '../../schemas/otlp'

/** Builders for OTLP/JSON requests shaped like Claude Code's, with overrides. */

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
  user?: string
  session?: string
  team?: string
}

function resource(who: Who) {
  return {
    attributes: attrs({
      'service.name': 'claude-code',
      'service.version': '2.1.328',
      'team.id': who.team ?? 'web',
      'enduser.id': who.user,
    }),
  }
}

function identity(who: Who) {
  return { 'user.id': 'u-' + (who.user ?? 'anon'), 'session.id': who.session, 'enduser.id': who.user, 'team.id': who.team ?? 'web' }
}

export interface CostPoint {
  startMs: number
  timeMs: number
  value: number
  /** The metrics' query_source: main (default), subagent or auxiliary. */
  querySource?: string
}

/** A claude_code.cost.usage (+ optional token.usage input) export with the given points. */
export function costMetrics(who: Who, temporality: 'delta' | 'cumulative', points: CostPoint[], tokensPerDollar = 0): ExportMetricsRequest {
  const aggregationTemporality = temporality === 'delta' ? 1 : 2
  const base = { ...identity(who), model: 'claude-opus-5-5', query_source: 'main' }
  const metrics = [
    {
      name: 'claude_code.cost.usage',
      unit: 'USD',
      sum: {
        aggregationTemporality,
        isMonotonic: true,
        dataPoints: points.map((p) => ({
          attributes: attrs({ ...base, query_source: p.querySource ?? 'main' }),
          startTimeUnixNano: ns(p.startMs),
          timeUnixNano: ns(p.timeMs),
          asDouble: p.value,
        })),
      },
    },
  ]
  if (tokensPerDollar > 0) {
    metrics.push({
      name: 'claude_code.token.usage',
      unit: 'tokens',
      sum: {
        aggregationTemporality,
        isMonotonic: true,
        dataPoints: points.map((p) => ({
          attributes: attrs({ ...base, type: 'input' }),
          startTimeUnixNano: ns(p.startMs),
          timeUnixNano: ns(p.timeMs),
          asDouble: Math.round(p.value * tokensPerDollar),
        })),
      },
    })
  }
  return {
    resourceMetrics: [{ resource: resource(who), scopeMetrics: [{ scope: { name: METRICS_SCOPE, version: '2.1.328' }, metrics }] }],
  }
}

export interface EventSpec {
  name: string
  timeMs: number
  attributes?: Record<string, string | number | boolean | undefined>
}

/** Claude Code events (OTLP log records) for one session. */
export function events(who: Who, specs: EventSpec[]): ExportLogsRequest {
  return {
    resourceLogs: [
      {
        resource: resource(who),
        scopeLogs: [
          {
            scope: { name: EVENTS_SCOPE, version: '2.1.328' },
            logRecords: specs.map((e, i) => ({
              timeUnixNano: ns(e.timeMs),
              observedTimeUnixNano: ns(e.timeMs),
              body: { stringValue: `claude_code.${e.name}` },
              attributes: attrs({
                ...identity(who),
                'event.name': e.name,
                'event.timestamp': new Date(e.timeMs).toISOString(),
                'event.sequence': i,
                ...e.attributes,
              }),
            })),
          },
        ],
      },
    ],
  }
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
