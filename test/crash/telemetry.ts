import { EVENTS_SCOPE, METRICS, METRICS_SCOPE } from '../../schemas/claude-code'
import zlib from 'node:zlib'
import { requestTypes } from '../../collector/otlp/proto'
import type { ExportLogsRequest, ExportMetricsRequest } from '../../schemas/otlp'
import type { Rng } from '../../simulator/random'
import { attrs, ns } from '../helpers/otlp-factory'

/**
 * The crash test's telemetry: OTLP export requests shaped like Claude Code's, each record marked so that
 * the verifier can find it again (events by `crash.seq`, metric points by `crash.stream` + time), with
 * what each request adds to every figure when it is stored exactly once.
 */

/** What one request adds when stored once. Money in integer micro-dollars, so sums are exact. */
export interface Totals {
  events: number
  apiRequests: number
  costMicros: number
  inputTokens: number
  prompts: number
  toolResults: number
  hooks: number
  metricPoints: number
  metricCostMicros: number
  metricInputTokens: number
  linesAdded: number
  sessionsStarted: number
}

export const zeroTotals = (): Totals => ({
  events: 0,
  apiRequests: 0,
  costMicros: 0,
  inputTokens: 0,
  prompts: 0,
  toolResults: 0,
  hooks: 0,
  metricPoints: 0,
  metricCostMicros: 0,
  metricInputTokens: 0,
  linesAdded: 0,
  sessionsStarted: 0,
})

export function addTotals(into: Totals, more: Totals): void {
  for (const key of Object.keys(into) as (keyof Totals)[]) into[key] += more[key]
}

export type Encoding = 'json' | 'protobuf'
export type Transport = 'http' | 'grpc'

export interface Batch {
  /** Unique per request, e.g. "events1-42". */
  key: string
  signal: 'logs' | 'metrics'
  transport: Transport
  /** 'protobuf' for gRPC. */
  encoding: Encoding
  gzip: boolean
  /** The bytes on the wire: a retry re-sends exactly these, as an exporter does. */
  body: Buffer
  /** Events' crash.seq values, or metric points' `crash.stream|timeNanos` keys. */
  keys: string[]
  adds: Totals
}

/** OTLP/HTTP (protobuf or JSON, gzip or not) for two requests in three, OTLP/gRPC for the third. */
function wire(rng: Rng): { transport: Transport; encoding: Encoding; gzip: boolean } {
  if (rng.chance(1 / 3)) return { transport: 'grpc', encoding: 'protobuf', gzip: false }
  return { transport: 'http', encoding: rng.chance(0.5) ? 'protobuf' : 'json', gzip: rng.chance(0.5) }
}

function encode(signal: 'logs' | 'metrics', request: ExportLogsRequest | ExportMetricsRequest, encoding: Encoding, gzip: boolean): Buffer {
  let bytes: Buffer
  if (encoding === 'json') bytes = Buffer.from(JSON.stringify(request))
  else {
    const type = requestTypes[signal]
    bytes = Buffer.from(type.encode(type.fromObject(request as Record<string, unknown>)).finish())
  }
  return gzip ? zlib.gzipSync(bytes) : bytes
}

const USERS = ['ada@example.com', 'bob@example.com', 'cy@example.com', 'dee@example.com', 'eve@example.com']
const TEAMS = ['web', 'infra', 'data']
const DAY_MS = 86_400_000
/** Records are spread over the last days, so that one INSERT writes parts in several daily partitions. */
const SPREAD_MS = 3 * DAY_MS

function resource(team: string) {
  return {
    attributes: attrs({
      'service.name': 'claude-code',
      'service.version': '2.1.328',
      'os.type': 'linux',
      'host.arch': 'x64',
      'team.id': team,
    }),
  }
}

function identity(user: string, session: string, team: string) {
  return {
    'user.id': `uid-${user}`,
    'user.email': user,
    'user.account_uuid': `acct-${user}`,
    'organization.id': 'org-crash',
    'session.id': session,
    'terminal.type': 'vscode',
    'team.id': team,
  }
}

