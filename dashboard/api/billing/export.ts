import type { Readable } from 'node:stream'
import { stringify } from 'csv-stringify'
import { z } from 'zod'
import type { ReconciliationQuery, ReconciliationResponse } from '../../../schemas/billing'
import { answeredRange } from '../../../schemas/periods'
import type { Reader } from '../../../warehouse/pool'
import { ch, run } from '../../../warehouse/query'
import { usdMicros } from '../../../schemas/money'
import { activeDays, snappedMicros } from '../queries/reconciliation'
import { attributedRows, rangeBounds } from '../sources'
import { planTiers } from '../tiers'
import { reconcile, type TelemetryRow } from './reconcile'
import { readBilledRows, readImportedDays, readStoredSummary } from './store'

/**
 * GET /api/v1/billing/reconciliation.csv: every row of the reconciliation, for finance's spreadsheet. Built the
 * other way from the JSON pages: the rows as read (the telemetry's cost per UTC day, person and model, and the
 * bill's rows) reconciled in JavaScript (billing/reconcile.ts), then put in the pages' order. So the export is
 * also the reference the engine's reconciliation is tested against: its rows are the pages' rows, one after
 * the other (test/billing.test.ts).
 *
 * Formula injection (OWASP "CSV Injection"): text cells that begin with =, +, -, @, tab or carriage return are
 * written with a leading single quote (csv-stringify's escape_formulas, as in queries/export.ts); amounts are
 * numbers, and a negative one is written as a number so that the guard does not turn it into text.
 */

const telemetryRow = z.object({
  day: ch.string,
  user_key: ch.string,
  model: ch.string,
  cost_usd: ch.number,
  subagent_usd: ch.number,
  tokens: ch.count,
})

/** Cost, sub-agent cost and tokens per UTC day, user key and model: the Cost page's source, not a second figure. */
async function telemetryCost(client: Reader, query: ReconciliationQuery, now: Date): Promise<TelemetryRow[]> {
  const range = answeredRange({ from: new Date(`${query.from}T00:00:00Z`), to: new Date(`${query.to}T00:00:00Z`), timeZone: 'UTC' }, now)
  const params: Record<string, unknown> = {}
  rangeBounds(range, params)
  const rows = attributedRows('usageByModel', planTiers(range, 'day'), params, '', false)
  const result = await run(client, {
    sql: `SELECT formatDateTime(toStartOfDay(bucket, 'UTC'), '%Y-%m-%d', 'UTC') AS day, u AS user_key, model,
  sum(usd) AS cost_usd, sumIf(usd, query_source = 'subagent') AS subagent_usd,
  sum(t_input + t_output + t_cache_read + t_cache_creation) AS tokens
FROM ${rows} AS s
GROUP BY day, user_key, model
HAVING ${snappedMicros('cost_usd')} != 0 OR tokens != 0
ORDER BY day, user_key, model`,
    params,
    row: telemetryRow,
  })
  return result.map((r) => ({
    day: r.day,
    user: r.user_key,
    model: r.model,
    // Micro-dollars, as every page rounds (money.ts).
    costMicros: usdMicros(r.cost_usd ?? 0),
    subagentMicros: usdMicros(r.subagent_usd ?? 0),
    tokens: r.tokens,
  }))
}

/** The whole reconciliation, every row, in JavaScript. */
export async function reconcileAll(client: Reader, query: ReconciliationQuery, now: Date): Promise<ReconciliationResponse> {
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

export const RECONCILIATION_CSV_COLUMNS = [
  'row_type',
  'date',
  'user',
  'billed_as',
  'telemetry_usd',
  'billed_usd',
  'difference_usd',
  'subagent_usd',
  'cause',
  'flagged',
  'detail',
] as const

/** USD to the cent as text ("1.50"); a negative amount as a number, so the formula guard leaves it a figure; null as empty. */
const money = (v: number | null): string | number => (v === null ? '' : v < 0 ? Number(v.toFixed(2)) : v.toFixed(2))

/** The answer as CSV: a row per UTC day and person in the pages' order, then a `total` row (the answer's totals). */
export function reconciliationCsv(answer: ReconciliationResponse): Readable {
  const csv = stringify({ header: true, columns: [...RECONCILIATION_CSV_COLUMNS], escape_formulas: true })
  for (const r of answer.rows)
    csv.write([
      'data',
      r.date,
      r.user,
      r.billedAs ?? '',
      money(r.telemetryUsd),
      money(r.billedUsd),
      money(r.differenceUsd),
      money(r.subagentUsd),
      r.cause,
      String(r.flagged),
      r.detail,
    ])
  const t = answer.totals
  csv.write(['total', '', '', '', money(t.telemetryUsd), money(t.billedUsd), money(t.differenceUsd), money(t.subagentUsd), '', String(t.flaggedRows), ''])
  csv.end()
  return csv
}

/** "ccscope-reconciliation-2026-11-01-to-2026-11-30.csv": the first and last UTC day of the range. */
export function reconciliationCsvFileName(query: Pick<ReconciliationQuery, 'from' | 'to'>): string {
  const last = new Date(Date.parse(`${query.to}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10)
  return `ccscope-reconciliation-${query.from === last ? query.from : `${query.from}-to-${last}`}.csv`
}
