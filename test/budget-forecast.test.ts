import { describe, expect, it } from 'vitest'
import { backtest, forecastPeriod, meanAbsError, runRate } from '../dashboard/api/budgets/forecast'
import { addDays, isWeekend, monthOf } from '../schemas/days'

/** A synthetic history: `weekday` USD each Monday–Friday, `weekend` each Saturday–Sunday, from `first` to `last`. */
function steady(first: string, last: string, weekday: number, weekend: number): Map<string, number> {
  const daily = new Map<string, number>()
  for (let day = first; day <= last; day = addDays(day, 1)) daily.set(day, isWeekend(day) ? weekend : weekday)
  return daily
}

describe('calendar helpers', () => {
  it('knows month ends and weekends', () => {
    expect(monthOf('2026-02-14')).toEqual({ firstDay: '2026-02-01', lastDay: '2026-02-28' })
    expect(monthOf('2028-02-01')).toEqual({ firstDay: '2028-02-01', lastDay: '2028-02-29' })
    expect(monthOf('2026-12-31')).toEqual({ firstDay: '2026-12-01', lastDay: '2026-12-31' })
    expect(isWeekend('2026-12-05')).toBe(true) // Saturday
    expect(isWeekend('2026-12-07')).toBe(false) // Monday
  })
})

describe('forecast on a steady month', () => {
  // December 2026: 23 weekdays and 8 weekend days.
  const daily = steady('2026-10-01', '2026-12-31', 100, 20)
  const december = { firstDay: '2026-12-01', lastDay: '2026-12-31' }
  const actual = 23 * 100 + 8 * 20

  it('forecasts the month exactly from any day, weekends weighted', () => {
    for (const today of ['2026-12-02', '2026-12-10', '2026-12-19', '2026-12-30']) {
      const known = new Map([...daily].filter(([d]) => d < today))
      const f = forecastPeriod({ period: december, today, todayElapsed: 0, daily: known, dataStart: '2026-10-01', amountUsd: 1e9 })
      expect(f.forecastUsd).toBeCloseTo(actual, 9)
      expect(f.runRate).toMatchObject({ weekdayUsd: 100, weekendUsd: 20, days: 28 })
    }
  })

  it('counts the part of today still to come at the day kind’s rate', () => {
    // Thursday 2026-12-10, 40 % elapsed, 30 spent so far today.
    const known = new Map([...daily].filter(([d]) => d < '2026-12-10'))
    known.set('2026-12-10', 30)
    const f = forecastPeriod({ period: december, today: '2026-12-10', todayElapsed: 0.4, daily: known, dataStart: '2026-10-01', amountUsd: 1e9 })
    const before = 7 * 100 + 2 * 20 // Dec 1–9: 7 weekdays, 2 weekend days
    expect(f.spentUsd).toBe(before + 30)
    const rest = 15 * 100 + 6 * 20 // Dec 11–31: 15 weekdays, 6 weekend days
    expect(f.forecastUsd).toBeCloseTo(before + 30 + 0.6 * 100 + rest, 9)
  })

  it('names the day the budget is crossed, forecast or past', () => {
    const known = new Map([...daily].filter(([d]) => d < '2026-12-10'))
    // 1,000: Dec 1–9 spend 740; Thu 10 → 840, Fri 11 → 940, Sat 12 → 960, Sun 13 → 980, Mon 14 → 1,080.
    const ahead = forecastPeriod({ period: december, today: '2026-12-10', todayElapsed: 0, daily: known, dataStart: '2026-10-01', amountUsd: 1000 })
    expect(ahead.crossing).toEqual({ date: '2026-12-14', past: false })
    // 500: reached on Fri 4 (Dec 1–4 = 400 … Tue 1 100, Wed 2 200, Thu 3 300, Fri 4 400, Sat 5 420 …, Mon 7 540).
    const behind = forecastPeriod({ period: december, today: '2026-12-10', todayElapsed: 0, daily: known, dataStart: '2026-10-01', amountUsd: 500 })
    expect(behind.crossing).toEqual({ date: '2026-12-07', past: true })
    const never = forecastPeriod({ period: december, today: '2026-12-10', todayElapsed: 0, daily: known, dataStart: '2026-10-01', amountUsd: 10_000 })
    expect(never.crossing).toBeNull()
  })

  it('backtests the method: zero error on steady months', () => {
    const points = backtest(daily, '2026-10-01', '2026-12-15')
    // November (October began on the data's first day: its first day is not after the start, so it counts too).
    expect(points.map((p) => `${p.month}/${p.day}`)).toEqual(['2026-11/8', '2026-11/15', '2026-11/22', '2026-10/8', '2026-10/15', '2026-10/22'])
    for (const p of points.filter((x) => x.month === '2026-11')) {
      expect(p.actualUsd).toBe(21 * 100 + 9 * 20)
      expect(p.errorPct).toBeCloseTo(0, 9)
    }
  })
})

describe('forecast error on a month that grows', () => {
  it('states the error of a run rate on a ramp', () => {
    // Spend grows by 1 USD a day: a trailing average lags, so forecasts come in low, and the backtest says so.
    const daily = new Map<string, number>()
    let usd = 10
    for (let day = '2026-06-01'; day <= '2026-11-30'; day = addDays(day, 1)) daily.set(day, usd++)
    const points = backtest(daily, '2026-06-01', '2026-12-03')
    expect(points.length).toBe(18) // six months (June–November), three forecasts each
    expect(points.every((p) => p.errorPct < 0)).toBe(true)
    const error = meanAbsError(points)
    expect(error).not.toBeNull()
    expect(error).toBeGreaterThan(0)
    expect(error).toBeLessThan(50)
  })
})

describe('edges', () => {
  it('a new rollout averages only its own days', () => {
    const daily = steady('2026-12-01', '2026-12-03', 50, 50)
    const rate = runRate(daily, '2026-12-04', '2026-12-01')
    expect(rate).toEqual({ weekdayUsd: 50, weekendUsd: 50, days: 3 })
  })

  it('no history: no forecast, never a made-up zero', () => {
    const f = forecastPeriod({
      period: { firstDay: '2026-12-01', lastDay: '2026-12-31' },
      today: '2026-12-01',
      todayElapsed: 0.5,
      daily: new Map(),
      dataStart: null,
      amountUsd: 100,
    })
    expect(f).toEqual({ spentUsd: 0, forecastUsd: null, crossing: null, runRate: null })
    expect(meanAbsError([])).toBeNull()
  })

  it('an upcoming period is all forecast, an ended one all actual', () => {
    const daily = steady('2026-11-01', '2026-12-03', 10, 0)
    const upcoming = forecastPeriod({
      period: { firstDay: '2027-01-04', lastDay: '2027-01-10' },
      today: '2026-12-04',
      todayElapsed: 0.5,
      daily,
      dataStart: '2026-11-01',
      amountUsd: 1e9,
    })
    expect(upcoming.spentUsd).toBe(0)
    expect(upcoming.forecastUsd).toBeCloseTo(50, 9) // Mon–Fri at 10, the weekend at 0
    const ended = forecastPeriod({
      period: { firstDay: '2026-11-02', lastDay: '2026-11-08' },
      today: '2026-12-04',
      todayElapsed: 0.5,
      daily,
      dataStart: '2026-11-01',
      amountUsd: 30,
    })
    expect(ended).toMatchObject({ spentUsd: 50, forecastUsd: 50, crossing: { date: '2026-11-04', past: true } })
  })
})
