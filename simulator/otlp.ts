/**
 * Simulated sessions → the OpenTelemetry SDK's own export structures: `ReadableLogRecord`s (what a
 * LoggerProvider hands its exporter) and `ResourceMetrics` with SUM data points (what a metric reader
 * hands its exporter), with explicit times, so that history can be sent through the real exporters.
 *
 * Shapes copy Claude Code 2.1.328's (shared/fixtures/claude-code): the resource carries
 * OTEL_RESOURCE_ATTRIBUTES (department, team.id, cost_center, enduser.id) then host.arch, os.type,
 * os.version, service.name, service.version; events use scope `com.anthropic.claude_code.events` and
 * body `claude_code.<name>`; metrics use scope `com.anthropic.claude_code`, monotonic double sums; the
 * standard attributes (resource attributes from the environment, user.id, session.id, sign-in identity,
 * anthropic.provider, anthropic.custom_base_url, terminal.type) are copied onto every event and point.
 */
import { ValueType, type Attributes, type HrTime } from '@opentelemetry/api'
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources'
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs'
import { AggregationTemporality, DataPointType, type MetricData, type ResourceMetrics } from '@opentelemetry/sdk-metrics'
import type { SimUser } from './fleet'
import type { PointDraft, Temporality } from './metrics'
import { EVENTS_SCOPE, METRICS, METRICS_SCOPE, type MetricName } from '../schemas/claude-code'
import type { Attrs, SessionRecords, SimEvent } from './session'

export { EVENTS_SCOPE, METRICS_SCOPE } from '../schemas/claude-code'

/** The CLI's instruments, in its registration order (the model's, schemas/claude-code.ts). */
export const METRIC_DESCRIPTORS: ReadonlyArray<{ name: MetricName; description: string; unit: string }> = (
  Object.entries(METRICS) as [MetricName, (typeof METRICS)[MetricName]][]
).map(([name, spec]) => ({ name, description: spec.description, unit: spec.unit }))

export function hrTime(ms: number): HrTime {
  const seconds = Math.floor(ms / 1000)
  return [seconds, (ms - seconds * 1000) * 1_000_000]
}

/**
 * What OTEL_RESOURCE_ATTRIBUTES holds for this user (also copied onto every record); a key the
 * organization does not set (an empty department or cost center) is left out.
 */
function environmentAttributes(user: SimUser): Record<string, string> {
  const env: Record<string, string> = {
    department: user.team.department,
    'team.id': user.team.id,
    cost_center: user.team.costCenter,
    ...(user.signIn === 'installation' ? {} : { 'enduser.id': user.email }),
  }
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''))
}

/** The per-user OTel objects: one Resource (the SDK groups records by resource identity) and scopes. */
export interface UserOtel {
  resource: Resource
  eventsScope: { name: string; version: string }
  metricsScope: { name: string; version: string }
  env: Record<string, string>
}

const userOtel = new WeakMap<SimUser, UserOtel>()

export function otelOf(user: SimUser): UserOtel {
  let o = userOtel.get(user)
  if (!o) {
    const env = environmentAttributes(user)
    o = {
      env,
      resource: resourceFromAttributes({
        ...env,
        'host.arch': user.host.arch,
        'os.type': user.host.type,
        'os.version': user.host.version,
        'service.name': 'claude-code',
        'service.version': user.version,
      }),
      eventsScope: { name: EVENTS_SCOPE, version: user.version },
      metricsScope: { name: METRICS_SCOPE, version: user.version },
    }
    userOtel.set(user, o)
  }
  return o
}

/** The attributes the CLI puts on every event and data point. */
export function standardAttributes(user: SimUser, sessionId: string): Attrs {
  const signedIn = user.signIn === 'oauth'
  return {
    ...otelOf(user).env,
    'user.id': user.userId,
    'session.id': sessionId,
    ...(signedIn ? { 'organization.id': user.organizationId, 'user.email': user.email, 'user.account_uuid': user.accountUuid } : {}),
    'anthropic.provider': user.provider,
    'anthropic.custom_base_url': false,
    'terminal.type': user.terminal,
  }
}

/** The session's events as log records, in time order, numbered by event.sequence. */
export function logRecords(session: SessionRecords): ReadableLogRecord[] {
  return eventRecords(session.plan.user, session.sessionId, session.events)
}

/**
 * Events of one session of a user as log records, in time order, numbered by event.sequence: what
 * logRecords does for a simulated session, open to events specified by hand (the tests' scenarios).
 */
export function eventRecords(user: SimUser, sessionId: string, sessionEvents: readonly SimEvent[]): ReadableLogRecord[] {
  const otel = otelOf(user)
  const std = standardAttributes(user, sessionId)
  const events = sessionEvents.map((e, i) => ({ e, i })).sort((a, b) => a.e.ms - b.e.ms || a.i - b.i)
  return events.map(({ e }, sequence) => {
    const time = hrTime(e.ms)
    return {
      hrTime: time,
      hrTimeObserved: time,
      body: `claude_code.${e.name}`,
      resource: otel.resource,
      instrumentationScope: otel.eventsScope,
      attributes: {
        ...std,
        'event.name': e.name,
        'event.timestamp': new Date(e.ms).toISOString(),
        'event.sequence': sequence,
        ...(e.promptId ? { 'prompt.id': e.promptId } : {}),
        ...e.attrs,
      },
      droppedAttributesCount: 0,
    }
  })
}

/**
 * Points of one or more sessions of one user, grouped into a ResourceMetrics for one export. A session
 * is its id and series: a simulated one, or one specified by hand (the tests' scenarios).
 */
export function resourceMetrics(
  user: SimUser,
  sessions: ReadonlyArray<{ session: Pick<SessionRecords, 'sessionId' | 'series'>; points: readonly PointDraft[] }>,
  temporality: Temporality,
): ResourceMetrics {
  const otel = otelOf(user)
  const byMetric = new Map<MetricName, Array<{ startTime: HrTime; endTime: HrTime; attributes: Attributes; value: number }>>()
  for (const { session, points } of sessions) {
    const std = standardAttributes(user, session.sessionId)
    const attributes = session.series.map((s) => ({ ...std, ...s.attrs }) as Attributes)
    for (const p of points) {
      const series = session.series[p.series]
      const attrs = attributes[p.series]
      if (!series || !attrs) continue
      let list = byMetric.get(series.metric)
      if (!list) {
        list = []
        byMetric.set(series.metric, list)
      }
      list.push({ startTime: hrTime(p.startMs), endTime: hrTime(p.endMs), attributes: attrs, value: p.value })
    }
  }
  const metrics: MetricData[] = []
  for (const d of METRIC_DESCRIPTORS) {
    const dataPoints = byMetric.get(d.name)
    if (!dataPoints || dataPoints.length === 0) continue
    metrics.push({
      descriptor: { name: d.name, description: d.description, unit: d.unit, valueType: ValueType.DOUBLE },
      aggregationTemporality: temporality === 'delta' ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE,
      dataPointType: DataPointType.SUM,
      isMonotonic: true,
      dataPoints,
    })
  }
  return { resource: otel.resource, scopeMetrics: [{ scope: otel.metricsScope, metrics }] }
}
