import { selectRows, type Warehouse } from '../../warehouse/client'
import type { MetricPointRow } from '../../warehouse/rows'

/** The metrics the cost dataset reads (usage_metric_candidates_15m's view). */
const USAGE_METRICS: ReadonlySet<string> = new Set(['claude_code.cost.usage', 'claude_code.token.usage'])

/**
 * Marks the cost/token points whose session no stored api_request event covers yet (usage_candidate = 1):
 * the only points whose cost the cost dataset may count (warehouse/RULES.md, "Cost and tokens"; migration
 * 0010 rolls them up per session). Sessions are looked up in usage_event_coverage by its primary key;
 * points without session.id are always marked, and the query checks their user-day. Marking a point whose
 * session turns out covered later is harmless (the query checks coverage again); missing one would drop
 * its cost. The mark is stored with the point, so a rebuild of the rollups from the raw rows repeats it.
 */
export async function markUncoveredUsage(client: Warehouse, rows: MetricPointRow[]): Promise<number> {
  const usage = rows.filter((r) => USAGE_METRICS.has(r.metric_name))
  if (usage.length === 0) return 0
  const sessions = [...new Set(usage.map((r) => r.session_id).filter((s) => s !== ''))]
  const covered = new Set<string>()
  if (sessions.length > 0) {
    const found = await selectRows<{ s: string }>(
      client,
      'SELECT DISTINCT session_id AS s FROM usage_event_coverage WHERE session_id IN {sessions:Array(String)}',
      { sessions },
    )
    for (const { s } of found) covered.add(s)
  }
  return markUncovered(usage, covered)
}

/** The marking rule itself: each cost/token point whose session is not in `covered` (or has none) is marked. */
export function markUncovered(rows: readonly MetricPointRow[], covered: ReadonlySet<string>): number {
  let marked = 0
  for (const r of rows) {
    if (!USAGE_METRICS.has(r.metric_name) || (r.session_id !== '' && covered.has(r.session_id))) continue
    r.usage_candidate = 1
    marked++
  }
  return marked
}
