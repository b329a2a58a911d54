/**
 * The simulator's sessions as the rows ccscope stores of them, without HTTP: a user's sessions become the
 * OTLP requests its CLI sends (simulator/otlp.ts, encoded by simulator/otlp-json.ts), which go through the
 * collector's own steps: the privacy filter (collector/privacy.ts), normalization (collector/normalize/)
 * and the writer's deltas (collector/writer/cumulative.ts). `storeRows` then writes them as the writer does:
 * session marks, events, usage-candidate marks against the stored events, metric points, with the writer's
 * insert (warehouse/columns.ts), so the materialized views fire as at ingest.
 *
 * Used by the demo's history (simulator/backfill.ts) and the bench seed (bench/seed.ts).
 */
import type { PrivacyFilter } from '../collector/privacy'
import type { NormalizeLimits } from '../collector/normalize/common'
import { normalizeLogs } from '../collector/normalize/logs'
import { normalizeMetrics } from '../collector/normalize/metrics'
import { computeDeltas } from '../collector/writer/cumulative'
import { coverageKeys, markUncovered, markUncoveredUsage, noteLateCoverage } from '../collector/writer/orphans'
import { markSessionStarts } from '../collector/writer/sessions'
import type { Warehouse } from '../warehouse/client'
import { insertRows } from '../warehouse/columns'
import type { EventRow, MetricPointRow } from '../warehouse/rows'
import type { SimUser } from './fleet'
import { exportPoints, type Temporality } from './metrics'
import { logRecords, resourceMetrics } from './otlp'
import { logsRequest, metricsRequest } from './otlp-json'
import type { Window } from './history'
import type { SessionRecords } from './session'

export interface StoredRows {
  events: EventRow[]
  points: MetricPointRow[]
}

export interface RowsContext {
  privacy: PrivacyFilter
  /** The collector's record-age window, as of when the rows are "received". */
  limits: NormalizeLimits
  /** The CLIs' metric export interval (OTEL_METRIC_EXPORT_INTERVAL; Claude Code's default 60 s). */
  intervalMs?: number
  temporality?: Temporality
}

/** Accepts every time the simulator makes (the seed writes history of any age). */
export function seedLimits(endMs: number): NormalizeLimits {
  return { nowMs: endMs, maxRecordAgeMs: Number.MAX_SAFE_INTEGER / 4, maxClockSkewMs: 86_400_000 }
}

/**
 * What the collector makes of one user's sessions (the requests its CLI would send): rows, in no particular
 * order. With `within`, only the records whose time falls in [fromMs, toMs) (cut after the records are
 * numbered, so an event keeps its event.sequence).
 */
export function sessionRows(user: SimUser, sessions: readonly SessionRecords[], ctx: RowsContext, into: StoredRows, within?: Window): void {
  if (sessions.length === 0) return
  const temporality = ctx.temporality ?? 'delta'
  const intervalMs = ctx.intervalMs ?? 60_000
  const inside = (ms: number) => within === undefined || (ms >= within.fromMs && ms < within.toMs)
  if (user.eventsOn) {
    const records = sessions.flatMap((s) => logRecords(s)).filter((r) => inside(r.hrTime[0] * 1000 + Math.floor(r.hrTime[1] / 1e6)))
    if (records.length > 0) {
      const request = logsRequest(records)
      ctx.privacy.apply('logs', request)
      const n = normalizeLogs(request, ctx.limits)
      if (n.rejected.length > 0) throw new Error(`the collector would refuse ${n.rejected.length} simulated event(s): ${n.rejected[0]?.detail}`)
      for (const row of n.rows) into.events.push(row)
    }
  }
  const request = metricsRequest(
    resourceMetrics(
      user,
      sessions.map((session) => ({ session, points: exportPoints(session, intervalMs, temporality).filter((p) => inside(p.endMs)) })),
      temporality,
    ),
  )
  ctx.privacy.apply('metrics', request)
  const n = normalizeMetrics(request, ctx.limits)
  if (n.rejected.length > 0) throw new Error(`the collector would refuse ${n.rejected.length} simulated metric point(s): ${n.rejected[0]?.detail}`)
  // Each session's streams start with it: no stored point precedes them.
  computeDeltas(n.rows, new Map())
  for (const row of n.rows) into.points.push(row)
}

/**
 * Writes rows as the writer writes a flush (collector/writer/writer.ts): the first record of each session not
 * marked yet gets its session mark, the events are inserted, then the cost/token points no stored api_request
 * covers are marked as usage candidates and the points inserted, and candidates covered now are noted. `into` names other tables of the same
 * columns (the seed's templates); the marks are still computed against the warehouse's own tables.
 */
export async function storeRows(client: Warehouse, rows: StoredRows, into?: { events: string; points: string }): Promise<void> {
  await markSessionStarts(client, [...rows.events, ...rows.points])
  await insertRows(client, 'events', rows.events, into?.events)
  if (into) markAgainst(rows)
  else await markUncoveredUsage(client, rows.points)
  await insertRows(client, 'metric_points', rows.points, into?.points)
  // Another window's points or events of the same sessions may be stored already (the demo's history).
  if (!into) await noteLateCoverage(client, coverageKeys([...rows.events, ...rows.points]))
}

/**
 * The usage-candidate marks of rows written elsewhere than the warehouse's tables (so their events cannot be
 * looked up there): the writer's rule (collector/writer/orphans.ts), against the rows' own api_request events.
 */
function markAgainst(rows: StoredRows): void {
  markUncovered(rows.points, coverageKeys(rows.events))
}
