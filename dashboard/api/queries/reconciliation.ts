import { z } from 'zod'
import {
  RECONCILIATION_CAUSES,
  type BilledRow,
  type ReconciliationPageQuery,
  type ReconciliationQuery,
  type ReconciliationResponse,
} from '../../../schemas/billing'
import { SNAP_BELOW_USD } from '../../../schemas/money'
import { answeredRange } from '../../../schemas/periods'
import type { Reader } from '../../../warehouse/pool'
import { ch, run } from '../../../warehouse/query'
import { type CauseGroup, RULES, reconcileRows, summarize, type TelemetryRow } from '../billing/reconcile'
import { newestImport, readImportedDays, readStoredSummary } from '../billing/store'
import { attributedRows, rangeBounds } from '../sources'
import { planTiers } from '../tiers'

/**
 * GET /api/v1/billing/reconciliation: the telemetry's cost per UTC day, person and model, read exactly as the
 * Cost page reads it (the usage_by_model rollups plus the metric candidates, sources.ts: events where they
 * exist, metric points for sessions without any, each request once), against the bill's rows (billing/store.ts).
 *
 * One query puts them side by side per UTC day and person in the engine (the same integer arithmetic as
 * billing/reconcile.ts: micro-dollars, then cents half away from zero), flags and classifies every person-day,
 * sums them per day and cause, and ranks them (flagged first, largest |difference| first, then day and person):
 * only the page's person-days leave the engine, each with its per-model rows, which billing/reconcile.ts turns
 * into the answer's rows (the evidence sentences, the models). Days and totals are sums over every person-day
 * of the range whatever the page. SQL is code-owned text; the range and the page travel as typed placeholders.
 */

/** The range as instants: the days' UTC midnights, cut at the clock like every other answer (schemas/periods.ts). */
function instants(query: ReconciliationQuery, now: Date) {
  return answeredRange({ from: new Date(`${query.from}T00:00:00Z`), to: new Date(`${query.to}T00:00:00Z`), timeZone: 'UTC' }, now)
}

/** JavaScript's Math.round(x) exactly (ties toward +∞; ClickHouse's round() ties to even on floats). */
const mathRound = (x: string) => `toInt64(floor(${x}) + (${x} - floor(${x}) >= 0.5))`
/** schemas/money.ts usdMicros before its last rounding: dollars → micro-dollars, snapped to nano-dollars first. */
export const snappedMicros = (usd: string) => `if(abs(${usd}) < ${SNAP_BELOW_USD}, floor(${usd} * 1e9 + 0.5) / 1e3, ${usd} * 1e6)`
/** schemas/money.ts microsToCents: whole cents, half away from zero. */
const cents = (micros: string) => `(toInt64(intDiv(abs(${micros}) + 5000, 10000)) * sign(${micros}))`

/**
 * Every person-day of the range, ranked (the CTE `ranked`), with what the rules need: the sides' cents, the flag,
 * the cause (billing/reconcile.ts `classify`, step for step: the same integers, the same float comparisons; the
 * export reconciles in JavaScript and test/billing.test.ts checks the two agree), whether the person is on the
 * bill at all in the range (a cause's evidence), and the per-model rows as read (sides: 1 telemetry, 2 bill).
 */
