/**
 * Chart data from API rows. Pure and unit-tested (test/ui-prepare.test.ts): the chart components only
 * draw what these return.
 */

import { addDays } from '../../../schemas/days'

export interface PeriodRow {
  period?: string | undefined
  group?: string | undefined
  [measure: string]: number | string | boolean | null | undefined | object
}

export interface SeriesPoint {
  period: string
  /** null: the period's row says the measure was not reported (no source sent it): a gap, never 0. */
  [key: string]: number | string | null
}

/** The label used for a group that the telemetry did not report (empty string). */
export const NOT_REPORTED = '(not reported)'

export function groupLabel(group: string | undefined): string {
  return group === undefined || group === '' ? NOT_REPORTED : group
}

/**
 * A period's value of a measure: its number; null where its row says the measure was not reported (null: no
 * source in that period sent it, drawn as a gap and named in the tooltip, never as 0); 0 for a period without a
 * row (nothing happened), so a line does not skip quiet days.
 */
export function pointValue(row: PeriodRow | undefined, measure: string, quiet: 0 | null = 0): number | null {
  const v = row?.[measure]
  return typeof v === 'number' ? v : row !== undefined && v === null ? null : quiet
}

/**
 * One value per period, in period order (pointValue: gaps where not reported, `quiet` where nothing happened: 0 for
 * a count or a sum, null for a rate, which a period without its denominator does not have: no decisions is not a
 * denial rate of 0 %).
 */
export function singleSeries(rows: PeriodRow[], measure: string, periods?: string[], quiet: 0 | null = 0): SeriesPoint[] {
  const byPeriod = new Map(rows.filter((r) => r.period).map((r) => [r.period as string, r]))
  const all = periods ?? [...byPeriod.keys()].sort()
  return all.map((period) => ({ period, value: pointValue(byPeriod.get(period), measure, quiet) }))
}

/** Where a chart's data begins: the periods that end before ccscope's first record, and the first one that does not. */
export interface DataStart {
  before: readonly string[]
  /** The first period holding data, when some before it are blank (the chart marks it "data begins"). */
  start: string | undefined
}

/**
 * The periods (days, or weeks from Monday) that end before ccscope's first record: nobody was reporting to ccscope
 * then, so they are drawn as gaps ("not reported" in the tooltip), never as quiet days at 0 (docs/numbers.md, "Not
 * before the data"). `firstDay` is the first record's local date in the chart's zone (/meta data.first); none: no cut.
 */
export function dataStartIn(periods: readonly string[], firstDay: string | null | undefined, step: 'day' | 'week'): DataStart {
  if (!firstDay) return { before: [], start: undefined }
  const length = step === 'week' ? 7 : 1
  const before = periods.filter((p) => addDays(p, length) <= firstDay)
  return { before, start: before.length > 0 ? periods.find((p) => addDays(p, length) > firstDay) : undefined }
}

/** The points of a series with every value of the periods before the data (dataStartIn) blank: null, a gap. */
export function blankBefore(data: SeriesPoint[], start: DataStart): SeriesPoint[] {
  if (start.before.length === 0) return data
  const blank = new Set(start.before)
  return data.map((point) =>
    blank.has(point.period) ? (Object.fromEntries(Object.keys(point).map((k) => [k, k === 'period' ? point.period : null])) as SeriesPoint) : point,
  )
}

/**
 * The periods a chart marks "partial": the last one when the answer reaches the present (`inProgress`, the
 * response's `partial`: today so far, even before anything arrived today), and any whose rows say they are cut by
 * the range (`complete: false`, a week that starts before it). A partial day is not a day: its bar or point is not
 * comparable to the others, and the chart says so.
 */
export function partialPeriods(rows: readonly PeriodRow[], periods: readonly string[], inProgress: boolean): string[] {
  const partial = new Set(rows.filter((r) => r.complete === false && typeof r.period === 'string').map((r) => r.period as string))
  const last = periods.at(-1)
  if (inProgress && last !== undefined) partial.add(last)
  return [...partial].sort()
}

export interface StackedSeries {
  data: SeriesPoint[]
  /** Series keys, largest total first; the smallest groups folded into "Other". */
  keys: string[]
}

/** The most period labels an x axis shows: they fit side by side in a 390 px wide chart ("Nov 28" is ~40 px at 12 px, with room between). */
export const MAX_PERIOD_LABELS = 5

/**
 * Which period labels an axis shows, as recharts' `interval` (every (n + 1)-th from the first): at most
 * MAX_PERIOD_LABELS, evenly spaced. Not recharts' default, which measures every label in the DOM (a forced layout
 * per label and chart: ~30 ms of a cold Adoption load) to find which fit, and spaces them unevenly.
 */
export function periodLabelInterval(points: number): number {
  return Math.max(0, Math.ceil(points / MAX_PERIOD_LABELS) - 1)
}

