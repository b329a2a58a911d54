import { selectRows, type Warehouse } from '../../warehouse/client'
import type { MetricPointRow } from '../../warehouse/rows'
import { utcDay } from './journal'

/** The metrics the cost dataset reads (usage_metrics_15m's view). */
const USAGE_METRICS: ReadonlySet<string> = new Set(['claude_code.cost.usage', 'claude_code.token.usage'])

interface OrphanRow {
  session_id: string
  user_key: string
  day: string
}

/**
 * The sessions (or, without session.id, user-days) of these cost/token points that no stored api_request
 * event covers yet: the candidates whose metrics the cost dataset may count (migration 0009). Sessions are
 * looked up in usage_event_coverage by its primary key; user-days are always noted, and the query checks
 * them. Noting a candidate that turns out covered is harmless; missing one would drop its cost.
 */
async function uncoveredUsage(client: Warehouse, rows: readonly MetricPointRow[]): Promise<OrphanRow[]> {
  const usage = rows.filter((r) => USAGE_METRICS.has(r.metric_name))
  if (usage.length === 0) return []
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
  const orphans = new Map<string, OrphanRow>()
  for (const r of usage) {
    if (r.session_id !== '' && covered.has(r.session_id)) continue
    const row = { session_id: r.session_id, user_key: r.user_key, day: utcDay(r.timestamp) }
    orphans.set(`${row.session_id}\u0000${row.user_key}\u0000${row.day}`, row)
  }
  return [...orphans.values()]
}

/** Writes the candidates of these points (uncoveredUsage) to usage_metric_orphans. */
export async function noteUncoveredUsage(client: Warehouse, rows: readonly MetricPointRow[]): Promise<void> {
  const orphans = await uncoveredUsage(client, rows)
  if (orphans.length > 0)
    await client.insert({ table: 'usage_metric_orphans', values: orphans, format: 'JSONEachRow', clickhouse_settings: { async_insert: 0 } })
}
