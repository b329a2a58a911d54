import { z } from 'zod'
import type { BilledRow, BillingImportResponse, BillingSource } from '../../../schemas/billing'
import { centsToUsd, microsToCents } from '../../../schemas/money'
import { selectRows, type Warehouse } from '../../../warehouse/client'
import type { Reader } from '../../../warehouse/pool'
import { ch, run } from '../../../warehouse/query'

/**
 * billed_usage (migration 0016): an import replaces every UTC day it holds. Each import is stored under a
 * new, strictly larger import_id; reads take, per day, that day's newest import only; the older imports of
 * those days are deleted once the new one is stored (reads are right without that delete, it only keeps the
 * table small). So importing the same report twice leaves what importing it once did.
 */

/**
 * Stores one import: `rows`, replacing every day they hold and every day of `alsoDays` (days the source
 * reported with nobody on them, such as an Admin API day with no records: stored as a marker row with no
 * model, so that the day counts as imported and its telemetry as not billed).
 */
export async function storeBilledRows(
  client: Warehouse,
  rows: BilledRow[],
  source: BillingSource,
  alsoDays: readonly string[] = [],
): Promise<BillingImportResponse> {
  const [last] = await selectRows<{ id: string }>(client, 'SELECT max(import_id) AS id FROM billed_usage')
  const importId = Math.max(Date.now(), Number(last?.id ?? 0) + 1)
  const days = [...new Set([...rows.map((r) => r.day), ...alsoDays])].sort()
  const withRows = new Set(rows.map((r) => r.day))
  const markers: BilledRow[] = days
    .filter((d) => !withRows.has(d))
    .map((day) => ({ day, user: '', model: '', actorType: 'user_actor', costMicros: 0, tokens: null }))
  if (days.length > 0) {
    await client.insert({
      table: 'billed_usage',
      format: 'JSONEachRow',
      values: [...rows, ...markers].map((r) => ({
        day: r.day,
        user_key: r.user,
        model: r.model,
        actor_type: r.actorType,
        cost_micros: r.costMicros,
        input_tokens: r.tokens?.input ?? 0,
        output_tokens: r.tokens?.output ?? 0,
        cache_read_tokens: r.tokens?.cacheRead ?? 0,
        cache_creation_tokens: r.tokens?.cacheCreation ?? 0,
        tokens_reported: r.tokens !== null,
        source,
        import_id: importId,
      })),
    })
    await client.command({
      query: 'DELETE FROM billed_usage WHERE day IN {days:Array(Date)} AND import_id < {id:UInt64}',
      query_params: { days, id: importId },
    })
  }
  const micros = rows.reduce((sum, r) => sum + r.costMicros, 0)
  return {
    importedAt: new Date(importId).toISOString(),
    source,
    days,
    rows: rows.length,
    users: new Set(rows.map((r) => r.user)).size,
    costUsd: centsToUsd(microsToCents(micros)),
  }
}

/** The newest import of each day in [from, to) (placeholders of type Date, by name): the rows reads use. */
export const newestImport = (from = 'from', to = 'to') =>
  `(day, import_id) IN (SELECT day, max(import_id) FROM billed_usage WHERE day >= {${from}:Date} AND day < {${to}:Date} GROUP BY day)`
const NEWEST = newestImport()

const billedRow = z.object({
  day_text: ch.string,
  user_key: ch.string,
  model: ch.string,
  actor_type: ch.string,
  cost_micros: ch.count,
  input_tokens: ch.count,
  output_tokens: ch.count,
  cache_read_tokens: ch.count,
  cache_creation_tokens: ch.count,
  tokens_reported: ch.boolean,
})

/** The billed rows of [from, to) (UTC days, YYYY-MM-DD), each day from its newest import. */
export async function readBilledRows(client: Reader, from: string, to: string): Promise<BilledRow[]> {
  const rows = await run(client, {
    sql: `SELECT toString(day) AS day_text, user_key, model, any(actor_type) AS actor_type, sum(cost_micros) AS cost_micros,
  sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens, sum(cache_read_tokens) AS cache_read_tokens,
  sum(cache_creation_tokens) AS cache_creation_tokens, min(tokens_reported) AS tokens_reported
FROM billed_usage
WHERE day >= {from:Date} AND day < {to:Date} AND model != '' AND ${NEWEST}
GROUP BY day, user_key, model
ORDER BY day, user_key, model`,
    params: { from, to },
    row: billedRow,
  })
  return rows.map((r) => ({
    day: r.day_text,
    user: r.user_key,
    model: r.model,
    actorType: r.actor_type === 'api_actor' ? 'api_actor' : r.actor_type === 'user_actor' ? 'user_actor' : 'csv',
    costMicros: r.cost_micros,
    tokens: r.tokens_reported
      ? { input: r.input_tokens, output: r.output_tokens, cacheRead: r.cache_read_tokens, cacheCreation: r.cache_creation_tokens }
      : null,
  }))
}

export interface ImportedDay {
  day: string
  importedAt: string
  source: BillingSource
}

const sourceOf = (s: string): BillingSource => (s === 'admin_api' || s === 'admin_api_upload' ? s : 'csv')

/** The days of [from, to) with billing data, and when and how each was last imported. */
export async function readImportedDays(client: Reader, from: string, to: string): Promise<ImportedDay[]> {
  const rows = await run(client, {
    sql: `SELECT toString(day) AS day_text, max(import_id) AS last_import, argMax(source, import_id) AS last_source
FROM billed_usage WHERE day >= {from:Date} AND day < {to:Date} GROUP BY day ORDER BY day`,
    params: { from, to },
    row: z.object({ day_text: ch.string, last_import: ch.count, last_source: ch.string }),
  })
  return rows.map((r) => ({ day: r.day_text, importedAt: new Date(r.last_import).toISOString(), source: sourceOf(r.last_source) }))
}

/** How much billing data is stored at all: for "nothing imported yet". */
export async function readStoredSummary(client: Reader): Promise<{ days: number; lastImportAt: string | null }> {
  const [row] = await run(client, {
    sql: 'SELECT uniqExact(day) AS days, max(import_id) AS last FROM billed_usage',
    params: {},
    row: z.object({ days: ch.count, last: ch.count }),
  })
  return { days: row?.days ?? 0, lastImportAt: row && row.last > 0 ? new Date(row.last).toISOString() : null }
}