function personDaysSql(query: ReconciliationQuery, now: Date, params: Record<string, unknown>): string {
  const range = instants(query, now)
  rangeBounds(range, params)
  params.dayFrom = query.from
  params.dayTo = query.to
  params.thresholdPercent = query.thresholdPercent
  params.thresholdUsd = query.thresholdUsd
  const rows = attributedRows('usageByModel', planTiers(range, 'day'), params, '', false)
  const c = RULES
  // Each level names plain columns for the next (no alias of an alias: the engine would repeat the expression).
  return `sides AS (
  SELECT day, user_key, model, 1 AS side, ${mathRound('x')} AS micros, ${mathRound('y')} AS sub,
    tokens, toUInt64(0) AS t_in, toUInt64(0) AS t_out, toUInt64(0) AS t_cr, toUInt64(0) AS t_cc, toUInt8(1) AS known, '' AS actor
  FROM (
    SELECT toDate(bucket, 'UTC') AS day, u AS user_key, model, ${snappedMicros('sum(usd)')} AS x, ${snappedMicros("sumIf(usd, query_source = 'subagent')")} AS y,
      toUInt64(sum(t_input + t_output + t_cache_read + t_cache_creation)) AS tokens
    FROM ${rows} AS s
    GROUP BY day, user_key, model
    HAVING x != 0 OR tokens != 0
  )
  UNION ALL
  SELECT day, user_key, model, 2 AS side, micros, toInt64(0) AS sub, t_in + t_out + t_cr + t_cc AS tokens, t_in, t_out, t_cr, t_cc, known, actor
  FROM (
    SELECT day, user_key, model, toString(any(actor_type)) AS actor, sum(cost_micros) AS micros, sum(input_tokens) AS t_in, sum(output_tokens) AS t_out,
      sum(cache_read_tokens) AS t_cr, sum(cache_creation_tokens) AS t_cc, toUInt8(min(tokens_reported)) AS known
    FROM billed_usage
    WHERE day >= {dayFrom:Date} AND day < {dayTo:Date} AND model != '' AND ${newestImport('dayFrom', 'dayTo')}
    GROUP BY day, user_key, model
  )
),
models AS (
  SELECT day, user_key, has_t, t_micros, s_micros, has_b, b_micros, raw, abs(b_micros - t_micros) AS abs_d,
    has_b AND b_known AND t_tokens != 0 AND abs(toFloat64(b_tokens) - toFloat64(t_tokens)) <= ${c.tokensAgree} * toFloat64(greatest(b_tokens, t_tokens)) AS tokens_agree
  FROM (
    SELECT day, user_key, replaceRegexpOne(model, '-[0-9]{8}$', '') AS model_key,
      max(side = 1) AS has_t, sumIf(micros, side = 1) AS t_micros, sumIf(sub, side = 1) AS s_micros, sumIf(tokens, side = 1) AS t_tokens,
      max(side = 2) AS has_b, sumIf(micros, side = 2) AS b_micros, sumIf(tokens, side = 2) AS b_tokens, minIf(known, side = 2) AS b_known,
      groupArray((side, model, micros, sub, tokens, t_in, t_out, t_cr, t_cc, known, actor)) AS raw
    FROM sides
    GROUP BY day, user_key, model_key
  )
),
sums AS (
  SELECT day, user_key, telemetry_reported, telemetry_micros, subagent_micros, billed_reported, billed_micros, spread, top_d, top_agrees, raw_rows, imported,
    ${cents('telemetry_micros')} AS t_cents,
    if(imported, ${cents('billed_micros')}, 0) AS b_cents,
    ${cents('subagent_micros')} AS s_cents
  FROM (
    SELECT day, user_key, max(has_t) AS telemetry_reported, sum(t_micros) AS telemetry_micros, sum(s_micros) AS subagent_micros,
      max(has_b) AS billed_reported, sum(b_micros) AS billed_micros, sum(abs_d) AS spread, max(abs_d) AS top_d, argMax(tokens_agree, abs_d) AS top_agrees,
      arraySort(arrayFlatten(groupArray(raw))) AS raw_rows, day IN (SELECT DISTINCT day FROM billed_usage WHERE day >= {dayFrom:Date} AND day < {dayTo:Date}) AS imported
    FROM models
    GROUP BY day, user_key
  )
),
person_days AS (
  SELECT day, user_key, billed_reported, t_cents, b_cents, d_cents, s_cents, raw_rows,
    imported AND abs(d_cents) > {thresholdUsd:Float64} * 100 AND abs(d_cents) > ({thresholdPercent:Float64} / 100) * abs(b_cents) AS flagged,
    multiIf(
      NOT imported, 'not_imported',
      d_cents = 0, 'match',
      NOT telemetry_reported AND billed_micros > 0, 'no_telemetry',
      billed_micros = 0 AND telemetry_micros > 0, 'not_billed',
      spread > 0 AND top_d >= ${c.concentration} * spread AND top_agrees, 'price_drift',
      subagent_micros > 0 AND abs(toInt64(abs(billed_micros - telemetry_micros)) - subagent_micros) <= greatest(${c.subagentMatch} * subagent_micros, ${c.centMicros}),
        'subagents',
      'unexplained') AS cause
  FROM (SELECT *, if(imported, b_cents - t_cents, 0) AS d_cents FROM sums)
),
ranked AS (
  SELECT *, max(billed_reported) OVER (PARTITION BY user_key) AS on_bill,
    row_number() OVER (ORDER BY flagged DESC, abs(d_cents) DESC, day, user_key) AS rank
  FROM person_days
)`
}

