import { zoneOffsetMs, type Granularity, type ResolvedRange } from '../../schemas/analytics'

/**
 * Which rollup tier answers which part of a range (warehouse/RULES.md, "Rollups"). Every family of rollups
 * is kept in 15-minute, 1-hour and 1-day (UTC) buckets. A query may read a bucket only if the bucket lies
 * inside the range and inside one of the query's periods (a day, week or month in its time zone, or the
 * local days a per-day measure counts): a bucket that straddled a boundary could not be split. So the range
 * is cut at every boundary, and each piece is covered by the coarsest buckets that fit: whole UTC days, then
 * whole hours at its edges, then 15-minute buckets (every UTC offset in use is a multiple of 15 minutes, so
 * these always fit). The answer is exact whatever the zone; only the number of rows read changes.
 *
 * Pure: tested as data (test/tiers.test.ts).
 */

export type Tier = '15m' | '1h' | '1d'

/** Coarsest first. */
export const TIERS: readonly Tier[] = ['1d', '1h', '15m']

/** Each tier's bucket length in ms. */
export const TIER_MS: Record<Tier, number> = { '15m': 15 * 60_000, '1h': 3_600_000, '1d': 86_400_000 }

/** A run of consecutive buckets of one tier: [from, to), both on the tier's boundaries. */
export interface Run {
  from: Date
  to: Date
}

export type TierPlan = Record<Tier, Run[]>

/** The local start of the period holding `instant` (ms), in a zone. */
function periodStart(instant: number, granularity: Exclude<Granularity, 'none'>, timeZone: string): number {
  const offset = zoneOffsetMs(new Date(instant), timeZone)
  const local = new Date(instant + offset)
  const y = local.getUTCFullYear()
  const m = local.getUTCMonth()
  let d = local.getUTCDate()
  let h = 0
  if (granularity === 'hour') h = local.getUTCHours()
  if (granularity === 'week') d -= (local.getUTCDay() + 6) % 7
  if (granularity === 'month') d = 1
  const wall = Date.UTC(y, m, d, h)
  // The wall-clock start back to an instant, with the offset that holds there (twice: DST can move it).
  let guess = wall - zoneOffsetMs(new Date(wall), timeZone)
  guess = wall - zoneOffsetMs(new Date(guess), timeZone)
  return guess
}

/** The next period start after `start` (ms), in a zone: the end of the period that starts there. */
export function nextPeriod(start: number, granularity: Exclude<Granularity, 'none'>, timeZone: string): number {
  // Step past the period by its shortest length plus a margin, then find that period's start.
  const step = { hour: 3_600_000, day: 86_400_000, week: 7 * 86_400_000, month: 28 * 86_400_000 }[granularity]
  let probe = start + step
  let next = periodStart(probe, granularity, timeZone)
  while (next <= start) {
    probe += granularity === 'hour' ? 900_000 : 3_600_000
    next = periodStart(probe, granularity, timeZone)
  }
  return next
}

/** Every period start of a granularity strictly inside (from, to). */
export function periodBoundaries(range: ResolvedRange, granularity: Granularity): number[] {
  if (granularity === 'none') return []
  const from = range.from.getTime()
  const to = range.to.getTime()
  const out: number[] = []
  let at = periodStart(from, granularity, range.timeZone)
  if (at <= from) at = nextPeriod(at, granularity, range.timeZone)
  // A year of hours is under 9 000 boundaries; ranges are bounded by the API (2000–2100) but not in length.
  while (at < to && out.length < 200_000) {
    out.push(at)
    at = nextPeriod(at, granularity, range.timeZone)
  }
  return out
}

function cover(from: number, to: number, tiers: readonly Tier[], plan: TierPlan): void {
  if (from >= to) return
  const [tier, ...finer] = tiers
  if (!tier) throw new Error(`range edge ${new Date(from).toISOString()} is not on a 15-minute boundary`)
  const size = TIER_MS[tier]
  const start = Math.ceil(from / size) * size
  const end = Math.floor(to / size) * size
  if (start >= end) {
    cover(from, to, finer, plan)
    return
  }
  plan[tier].push({ from: new Date(start), to: new Date(end) })
  cover(from, start, finer, plan)
  cover(end, to, finer, plan)
}

function mergeRuns(runs: Run[]): Run[] {
  const sorted = [...runs].sort((a, b) => a.from.getTime() - b.from.getTime())
  const out: Run[] = []
  for (const run of sorted) {
    const last = out[out.length - 1]
    if (last && last.to.getTime() === run.from.getTime()) last.to = run.to
    else out.push({ from: run.from, to: run.to })
  }
  return out
}

/**
 * The tiers' runs that together cover [range.from, range.to) exactly once, with no bucket crossing a
 * boundary of `granularity` (nor, with `localDays`, a local midnight of the range's zone).
 */
export function planTiers(range: ResolvedRange, granularity: Granularity, options: { localDays?: boolean } = {}): TierPlan {
  const cuts = new Set<number>([range.from.getTime(), range.to.getTime(), ...periodBoundaries(range, granularity)])
  // Per-day measures (active user-days) count local days: their midnights cut too, whatever the step.
  if (options.localDays && granularity !== 'hour' && granularity !== 'day') for (const cut of periodBoundaries(range, 'day')) cuts.add(cut)
  const points = [...cuts].sort((a, b) => a - b)
  const plan: TierPlan = { '1d': [], '1h': [], '15m': [] }
  for (let i = 0; i + 1 < points.length; i++) cover(points[i]!, points[i + 1]!, TIERS, plan)
  return { '1d': mergeRuns(plan['1d']), '1h': mergeRuns(plan['1h']), '15m': mergeRuns(plan['15m']) }
}

/** Buckets read in all, per tier: what a plan costs (for tests and the bench's profile). */
export function planSize(plan: TierPlan): Record<Tier, number> {
  const count = (tier: Tier) => plan[tier].reduce((n, r) => n + (r.to.getTime() - r.from.getTime()) / TIER_MS[tier], 0)
  return { '1d': count('1d'), '1h': count('1h'), '15m': count('15m') }
}
