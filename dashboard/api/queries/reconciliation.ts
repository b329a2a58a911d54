import { z } from 'zod'
import type { ReconciliationQuery, ReconciliationResponse } from '../../../schemas/billing'
import { answeredRange } from '../../../schemas/periods'
import type { Reader } from '../../../warehouse/pool'
import { ch, run } from '../../../warehouse/query'
import { reconcile, type TelemetryRow } from '../billing/reconcile'
import { readBilledRows, readImportedDays, readStoredSummary } from '../billing/store'
import { attributedRows, rangeBounds } from '../sources'
import { planTiers } from '../tiers'

/**
 * GET /api/v1/billing/reconciliation: the telemetry's cost per UTC day, person and model, read exactly as the
 * Cost page reads it (the usage_by_model rollups plus the metric candidates, sources.ts: events where they
 * exist, metric points for sessions without any, each request once), and the bill's rows (billing/store.ts),
 * put side by side by billing/reconcile.ts. SQL is code-owned text; the range travels as typed placeholders.
 */

const telemetryRow = z.object({
  day: ch.string,
  user_key: ch.string,
  model: ch.string,
  cost_usd: ch.number,
  subagent_usd: ch.number,
  tokens: ch.count,
})

/** The range as instants: the days' UTC midnights, cut at the clock like every other answer (schemas/periods.ts). */
function instants(query: ReconciliationQuery, now: Date) {
  return answeredRange({ from: new Date(`${query.from}T00:00:00Z`), to: new Date(`${query.to}T00:00:00Z`), timeZone: 'UTC' }, now)
}

/** Cost, sub-agent cost and tokens per UTC day, user key and model: the Cost page's source, not a second figure. */
export async function telemetryCost(client: Reader, query: ReconciliationQuery, now: Date): Promise<TelemetryRow[]> {
  const range = instants(query, now)
  const params: Record<string, unknown> = {}
  rangeBounds(range, params)
  const rows = attributedRows('usageByModel', planTiers(range, 'day'), params, '', false)
  const result = await run(client, {
    sql: `SELECT formatDateTime(toStartOfDay(bucket, 'UTC'), '%Y-%m-%d', 'UTC') AS day, u AS user_key, model,
  sum(usd) AS cost_usd, sumIf(usd, query_source = 'subagent') AS subagent_usd,
  sum(t_input + t_output + t_cache_read + t_cache_creation) AS tokens
FROM ${rows} AS s
GROUP BY day, user_key, model
HAVING cost_usd != 0 OR tokens != 0
ORDER BY day, user_key, model`,
    params,
    row: telemetryRow,
  })
  return result.map((r) => ({
    day: r.day,
    user: r.user_key,
    model: r.model,
    // Micro-dollars, as the Cost page rounds (queries/dataset.ts, roundUsd).
    costMicros: Math.round((r.cost_usd ?? 0) * 1e6),
    subagentMicros: Math.round((r.subagent_usd ?? 0) * 1e6),
    tokens: r.tokens,
  }))
}

/** The UTC days on which each of `users` sent any telemetry (an event or a metric point) in the range. */
async function activeDays(client: Reader, query: ReconciliationQuery, now: Date, users: string[]): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>()
  if (users.length === 0) return out
  const range = instants(query, now)
  const params: Record<string, unknown> = { users }
  rangeBounds(range, params)
  const rows = attributedRows('userActivity', planTiers(range, 'day'), params, '', false)
  const result = await run(client, {
    sql: `SELECT formatDateTime(toStartOfDay(bucket, 'UTC'), '%Y-%m-%d', 'UTC') AS day, u AS user_key
FROM ${rows} AS s
WHERE u IN {users:Array(String)} AND n_events + n_points > 0
GROUP BY day, user_key`,
    params,
    row: z.object({ day: ch.string, user_key: ch.string }),
  })
  for (const r of result) {
    const days = out.get(r.user_key) ?? new Set<string>()
    days.add(r.day)
    out.set(r.user_key, days)
  }
  return out
}

export async function queryReconciliation(client: Reader, query: ReconciliationQuery, now: Date): Promise<ReconciliationResponse> {
  const [telemetry, billed, imported, stored] = await Promise.all([
    telemetryCost(client, query, now),
    readBilledRows(client, query.from, query.to),
    readImportedDays(client, query.from, query.to),
    readStoredSummary(client),
  ])
  // Who is billed on a day without cost telemetry: did they send anything at all (the cause's detail)?
  const withCost = new Set(telemetry.map((t) => `${t.day}\u0000${t.user}`))
  const silent = [...new Set(billed.filter((b) => !withCost.has(`${b.day}\u0000${b.user}`)).map((b) => b.user))]
  const activity = await activeDays(client, query, now, silent)
  return { ...reconcile({ query, telemetry, billed, imported, activity }), stored }
}