const rawRow = z.tuple([ch.count, ch.string, ch.count, ch.count, ch.count, ch.count, ch.count, ch.count, ch.count, ch.count, ch.string])

const groupRow = z.object({
  day_text: ch.string,
  cause_text: z.enum(RECONCILIATION_CAUSES),
  n_rows: ch.count,
  sum_t: ch.count,
  sum_b: ch.count,
  sum_d: ch.count,
  sum_s: ch.count,
  n_flagged: ch.count,
  page: z.array(z.tuple([ch.count, ch.string, ch.boolean, z.array(rawRow)])),
})

/** The cause of every person-day, summed per UTC day and cause, with the page's person-days inside their groups. */
async function personDayGroups(client: Reader, query: ReconciliationPageQuery, now: Date) {
  const params: Record<string, unknown> = { offset: query.offset, limit: query.limit }
  const ctes = personDaysSql(query, now, params)
  return run(client, {
    sql: `WITH ${ctes}
SELECT toString(day) AS day_text, cause AS cause_text, count() AS n_rows, sum(t_cents) AS sum_t, sum(b_cents) AS sum_b, sum(d_cents) AS sum_d,
  sum(s_cents) AS sum_s, countIf(flagged) AS n_flagged,
  groupArrayIf((rank, user_key, on_bill, raw_rows), rank > {offset:UInt64} AND rank <= {offset:UInt64} + {limit:UInt64}) AS page
FROM ranked
GROUP BY day, cause`,
    params,
    row: groupRow,
  })
}

/** The UTC days on which each of `users` sent any telemetry (an event or a metric point) in the range. */
export async function activeDays(client: Reader, query: ReconciliationQuery, now: Date, users: string[]): Promise<Map<string, Set<string>>> {
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

const actorOf = (actor: string): BilledRow['actorType'] => (actor === 'api_actor' ? 'api_actor' : actor === 'user_actor' ? 'user_actor' : 'csv')

/** The answer: days and totals over every person-day of the range, and one page of rows in rank order. */
export async function queryReconciliation(client: Reader, query: ReconciliationPageQuery, now: Date): Promise<ReconciliationResponse> {
  const [groups, imported, stored] = await Promise.all([
    personDayGroups(client, query, now),
    readImportedDays(client, query.from, query.to),
    readStoredSummary(client),
  ])
  const page = groups.flatMap((g) => g.page.map(([rank, user, onBill, raw]) => ({ rank, day: g.day_text, user, onBill, raw })))
  page.sort((a, b) => a.rank - b.rank)
  const telemetry: TelemetryRow[] = []
  const billed: BilledRow[] = []
  for (const p of page)
    for (const [side, model, micros, sub, tokens, input, output, cacheRead, cacheCreation, known, actor] of p.raw) {
      if (side === 1) telemetry.push({ day: p.day, user: p.user, model, costMicros: micros, subagentMicros: sub, tokens })
      else
        billed.push({
          day: p.day,
          user: p.user,
          model,
          actorType: actorOf(actor),
          costMicros: micros,
          tokens: known ? { input, output, cacheRead, cacheCreation } : null,
        })
    }
  // Who is billed on a day without cost telemetry: did they send anything at all (the cause's detail)? Only the page's.
  const withCost = new Set(telemetry.map((t) => `${t.day}\u0000${t.user}`))
  const silent = [...new Set(billed.filter((b) => !withCost.has(`${b.day}\u0000${b.user}`)).map((b) => b.user))]
  const activity = await activeDays(client, query, now, silent)
  const onBill = new Set(page.filter((p) => p.onBill).map((p) => p.user))
  // In the engine's order (inRankOrder is the same in JavaScript: the export's, which test/billing.test.ts compares).
  const rank = new Map(page.map((p) => [`${p.day}\u0000${p.user}`, p.rank]))
  const at = (r: { date: string; user: string }) => rank.get(`${r.date}\u0000${r.user}`) ?? 0
  const rows = reconcileRows({ query, telemetry, billed, imported, activity }, onBill).sort((a, b) => at(a) - at(b))
  const sums: CauseGroup[] = groups.map((g) => ({
    day: g.day_text,
    cause: g.cause_text,
    rows: g.n_rows,
    telemetryCents: g.sum_t,
    billedCents: g.sum_b,
    differenceCents: g.sum_d,
    subagentCents: g.sum_s,
    flaggedRows: g.n_flagged,
  }))
  return { ...summarize(query, sums, imported, query), rows: rows.map(({ cents: _cents, ...row }) => row), stored }
}
