import { z } from 'zod'
import { resolveRange, zonedMidnight } from '../../../schemas/analytics'
import type { Budget, BudgetStatus } from '../../../schemas/budgets'
import { answeredRange } from '../../../schemas/periods'
import type { Reader } from '../../../warehouse/pool'
import { ch, run } from '../../../warehouse/query'
import { COMMON_DIMENSION_SQL, DATASET_SQL } from '../datasets'
import { roundUsd } from '../../../schemas/money'
import { localDate } from '../queries/export'
import { attributedRows, rangeBounds } from '../sources'
import { planTiers } from '../tiers'
import { addDays, daysBetween, monthOf } from '../../../schemas/days'
import { backtest, BACKTEST_MONTHS, forecastPeriod, LOOKBACK_DAYS, meanAbsError } from './forecast'

/**
 * Spend to date and forecast per budget. Spend is the Cost page's costUsd (its source and rows: the
 * usage_by_model rollups and the metric candidates, directory-attributed teams and cost centers), per local
 * day in the budget's zone. The budgets of one zone share one query: one read of the cost rows, grouped by
 * day for the organization and by day and the scope's dimension for teams, cost centers and people
 * (GROUPING SETS), each kept to the budgets' values, as the Cost page filters them.
 */

/** The period a budget tracks as of `today`: the current calendar month, or its custom days. */
export function periodOf(budget: Budget, today: string): { firstDay: string; lastDay: string } {
  return budget.period.kind === 'month' ? monthOf(today) : { firstDay: budget.period.firstDay, lastDay: budget.period.lastDay }
}

type ScopeKind = Budget['scope']['kind']
/** Each grouped scope kind's dimension: the cost dataset's (COMMON_DIMENSION_SQL), as the Cost page groups and filters by it. */
const KEYS = { team: COMMON_DIMENSION_SQL.team, costCenter: COMMON_DIMENSION_SQL.costCenter, user: COMMON_DIMENSION_SQL.user } as const
type GroupedKind = keyof typeof KEYS

interface Series {
  daily: Map<string, number>
  dataStart: string | null
}

export interface BudgetStatuses {
  asOf: Date
  statuses: Map<string, BudgetStatus>
}

/** The Cost page's costUsd expression (the cost dataset's usage_by_model variant). */
const COST_USD = DATASET_SQL.cost.variants[0]!.measures.costUsd

/** A row: its day, the dimensions it is grouped by (k_<kind>, those of the zone's budgets), which set it is of, and its cost. */
const dailyRow = z.object({
  day: ch.string,
  k_team: ch.string.optional(),
  k_costCenter: ch.string.optional(),
  k_user: ch.string.optional(),
  g_set: ch.count,
  usd: ch.number,
})

/**
 * Daily cost per scope kind and value ('' for the organization) in one zone, from `from` (local date) to
 * now: the rows of the Cost page's `costUsd` by day (and team, cost center or user), for the values asked.
 */
async function dailyCosts(
  reader: Reader,
  now: Date,
  timeZone: string,
  values: Map<ScopeKind, string[]>,
  from: string,
): Promise<{ asOf: Date; byScope: Map<string, Series> }> {
  // The range as the Cost page answers it: to the last complete bucket before now.
  const range = answeredRange(resolveRange(from, now.toISOString(), timeZone, now), now)
  const params: Record<string, unknown> = { tz: timeZone }
  rangeBounds(range, params)
  const attribute = values.has('team') || values.has('costCenter') || values.has('user')
  const rows = attributedRows('usageByModel', planTiers(range, 'day'), params, '', attribute)
  // One grouping set per kind: (day) for the organization, (day, <dimension>) for the others, told apart by
  // grouping() over the dimensions (a bit per dimension, 1 where the set does not group by it).
  const grouped = (Object.keys(KEYS) as GroupedKind[]).filter((kind) => values.has(kind))
  const full = (1 << grouped.length) - 1
  const maskOf = (kind: ScopeKind) => (kind === 'organization' ? full : full & ~(1 << (grouped.length - 1 - grouped.indexOf(kind))))
  const sets = [...values.keys()].map((kind) => (kind === 'organization' ? '(day)' : `(day, ${KEYS[kind]})`))
  const having = [...values.keys()].map((kind) => {
    if (kind === 'organization') return `g_set = ${full}`
    params[`v_${kind}`] = values.get(kind)
    return `(g_set = ${maskOf(kind)} AND ${KEYS[kind]} IN {v_${kind}:Array(String)})`
  })
  const keyColumns = grouped.map((kind) => `${KEYS[kind]} AS k_${kind}`)
  const read = await run(reader, {
    sql: `SELECT formatDateTime(toStartOfDay(bucket, {tz:String}), '%Y-%m-%d', {tz:String}) AS day, ${[...keyColumns, ''].join(', ')}
  ${grouped.length > 0 ? `grouping(${grouped.map((kind) => KEYS[kind]).join(', ')})` : '0'} AS g_set, ${COST_USD} AS usd
FROM ${rows} AS s
GROUP BY GROUPING SETS (${sets.join(', ')})
HAVING ${having.join(' OR ')}`,
    params,
    row: dailyRow,
  })
  const byScope = new Map<string, Series>()
  const kindOf = new Map([...values.keys()].map((kind) => [maskOf(kind), kind]))
  for (const row of read) {
    const kind = kindOf.get(row.g_set)
    if (kind === undefined) continue
    const value = kind === 'organization' ? '' : String(row[`k_${kind}`] ?? '')
    // The Cost page's figure for the row: dollars to the micro-dollar.
    const usd = row.usd === null ? 0 : roundUsd(row.usd)
    const key = scopeKey(kind, value)
    const series = byScope.get(key) ?? { daily: new Map<string, number>(), dataStart: null }
    byScope.set(key, series)
    series.daily.set(row.day, (series.daily.get(row.day) ?? 0) + usd)
    if (usd > 0 && (series.dataStart === null || row.day < series.dataStart)) series.dataStart = row.day
  }
  // Answered to the end of the bucket holding now: spend is counted up to now, not past it.
  return { asOf: new Date(Math.min(range.to.getTime(), now.getTime())), byScope }
}

