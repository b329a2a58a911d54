import { addDays, isWeekend, monthOf } from '../../../schemas/days'

/**
 * The budget forecast (docs/finance.md, "Forecast"): pure functions over a daily spend series, so the
 * method is tested on synthetic months with known answers (test/budget-forecast.test.ts).
 *
 * Method: spend to date, plus, for each day left in the period, the average spend of that kind of day
 * (Monday–Friday or Saturday–Sunday) over the last 28 complete days before today; the rest of today
 * is the same average times the part of today still to come. Days before the first day with any spend
 * in the scope are not averaged in (a new rollout is not diluted by the weeks before it). A day kind
 * the window holds no day of takes the other kind's average.
 */

export const LOOKBACK_DAYS = 28
export const METHOD =
  'Spend to date plus, for each day left, the average spend of the same kind of day (Monday–Friday or weekend) over the last 28 complete days; the rest of today at the same rate. Days before the scope first spent are not averaged in.'

export interface RunRate {
  weekdayUsd: number
  weekendUsd: number
  days: number
}

/**
 * Average spend per weekday and per weekend day over the complete days before `today` (at most 28),
 * not earlier than `dataStart`. Null when there is no complete day to average.
 */
export function runRate(daily: ReadonlyMap<string, number>, today: string, dataStart: string | null): RunRate | null {
  if (dataStart === null || dataStart >= today) return null
  let weekday = 0
  let weekdays = 0
  let weekend = 0
  let weekends = 0
  for (let i = 1; i <= LOOKBACK_DAYS; i++) {
    const day = addDays(today, -i)
    if (day < dataStart) break
    const usd = daily.get(day) ?? 0
    if (isWeekend(day)) {
      weekend += usd
      weekends++
    } else {
      weekday += usd
      weekdays++
    }
  }
  const days = weekdays + weekends
  if (days === 0) return null
  const weekdayUsd = weekdays > 0 ? weekday / weekdays : weekend / weekends
  const weekendUsd = weekends > 0 ? weekend / weekends : weekday / weekdays
  return { weekdayUsd, weekendUsd, days }
}

export interface ForecastInput {
  period: { firstDay: string; lastDay: string }
  /** Local date of "now" in the budget's zone. */
  today: string
  /** Part of today already counted, 0–1 (to the last complete bucket). */
  todayElapsed: number
  /** Spend per local day (today's is partial); days absent spent nothing. */
  daily: ReadonlyMap<string, number>
  /** The first day the scope spent anything, or null if it never did. */
  dataStart: string | null
  amountUsd: number
}

export interface Forecast {
  spentUsd: number
  forecastUsd: number | null
  crossing: { date: string; past: boolean } | null
  runRate: RunRate | null
}

const rateOf = (rate: RunRate, day: string) => (isWeekend(day) ? rate.weekendUsd : rate.weekdayUsd)

/** Spend to date, forecast to the period's end and the crossing day (an upcoming period is all forecast). */
export function forecastPeriod(input: ForecastInput): Forecast {
  const { period, today, daily, amountUsd } = input
  const lastCounted = today < period.lastDay ? today : period.lastDay
  // Spend to date, and the day it reached the amount if it has.
  let spent = 0
  let crossing: Forecast['crossing'] = null
  for (let day = period.firstDay; day <= lastCounted; day = addDays(day, 1)) {
    spent += daily.get(day) ?? 0
    if (crossing === null && spent >= amountUsd) crossing = { date: day, past: true }
  }
  if (today > period.lastDay) return { spentUsd: spent, forecastUsd: spent, crossing, runRate: null }
  const rate = runRate(daily, today, input.dataStart)
  if (rate === null) return { spentUsd: spent, forecastUsd: null, crossing, runRate: null }
  let forecast = spent
  let next = period.firstDay
  if (today >= period.firstDay) {
    forecast += rateOf(rate, today) * Math.max(0, 1 - input.todayElapsed)
    if (crossing === null && forecast >= amountUsd) crossing = { date: today, past: false }
    next = addDays(today, 1)
  }
  for (let day = next; day <= period.lastDay; day = addDays(day, 1)) {
    forecast += rateOf(rate, day)
    if (crossing === null && forecast >= amountUsd) crossing = { date: day, past: false }
  }
  return { spentUsd: spent, forecastUsd: forecast, crossing, runRate: rate }
}

export interface BacktestPoint {
  month: string
  day: number
  forecastUsd: number
  actualUsd: number
  errorPct: number
}

/** Days of the month a past month is forecast from: a week in, mid-month and three weeks in. */
export const BACKTEST_DAYS = [8, 15, 22] as const
/** Complete months tested, most recent first. */
export const BACKTEST_MONTHS = 6

/**
 * The method's error on past months: for each complete calendar month before `before` whose every day
 * lies after `dataStart`, forecast its total at the start of days 8, 15 and 22 from the data before
 * then, and compare with what it really was. Months that spent nothing are skipped (no error to state).
 */
export function backtest(daily: ReadonlyMap<string, number>, dataStart: string | null, before: string): BacktestPoint[] {
  if (dataStart === null) return []
  const points: BacktestPoint[] = []
  let month = monthOf(addDays(monthOf(before).firstDay, -1))
  for (let m = 0; m < BACKTEST_MONTHS && month.firstDay >= dataStart; m++) {
    let actual = 0
    for (let day = month.firstDay; day <= month.lastDay; day = addDays(day, 1)) actual += daily.get(day) ?? 0
    if (actual > 0) {
      for (const d of BACKTEST_DAYS) {
        const today = addDays(month.firstDay, d - 1)
        // What was known at the start of that day: nothing of it yet.
        const known = new Map([...daily].filter(([day]) => day < today))
        const { forecastUsd } = forecastPeriod({ period: month, today, todayElapsed: 0, daily: known, dataStart, amountUsd: Number.POSITIVE_INFINITY })
        if (forecastUsd === null) continue
        points.push({ month: month.firstDay.slice(0, 7), day: d, forecastUsd, actualUsd: actual, errorPct: ((forecastUsd - actual) / actual) * 100 })
      }
    }
    month = monthOf(addDays(month.firstDay, -1))
  }
  return points
}

export function meanAbsError(points: readonly BacktestPoint[]): number | null {
  if (points.length === 0) return null
  return points.reduce((sum, p) => sum + Math.abs(p.errorPct), 0) / points.length
}
