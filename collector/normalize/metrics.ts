import type { ExportMetricsRequest, KeyValue, Metric } from '../../schemas/otlp'
import type { MetricPointRow } from '../../warehouse/rows'
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
  validAmount,
  type NormalizeLimits,
  type Normalized,
  type Rejection,
  type ScopeContext,
} from './common'
import { lookup, resolveIdentity } from './identity'

type Temporality = MetricPointRow['temporality']

/**
 * The Claude Code counters whose points feed headline totals (cost, tokens, sessions, active time,
 * lines, commits, PRs, edit decisions): a point of one must be a non-negative monotonic sum, whatever
 * else a sender claims, so that no total can go down.
 */
export const TOTALLED_COUNTERS = new Set([
  'claude_code.cost.usage',
  'claude_code.token.usage',
  'claude_code.session.count',
  'claude_code.active_time.total',
  'claude_code.lines_of_code.count',
  'claude_code.commit.count',
  'claude_code.pull_request.count',
  'claude_code.code_edit_tool.decision',
])

/** Largest magnitude of a stored metric value: far above any real counter, and no sum of them overflows. */
export const MAX_METRIC_VALUE = 1e15

export function temporality(value: number | string | null | undefined): Temporality {
  if (value === 1 || value === 'AGGREGATION_TEMPORALITY_DELTA') return 'delta'
  if (value === 2 || value === 'AGGREGATION_TEMPORALITY_CUMULATIVE') return 'cumulative'
  return 'unspecified'
}

function toNumber(value: string | number | null | undefined): number | undefined {
  if (value === null || value === undefined) return undefined
  return typeof value === 'number' ? value : Number(value)
}

/** One data point, whatever the metric type, before it becomes a row. */
interface Point {
  attributes?: KeyValue[] | null
  startTimeUnixNano?: string | number | null
  timeUnixNano?: string | number | null
  flags?: number | null
  value: number | undefined
  count: number
}

function pointsOf(metric: Metric): { type: MetricPointRow['metric_type']; temporality: Temporality; monotonic: boolean; points: Point[] } | undefined {
  if (metric.sum) {
    return {
      type: 'sum',
      temporality: temporality(metric.sum.aggregationTemporality),
      monotonic: metric.sum.isMonotonic === true,
      points: (metric.sum.dataPoints ?? []).map((p) => ({ ...p, value: toNumber(p.asDouble ?? p.asInt), count: 0 })),
    }
  }
  if (metric.gauge) {
    return {
      type: 'gauge',
      temporality: 'unspecified',
      monotonic: false,
      points: (metric.gauge.dataPoints ?? []).map((p) => ({ ...p, value: toNumber(p.asDouble ?? p.asInt), count: 0 })),
    }
  }
  const distribution = (
    type: MetricPointRow['metric_type'],
    t: Temporality,
    dps: Array<{ sum?: string | number | null; count?: string | number | null } & Omit<Point, 'value' | 'count'>>,
  ) => ({
    type,
    temporality: t,
    monotonic: false,
    points: dps.map((p) => ({ ...p, value: toNumber(p.sum) ?? 0, count: toNumber(p.count) ?? 0 })),
  })
  if (metric.histogram) return distribution('histogram', temporality(metric.histogram.aggregationTemporality), metric.histogram.dataPoints ?? [])
  if (metric.exponentialHistogram)
    return distribution('exponential_histogram', temporality(metric.exponentialHistogram.aggregationTemporality), metric.exponentialHistogram.dataPoints ?? [])
  if (metric.summary) return distribution('summary', 'unspecified', metric.summary.dataPoints ?? [])
  return undefined
}

function normalizeMetric(metric: Metric, ctx: ScopeContext, limits: NormalizeLimits, out: Normalized<MetricPointRow>) {
  const shape = pointsOf(metric)
  const name = metric.name ?? ''
  if (!shape) return // a metric with no data field carries no points
  if (name === '') {
    for (let i = 0; i < shape.points.length; i++) out.rejected.push({ reason: 'metric_name_missing', detail: 'a metric without a name' })
    return
  }
  for (const point of shape.points) {
    const row = normalizePoint(name, metric.unit ?? '', shape, point, ctx, limits)
    if (isRejection(row)) out.rejected.push(row)
    else out.rows.push(row)
  }
}

function normalizePoint(
  name: string,
  unit: string,
  shape: NonNullable<ReturnType<typeof pointsOf>>,
  point: Point,
  ctx: ScopeContext,
  limits: NormalizeLimits,
): MetricPointRow | Rejection {
  if (point.value === undefined) return { reason: 'value_missing', detail: `${name}: a data point without a value` }
  const counter = shape.monotonic || (shape.type === 'sum' && TOTALLED_COUNTERS.has(name))
  if (
    !Number.isFinite(point.value) ||
    Math.abs(point.value) > MAX_METRIC_VALUE ||
    (counter && point.value < 0) ||
    !validAmount(point.count, Number.MAX_SAFE_INTEGER, true)
  )
    return {
      reason: 'value_invalid',
      detail: validAmount(point.count, Number.MAX_SAFE_INTEGER, true)
        ? `${name}: value ${point.value} is not a valid ${counter ? 'counter ' : ''}value`
        : `${name}: count ${point.count} is not a valid count`,
    }
  if (counter && !shape.monotonic) return { reason: 'value_invalid', detail: `${name}: a Claude Code counter must be sent as a monotonic sum` }
  const time = recordTime([point.timeUnixNano], limits)
  if (isRejection(time)) return time
  const start = nanosString(point.startTimeUnixNano)
  if (start.length > 20 || BigInt(start) > BigInt(time.nanos))
    return { reason: 'timestamp_invalid', detail: `${name}: start time ${start} is after the point's time` }
  const attributes = attributesToMap(point.attributes)
  const seriesId = contentId(ctx.key, name, unit, shape.type, shape.temporality, shape.monotonic, attributes)
  return markReceiveTime(
    {
      id: contentId(seriesId, start, time.identity, point.value, point.count, point.flags ?? 0),
      series_id: seriesId,
      metric_name: name,
      metric_type: shape.type,
      temporality: shape.temporality,
      is_monotonic: shape.monotonic,
      unit,
      start_timestamp: nanosToDateTime(start),
      timestamp: nanosToDateTime(time.nanos),
      value: point.value,
      delta: 0,
      count: point.count,
      ...resolveIdentity(attributes, ctx.resource),
      terminal_type: lookup(attributes, ctx.resource, 'terminal.type'),
      type: attributes['type'] ?? '',
      model: attributes['model'] ?? '',
      query_source: attributes['query_source'] ?? '',
      tool_name: attributes['tool_name'] ?? '',
      decision: attributes['decision'] ?? '',
      source: attributes['source'] ?? '',
      language: attributes['language'] ?? '',
      attributes,
      ...scopeColumns(ctx),
    },
    time,
  )
}

/** OTLP metrics → one row per data point, and the points refused, with reasons. */
export function normalizeMetrics(request: ExportMetricsRequest, limits: NormalizeLimits): Normalized<MetricPointRow> {
  const out: Normalized<MetricPointRow> = { rows: [], rejected: [] }
  for (const rm of request.resourceMetrics ?? []) {
    for (const sm of rm.scopeMetrics ?? []) {
      const ctx = scopeContext(rm.resource, sm.scope)
      for (const metric of sm.metrics ?? []) normalizeMetric(metric, ctx, limits, out)
    }
  }
  return out
}
