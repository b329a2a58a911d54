import { describe, expect, it } from 'vitest'
import { resolveRange, type Granularity } from '../schemas/analytics'
import { periodBoundaries, planSize, planTiers, TIERS, type Tier, type TierPlan } from '../dashboard/api/tiers'
import { defined } from './helpers/defined'

const TIER_MS: Record<Tier, number> = { '15m': 900_000, '1h': 3_600_000, '1d': 86_400_000 }
const iso = (plan: TierPlan) =>
  Object.fromEntries(TIERS.map((t) => [t, plan[t].map((r) => `${r.from.toISOString().slice(0, 16)}/${r.to.toISOString().slice(0, 16)}`)]))

/** Every bucket of every run, as [start, end) in ms. */
function buckets(plan: TierPlan): [number, number][] {
  const out: [number, number][] = []
  for (const tier of TIERS)
    for (const run of plan[tier]) for (let at = run.from.getTime(); at < run.to.getTime(); at += TIER_MS[tier]) out.push([at, at + TIER_MS[tier]])
  return out.sort((a, b) => a[0] - b[0])
}

/** The plan covers the range exactly once and no bucket straddles a boundary. */
function checkPlan(from: string, to: string, tz: string, granularity: Granularity, localDays = false) {
  const range = resolveRange(from, to, tz)
  const plan = planTiers(range, granularity, { localDays })
  const all = buckets(plan)
  expect(all[0]?.[0]).toBe(range.from.getTime())
  expect(all[all.length - 1]?.[1]).toBe(range.to.getTime())
  const gaps = all.filter((b, i) => i > 0 && b[0] !== defined(all[i - 1])[1])
  expect(gaps).toEqual([])
  // Contiguous buckets: a boundary falls between two of them exactly when it is a bucket's start.
  const starts = new Set(all.map((b) => b[0]))
  const cuts = [...periodBoundaries(range, granularity), ...(localDays ? periodBoundaries(range, 'day') : [])]
  expect(cuts.filter((cut) => !starts.has(cut)).map((cut) => new Date(cut).toISOString())).toEqual([])
  return plan
}

describe('tier plan', () => {
  it('reads whole UTC days from the daily tier', () => {
    const plan = planTiers(resolveRange('2026-11-01', '2026-12-01', 'UTC'), 'day')
    expect(iso(plan)).toEqual({ '1d': ['2026-11-01T00:00/2026-12-01T00:00'], '1h': [], '15m': [] })
  })

  it('takes the hours at the edges of a range in a whole-hour zone, days in between', () => {
    const plan = planTiers(resolveRange('2026-11-10', '2026-11-13', 'America/New_York'), 'none')
    // New York is UTC−5 in November: local midnight is 05:00 UTC.
    expect(iso(plan)).toEqual({
      '1d': ['2026-11-11T00:00/2026-11-13T00:00'],
      '1h': ['2026-11-10T05:00/2026-11-11T00:00', '2026-11-13T00:00/2026-11-13T05:00'],
      '15m': [],
    })
  })

  it('reads hours only when every local day is a period', () => {
    const plan = checkPlan('2026-11-10', '2026-11-13', 'America/New_York', 'day')
    expect(plan['1d']).toEqual([])
    expect(planSize(plan)).toEqual({ '1d': 0, '1h': 72, '15m': 0 })
  })

  it('needs 15-minute buckets around the midnights of a half-hour zone', () => {
    const plan = checkPlan('2026-11-10', '2026-11-12', 'Asia/Kolkata', 'day')
    // Kolkata is UTC+5:30: local midnight is 18:30 UTC, inside an hour.
    expect(iso(plan)['15m']).toEqual(['2026-11-09T18:30/2026-11-09T19:00', '2026-11-10T18:00/2026-11-10T19:00', '2026-11-11T18:00/2026-11-11T18:30'])
    expect(planSize(plan)).toEqual({ '1d': 0, '1h': 46, '15m': 8 })
  })

  it('cuts at local midnights for per-day measures even without a daily step', () => {
    const without = planTiers(resolveRange('2026-11-10', '2026-11-17', 'America/New_York'), 'none')
    const withDays = planTiers(resolveRange('2026-11-10', '2026-11-17', 'America/New_York'), 'none', { localDays: true })
    expect(planSize(without)['1d']).toBe(6)
    expect(planSize(withDays)).toEqual({ '1d': 0, '1h': 168, '15m': 0 })
  })

  it('keeps weeks and months of a UTC range in whole days', () => {
    expect(planSize(checkPlan('2026-10-01', '2026-12-01', 'UTC', 'week'))).toEqual({ '1d': 61, '1h': 0, '15m': 0 })
    expect(planSize(checkPlan('2026-10-01', '2026-12-01', 'UTC', 'month'))).toEqual({ '1d': 61, '1h': 0, '15m': 0 })
  })

  it('handles daylight-saving changes (a 25-hour local day)', () => {
    // Europe/Berlin leaves summer time on 2026-10-25: that local day is 25 hours long.
    const plan = checkPlan('2026-10-24', '2026-10-27', 'Europe/Berlin', 'day')
    expect(planSize(plan)['1h']).toBe(24 + 25 + 24)
  })

  it('covers ranges that start and end inside hours', () => {
    checkPlan('2026-11-10T03:15:00Z', '2026-11-12T20:45:00Z', 'UTC', 'none')
    checkPlan('2026-11-10T03:15:00Z', '2026-11-12T20:45:00Z', 'Asia/Kathmandu', 'hour')
  })

  it('covers every zone, step and edge exactly once (many cases)', () => {
    const zones = ['UTC', 'America/New_York', 'Asia/Kolkata', 'Asia/Kathmandu', 'Australia/Adelaide', 'America/St_Johns', 'Pacific/Chatham', 'Europe/London']
    const steps: Granularity[] = ['none', 'hour', 'day', 'week', 'month']
    let n = 0
    for (const tz of zones)
      for (const step of steps)
        for (const [from, to] of [
          ['2026-03-01', '2026-04-15'],
          ['2026-10-20T07:45:00Z', '2026-11-03T13:00:00Z'],
          ['2026-12-30', '2027-01-02'],
        ] as const) {
          checkPlan(from, to, tz, step, step === 'none' || step === 'week')
          n++
        }
    expect(n).toBe(zones.length * steps.length * 3)
  })
})
