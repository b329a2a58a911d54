/**
 * From a session's counter measurements to the data points its periodic metric reader would export:
 * one collection every `intervalMs` from the process start and a last one at exit (shutdown flush).
 *
 * - delta (Claude Code's default): each collection holds one point per series recorded since the
 *   previous collection; its start time is the previous collection, or the series' first measurement
 *   when the series is new.
 * - cumulative: each collection holds every series seen so far with its running total; the start time
 *   is fixed per series (its first measurement), as in the captured cumulative fixtures.
 */
import type { MetricName, SessionRecords } from './session'

export type Temporality = 'delta' | 'cumulative'

export interface PointDraft {
  series: number
  startMs: number
  endMs: number
  /** In the metric's unit (USD, seconds, tokens, count). */
  value: number
}

/** Integer amounts are recorded in these units: micro-dollars and milliseconds. */
export const METRIC_SCALE: Record<MetricName, number> = {
  'claude_code.session.count': 1,
  'claude_code.lines_of_code.count': 1,
  'claude_code.pull_request.count': 1,
  'claude_code.commit.count': 1,
  'claude_code.cost.usage': 1e6,
  'claude_code.token.usage': 1,
  'claude_code.code_edit_tool.decision': 1,
  'claude_code.active_time.total': 1000,
}

/** Collection times: every interval after the start while the process runs, then at exit. */
export function collectionTimes(startMs: number, exitMs: number, intervalMs: number): number[] {
  const times: number[] = []
  for (let t = startMs + intervalMs; t < exitMs; t += intervalMs) times.push(t)
  times.push(exitMs)
  return times
}

export function exportPoints(session: SessionRecords, intervalMs: number, temporality: Temporality): PointDraft[] {
  const scale = session.series.map((s) => METRIC_SCALE[s.metric])
  const measurements = [...session.measurements].sort((a, b) => a.ms - b.ms)
  const totals = new Array<number>(session.series.length).fill(0)
  const firstSeen = new Array<number>(session.series.length).fill(-1)
  const exported = new Array<boolean>(session.series.length).fill(false)
  const points: PointDraft[] = []
  let m = 0
  let previous = -1
  for (const at of collectionTimes(session.startMs, session.exitMs, intervalMs)) {
    const window = new Map<number, number>()
    for (; m < measurements.length; m++) {
      const x = measurements[m]
      if (!x || x.ms > at) break
      if (firstSeen[x.series] === -1) firstSeen[x.series] = x.ms
      totals[x.series] = (totals[x.series] ?? 0) + x.amount
      window.set(x.series, (window.get(x.series) ?? 0) + x.amount)
    }
    if (temporality === 'delta') {
      for (const [series, amount] of [...window].sort((a, b) => a[0] - b[0])) {
        const startMs = exported[series] && previous >= 0 ? previous : (firstSeen[series] ?? at)
        exported[series] = true
        points.push({ series, startMs, endMs: at, value: amount / (scale[series] ?? 1) })
      }
    } else {
      for (let series = 0; series < session.series.length; series++) {
        const first = firstSeen[series] ?? -1
        if (first < 0) continue
        points.push({ series, startMs: first, endMs: at, value: (totals[series] ?? 0) / (scale[series] ?? 1) })
      }
    }
    previous = at
  }
  if (m < measurements.length) throw new Error(`session ${session.sessionId}: a measurement after the process exit`)
  return points
}
