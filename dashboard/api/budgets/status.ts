import { datasetQuerySchema, zonedMidnight } from '../../../schemas/analytics'
import type { Budget, BudgetStatus } from '../../../schemas/budgets'
import type { Reader } from '../../../warehouse/pool'
import { runDatasetFigures } from '../queries/dataset'
import { localDate } from '../queries/export'
import { addDays, daysBetween, monthOf } from '../../../schemas/days'
import { backtest, BACKTEST_MONTHS, forecastPeriod, LOOKBACK_DAYS, meanAbsError } from './forecast'

/**
 * Spend to date and forecast per budget. Spend is the Cost page's costUsd (the same dataset query,
 * directory-attributed teams and cost centers), per local day in the budget's zone; budgets of one
 * zone and scope kind share one query (grouped by the scope's dimension, filtered to the budgets' values).
 */

/** The period a budget tracks as of `today`: the current calendar month, or its custom days. */
export function periodOf(budget: Budget, today: string): { firstDay: string; lastDay: string } {
  return budget.period.kind === 'month' ? monthOf(today) : { firstDay: budget.period.firstDay, lastDay: budget.period.lastDay }
}

const DIMENSION = { team: 'team', costCenter: 'costCenter', user: 'user' } as const

interface Series {
  daily: Map<string, number>
  dataStart: string | null
}

export interface BudgetStatuses {
  asOf: Date
  statuses: Map<string, BudgetStatus>
}

/** Daily cost per scope value ('' for the organization), from `from` (local date) to now. */
async function dailyCost(
  reader: Reader,
  now: Date,
  timeZone: string,
  kind: Budget['scope']['kind'],
  values: string[],
  from: string,
): Promise<{ asOf: Date; byValue: Map<string, Series> }> {
  const dimension = kind === 'organization' ? undefined : DIMENSION[kind]
  const query = datasetQuerySchema('cost').parse({
    from,
    to: now.toISOString(),
    tz: timeZone,
    granularity: 'day',
    measures: 'costUsd',
    limit: 10_000,
    ...(dimension ? { groupBy: dimension, [dimension]: values } : {}),
  })
  // Cost only: no coverage companion; every group (the budgets' values filter them), no ranking of top groups.
  const answer = await runDatasetFigures({ client: reader, scope: null, now }, query, { all: true })
  const byValue = new Map<string, Series>()
  for (const row of answer.rows) {
    const key = dimension ? String(row.group ?? '') : ''
    const day = String(row.period ?? '').slice(0, 10)
    const usd = typeof row.costUsd === 'number' ? row.costUsd : 0
    const series = byValue.get(key) ?? { daily: new Map<string, number>(), dataStart: null }
    byValue.set(key, series)
    series.daily.set(day, (series.daily.get(day) ?? 0) + usd)
    if (usd > 0 && (series.dataStart === null || day < series.dataStart)) series.dataStart = day
  }
  // Answered to the end of the bucket holding now: spend is counted up to now, not past it.
  return { asOf: new Date(Math.min(Date.parse(answer.range.to), now.getTime())), byValue }
}

const roundCents = (usd: number) => Math.round(usd * 100) / 100
const roundMicros = (usd: number) => Math.round(usd * 1e6) / 1e6

export async function budgetStatuses(reader: Reader, budgets: readonly Budget[], now: Date): Promise<BudgetStatuses> {
  const groups = new Map<string, Budget[]>()
  for (const b of budgets) {
    const key = `${b.timeZone}\u0000${b.scope.kind}`
    groups.set(key, [...(groups.get(key) ?? []), b])
  }
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
      const values = group.flatMap((b) => (b.scope.kind === 'organization' ? [] : [b.scope.value]))
      const series = await dailyCost(reader, now, timeZone, first.scope.kind, [...new Set(values)], from)
      asOf = series.asOf
      const asOfDay = localDate(series.asOf, timeZone)
      const dayStart = zonedMidnight(asOfDay, timeZone).getTime()
      const dayLength = zonedMidnight(addDays(asOfDay, 1), timeZone).getTime() - dayStart
      const todayElapsed = Math.min(1, Math.max(0, (series.asOf.getTime() - dayStart) / dayLength))
      for (const budget of group) {
        const { daily, dataStart } = series.byValue.get(budget.scope.kind === 'organization' ? '' : budget.scope.value) ?? {
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
          spentUsd: roundMicros(f.spentUsd),
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