const scopeKey = (kind: ScopeKind, value: string) => `${kind}\u0000${value}`

const roundCents = (usd: number) => Math.round(usd * 100) / 100

export async function budgetStatuses(reader: Reader, budgets: readonly Budget[], now: Date): Promise<BudgetStatuses> {
  const groups = new Map<string, Budget[]>()
  for (const b of budgets) groups.set(b.timeZone, [...(groups.get(b.timeZone) ?? []), b])
  const statuses = new Map<string, BudgetStatus>()
  let asOf = now
  await Promise.all(
    [...groups.values()].map(async (group) => {
      const [first] = group
      if (!first) return
      const { timeZone } = first
      const today = localDate(now, timeZone)
      // History for the run rate and the backtest: the months tested and the 28 days before them.
      const historyFrom = addDays(monthOf(today).firstDay, -(BACKTEST_MONTHS * 31 + LOOKBACK_DAYS))
      const from = group.reduce((min, b) => {
        const p = periodOf(b, today)
        return p.firstDay < min ? p.firstDay : min
      }, historyFrom)
      const values = new Map<ScopeKind, string[]>()
      for (const b of group) {
        const list = values.get(b.scope.kind) ?? []
        values.set(b.scope.kind, list)
        if (b.scope.kind !== 'organization' && !list.includes(b.scope.value)) list.push(b.scope.value)
      }
      const series = await dailyCosts(reader, now, timeZone, values, from)
      asOf = series.asOf
      const asOfDay = localDate(series.asOf, timeZone)
      const dayStart = zonedMidnight(asOfDay, timeZone).getTime()
      const dayLength = zonedMidnight(addDays(asOfDay, 1), timeZone).getTime() - dayStart
      const todayElapsed = Math.min(1, Math.max(0, (series.asOf.getTime() - dayStart) / dayLength))
      for (const budget of group) {
        const { daily, dataStart } = series.byScope.get(scopeKey(budget.scope.kind, budget.scope.kind === 'organization' ? '' : budget.scope.value)) ?? {
          daily: new Map<string, number>(),
          dataStart: null,
        }
        const period = periodOf(budget, asOfDay)
        const f = forecastPeriod({ period, today: asOfDay, todayElapsed, daily, dataStart, amountUsd: budget.amountUsd })
        const points = backtest(daily, dataStart, monthOf(asOfDay).firstDay)
        const days = daysBetween(period.firstDay, period.lastDay) + 1
        const state = asOfDay < period.firstDay ? 'upcoming' : asOfDay > period.lastDay ? 'ended' : 'current'
        const elapsedDays = state === 'upcoming' ? 0 : state === 'ended' ? days : daysBetween(period.firstDay, asOfDay) + todayElapsed
        statuses.set(budget.id, {
          period: { ...period, days, elapsedDays: Math.round(elapsedDays * 100) / 100, state },
          spentUsd: roundUsd(f.spentUsd),
          percent: Math.round((f.spentUsd / budget.amountUsd) * 1000) / 10,
          forecastUsd: f.forecastUsd === null ? null : roundCents(f.forecastUsd),
          crossing: f.crossing,
          runRate: f.runRate && { weekdayUsd: roundCents(f.runRate.weekdayUsd), weekendUsd: roundCents(f.runRate.weekendUsd), days: f.runRate.days },
          backtest: {
            meanAbsErrorPct: (() => {
              const e = meanAbsError(points)
              return e === null ? null : Math.round(e * 10) / 10
            })(),
            forecasts: points.map((p) => ({
              ...p,
              forecastUsd: roundCents(p.forecastUsd),
              actualUsd: roundCents(p.actualUsd),
              errorPct: Math.round(p.errorPct * 10) / 10,
            })),
          },
        })
      }
    }),
  )
  return { asOf, statuses }
}