/** Distinct times within one sender: a nanosecond counter under the millisecond. */
class Clock {
  private n = 0
  constructor(private readonly lane: number) {}
  nanos(ms: number): string {
    this.n = (this.n + 1) % 100_000
    return (BigInt(Math.round(ms)) * 1_000_000n + BigInt(this.lane * 100_000 + this.n)).toString()
  }
}

export interface Source {
  next(): Batch
}

/** Claude Code events: api_request (cost), user_prompt, tool_result and hook runs, `size` per request. */
export function eventSource(name: string, lane: number, rng: Rng, sizes: [number, number]): Source {
  const clock = new Clock(lane)
  let batchNo = 0
  let seq = 0
  return {
    next() {
      batchNo++
      const user = rng.pick(USERS)
      const team = rng.pick(TEAMS)
      const session = `${name}-session-${rng.int(1, 4)}`
      const adds = zeroTotals()
      const keys: string[] = []
      const records = []
      const count = rng.int(sizes[0], sizes[1])
      const now = Date.now()
      for (let i = 0; i < count; i++) {
        const key = `${name}-${++seq}`
        keys.push(key)
        const timeNanos = clock.nanos(now - rng.float() * SPREAD_MS)
        const kind = rng.weighted([
          ['api_request', 70],
          ['user_prompt', 15],
          ['tool_result', 10],
          ['hook_execution_complete', 5],
        ] as const)
        let extra: Record<string, string | number | boolean> = {}
        if (kind === 'api_request') {
          const micros = rng.int(1, 50_000)
          const input = rng.int(1, 5_000)
          extra = {
            model: 'claude-opus-5-5',
            cost_usd: micros / 1e6,
            cost_usd_micros: micros,
            input_tokens: input,
            output_tokens: rng.int(1, 500),
            cache_read_tokens: 0,
            cache_creation_tokens: 0,
            duration_ms: rng.int(100, 9_000),
            request_id: `req_${key}`,
            query_source: 'main',
          }
          adds.apiRequests++
          adds.costMicros += micros
          adds.inputTokens += input
        } else if (kind === 'user_prompt') {
          extra = { prompt_length: rng.int(1, 400), prompt: '<REDACTED>' }
          adds.prompts++
        } else if (kind === 'tool_result') {
          extra = { tool_name: rng.pick(['Bash', 'Edit', 'Read']), success: rng.chance(0.9) ? 'true' : 'false', duration_ms: rng.int(1, 900) }
          adds.toolResults++
        } else {
          extra = { hook_name: 'PreToolUse:Bash', hook_event: 'PreToolUse', hook_source: 'policySettings', num_blocking: 0 }
          adds.hooks++
        }
        adds.events++
        records.push({
          timeUnixNano: timeNanos,
          observedTimeUnixNano: timeNanos,
          body: { stringValue: `claude_code.${kind}` },
          attributes: attrs({
            ...identity(user, session, team),
            'event.name': kind,
            'event.timestamp': new Date(Number(BigInt(timeNanos) / 1_000_000n)).toISOString(),
            'event.sequence': i,
            'prompt.id': `prompt-${name}-${batchNo}`,
            'crash.seq': key,
            ...extra,
          }),
        })
      }
      const request: ExportLogsRequest = {
        resourceLogs: [
          {
            resource: resource(team),
            scopeLogs: [{ scope: { name: EVENTS_SCOPE, version: '2.1.328' }, logRecords: records }],
          },
        ],
      }
      const { transport, encoding, gzip } = wire(rng)
      return { key: `${name}-${batchNo}`, signal: 'logs', transport, encoding, gzip, body: encode('logs', request, encoding, gzip), keys, adds }
    },
  }
}

interface Stream {
  id: string
  startMs: number
  lastMs: number
  /** Cumulative value in micro-units (cost) or units (lines, tokens). */
  value: number
}

/**
 * Claude Code's counters for a few metric-only sessions (no api_request events, so their cost counts):
 * cost.usage, token.usage (input), lines_of_code.count (added) and session.count. Delta temporality:
 * every point is new; its time is spread over the last days. Cumulative temporality: each stream's
 * point carries the running total, and now and then a stream restarts (a new start time, from zero).
 */