/** The largest value any of `keys` takes in the series (0 for none): the top of a y axis. */
export function seriesMax(data: readonly SeriesPoint[], keys: readonly string[]): number {
  let largest = 0
  for (const point of data)
    for (const key of keys) {
      const v = point[key]
      if (typeof v === 'number' && v > largest) largest = v
    }
  return largest
}

/** The unit a duration axis counts in, by its largest value (seconds): hours from an hour, minutes from a minute. */
export function durationUnit(largestSeconds: number): number {
  return largestSeconds >= 3600 ? 3600 : largestSeconds >= 60 ? 60 : 1
}

/**
 * Round y-axis ticks from 0 to at or past the largest value: 4 or 5 steps of 1, 2, 2.5 or 5 × 10^k units (`unit`
 * in the values' own terms: 1 for counts, 60 or 3600 for durations in seconds). Recharts' own pick can step by
 * 9 500 prompts, or by 194.4 hours.
 */
export function niceTicks(largest: number, unit = 1): number[] {
  if (!(largest > 0)) return [0, unit]
  const top = largest / unit
  const rough = top / 4
  const power = 10 ** Math.floor(Math.log10(rough))
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= rough) ?? 10 * power
  // Whole counts never step by a fraction.
  const whole = unit === 1 ? Math.max(1, step) : step
  const n = Math.ceil(top / whole - 1e-9)
  return Array.from({ length: n + 1 }, (_, i) => Number((i * whole).toPrecision(12)) * unit)
}

/** Series colours, distinct from each other and from OTHER_COLOR: as many as any chart draws groups (top 8 + Other). */
export const PALETTE = ['#2563eb', '#d97706', '#059669', '#dc2626', '#7c3aed', '#0891b2', '#be185d', '#65a30d']
/** The tail grouped as "Other" is always grey, whatever its position. */
export const OTHER_COLOR = '#9ca3af'

/** Each series key's colour: the palette in order, "Other" grey; past the palette (never asked today) the colours repeat. */
export function seriesColors(keys: readonly string[]): Map<string, string> {
  const colors = new Map<string, string>()
  let i = 0
  for (const k of keys) colors.set(k, k === 'Other' ? OTHER_COLOR : (PALETTE[i++ % PALETTE.length] ?? OTHER_COLOR))
  return colors
}

/** Rows (period × group) → one point per period with a key per group, for stacked charts. */
export function stackedSeries(rows: PeriodRow[], measure: string, maxGroups = 6, periods?: string[]): StackedSeries {
  const totals = new Map<string, number>()
  for (const r of rows) {
    const v = typeof r[measure] === 'number' ? (r[measure] as number) : 0
    const key = groupLabel(r.group)
    totals.set(key, (totals.get(key) ?? 0) + v)
  }
  const ranked = [...totals.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([k]) => k)
  const kept = ranked.length > maxGroups ? ranked.slice(0, maxGroups - 1) : ranked
  const keys = ranked.length > maxGroups ? [...kept, 'Other'] : kept
  const byPeriod = new Map<string, SeriesPoint>()
  for (const period of periods ?? [...new Set(rows.map((r) => r.period).filter((p): p is string => Boolean(p)))].sort()) {
    byPeriod.set(period, Object.fromEntries([['period', period], ...keys.map((k) => [k, 0])]) as SeriesPoint)
  }
  for (const r of rows) {
    if (!r.period) continue
    const point = byPeriod.get(r.period)
    if (!point) continue
    const label = groupLabel(r.group)
    const key = kept.includes(label) ? label : 'Other'
    point[key] = (point[key] as number) + (typeof r[measure] === 'number' ? (r[measure] as number) : 0)
  }
  return { data: [...byPeriod.values()], keys }
}

/** Every day of [from, to) (YYYY-MM-DD), so daily charts show quiet days as zero. */
export function daysOf(from: string, to: string): string[] {
  const out: string[] = []
  for (let d = new Date(`${from}T00:00:00Z`); d.toISOString().slice(0, 10) < to; d.setUTCDate(d.getUTCDate() + 1)) out.push(d.toISOString().slice(0, 10))
  return out
}

export interface BarItem {
  label: string
  value: number
  share: number
}

/** Rows by group → bars, largest first, with each one's share of the total (for bar lists). */
export function barItems(rows: PeriodRow[], measure: string, max = 10): BarItem[] {
  const items = rows
    .map((r) => ({ label: groupLabel(r.group), value: typeof r[measure] === 'number' ? (r[measure] as number) : 0 }))
    .filter((i) => i.value > 0)
    .sort((a, b) => b.value - a.value || a.label.localeCompare(b.label))
  const total = items.reduce((s, i) => s + i.value, 0)
  return items.slice(0, max).map((i) => ({ ...i, share: total > 0 ? i.value / total : 0 }))
}