export function metricSource(name: string, lane: number, rng: Rng, temporality: 'delta' | 'cumulative', sessions: number): Source {
  const clock = new Clock(lane)
  let batchNo = 0
  const streams = new Map<string, Stream>()
  const metricDefs = [
    { metric: 'claude_code.cost.usage', attrs: { model: 'claude-opus-5-5', query_source: 'main' } },
    { metric: 'claude_code.token.usage', attrs: { model: 'claude-opus-5-5', query_source: 'main', type: 'input' } },
    { metric: 'claude_code.lines_of_code.count', attrs: { type: 'added' } },
    { metric: 'claude_code.session.count', attrs: {} },
  ] as const
  return {
    next() {
      batchNo++
      const adds = zeroTotals()
      const keys: string[] = []
      const resourceMetrics = []
      const now = Date.now()
      for (let s = 1; s <= sessions; s++) {
        const user = USERS[(lane + s) % USERS.length] ?? 'anon'
        const team = TEAMS[s % TEAMS.length] ?? 'web'
        const session = `${name}-session-${s}`
        const metrics = []
        for (const def of metricDefs) {
          const streamId = `${session}|${def.metric}`
          let increment: number
          if (def.metric === 'claude_code.session.count') increment = batchNo === 1 || rng.chance(0.05) ? 1 : 0
          else if (def.metric === 'claude_code.cost.usage') increment = rng.int(1, 20_000)
          else if (def.metric === 'claude_code.token.usage') increment = rng.int(1, 3_000)
          else increment = rng.int(0, 40)
          let value: number
          let startNanos: string
          let timeNanos: string
          if (temporality === 'delta') {
            const t = now - rng.float() * SPREAD_MS
            timeNanos = clock.nanos(t)
            startNanos = ns(t - 60_000)
            value = increment
          } else {
            let stream = streams.get(streamId)
            if (!stream || rng.chance(0.03)) {
              // A restarted exporter: a new start time, counting from zero again.
              const startMs = now - 1_000 - rng.int(0, 60_000)
              stream = { id: streamId, startMs, lastMs: startMs, value: 0 }
              streams.set(streamId, stream)
            }
            stream.lastMs = Math.max(now, stream.lastMs + 1)
            stream.value += increment
            value = stream.value
            timeNanos = clock.nanos(stream.lastMs)
            startNanos = ns(stream.startMs)
          }
          const marker = `${name}|${def.metric}|${s}`
          keys.push(`${marker}|${timeNanos}`)
          adds.metricPoints++
          if (def.metric === 'claude_code.cost.usage') adds.metricCostMicros += increment
          else if (def.metric === 'claude_code.token.usage') adds.metricInputTokens += increment
          else if (def.metric === 'claude_code.lines_of_code.count') adds.linesAdded += increment
          else adds.sessionsStarted += increment
          const pointValue = def.metric === 'claude_code.cost.usage' ? value / 1e6 : value
          metrics.push({
            name: def.metric,
            // The unit as the CLI sends it (the model's): '' for counts.
            unit: METRICS[def.metric].unit,
            sum: {
              aggregationTemporality: temporality === 'delta' ? 1 : 2,
              isMonotonic: true,
              dataPoints: [
                {
                  attributes: attrs({ ...identity(user, session, team), ...def.attrs, 'crash.stream': marker }),
                  startTimeUnixNano: startNanos,
                  timeUnixNano: timeNanos,
                  ...(Number.isInteger(pointValue) ? { asInt: String(pointValue) } : { asDouble: pointValue }),
                },
              ],
            },
          })
        }
        resourceMetrics.push({
          resource: resource(team),
          scopeMetrics: [{ scope: { name: METRICS_SCOPE, version: '2.1.328' }, metrics }],
        })
      }
      const request: ExportMetricsRequest = { resourceMetrics }
      const { transport, encoding, gzip } = wire(rng)
      return { key: `${name}-${batchNo}`, signal: 'metrics', transport, encoding, gzip, body: encode('metrics', request, encoding, gzip), keys, adds }
    },
  }
}
