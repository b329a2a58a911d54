/** Numbers as people read them. Pure; every page formats through these. */

const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 })
const usdCompact = new Intl.NumberFormat('en-US', {
  style: 'currency',
  currency: 'USD',
  notation: 'compact',
  minimumFractionDigits: 0,
  maximumFractionDigits: 1,
})
const count = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 })
const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 })
const decimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 })

/** $1,234.56; from $100k up, $1.2M. Null (an undefined ratio) is an em dash. */
export function formatUsd(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—'
  return Math.abs(value) >= 100_000 ? usdCompact.format(value) : usd.format(value)
}

/**
 * One scale for amounts read together (parts of a total in a sentence): all compact when the largest is, so
 * "$193.5K in all: $121.1K …, $72.4K …" and never "$121.1K …, $72,432.82 …". Null is an em dash, as in formatUsd.
 */
export function usdFormatFor(values: readonly (number | null | undefined)[]): (value: number | null | undefined) => string {
  const largest = Math.max(0, ...values.map((v) => (v === null || v === undefined || !Number.isFinite(v) ? 0 : Math.abs(v))))
  if (largest < 100_000) return formatUsd
  return (value) => (value === null || value === undefined || !Number.isFinite(value) ? '—' : usdCompact.format(value))
}

const usdTick = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 0, maximumFractionDigits: 2 })

/** A money axis label: short, no trailing cents ("$0", "$500", "$0.25", "$16K", "$1.5M"); the tooltip keeps formatUsd. */
export function formatUsdTick(value: number): string {
  if (!Number.isFinite(value)) return ''
  return Math.abs(value) >= 1000 ? usdCompact.format(value) : usdTick.format(value)
}

/** 1,234 below ten thousand, then 12.3K, 4.5M. */
export function formatCount(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—'
  return Math.abs(value) >= 10_000 ? compact.format(value) : count.format(value)
}

export function formatDecimal(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—'
  return decimal.format(value)
}

/** A ratio (0.123) as a percentage (12.3%). */
export function formatPercent(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return '—'
  const pct = ratio * 100
  return `${pct !== 0 && Math.abs(pct) < 0.1 ? pct.toFixed(2) : decimal.format(pct)}%`
}

/** Seconds as 3h 20m, 12m 5s, 42s. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—'
  const s = Math.round(seconds)
  if (s < 60) return `${s}s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m}m ${s % 60}s`
  const h = Math.floor(m / 60)
  return h < 100 ? `${h}h ${m % 60}m` : `${count.format(h)}h`
}

export interface Change {
  /** +12.5%, −3%, 16.7× (ten times or more), "new" (from zero), "—" when both are zero or either side is not reported. */
  text: string
  direction: 'up' | 'down' | 'flat'
}

/**
 * The change of a figure against the previous period. A side that is not reported (null) or not known
 * (undefined) makes the change unknown: "—", never a fall to or a rise from zero.
 */
export function change(current: number | null | undefined, previous: number | null | undefined): Change {
  if (current === null || current === undefined || previous === null || previous === undefined) return { text: '—', direction: 'flat' }
  if (current === previous) return { text: current === 0 ? '—' : '0%', direction: 'flat' }
  if (previous === 0) return { text: 'new', direction: 'up' }
  // Ten times or more reads as a multiple (16.7×), not as +1,566.7%.
  if (previous > 0 && current >= 10 * previous) {
    const times = current / previous
    return { text: `${times < 100 ? decimal.format(times) : count.format(times)}×`, direction: 'up' }
  }
  const ratio = (current - previous) / Math.abs(previous)
  const percent = decimal.format(Math.abs(ratio) * 100)
  // A change too small to show is no change: "0%", not "▼ −0%".
  if (percent === '0') return { text: '0%', direction: 'flat' }
  return { text: `${ratio > 0 ? '+' : '−'}${percent}%`, direction: ratio > 0 ? 'up' : 'down' }
}

/** A chart tooltip's value: formatted, or "not reported" for a gap (prepare/series pointValue's null). */
export function tooltipValue(value: unknown, format: (value: number) => string): string {
  return value === null || value === undefined ? 'not reported' : format(Number(value))
}

/** Why a cell shows "—" rather than a number (components/Figure.tsx). */
export const NOT_REPORTED_HINT = 'Not reported: this row sends none of the telemetry this figure comes from (for example metrics only, no events)'

/** Below this many decisions (or runs, or calls) a rate is shown with its counts and de-emphasized. */
export const MIN_RATE_DENOMINATOR = 20

export interface RateView {
  /** 12.3%, or — without a denominator. */
  text: string
  /** "3 of 12": the counts behind the rate. */
  counts: string
  /** Too few to compare with other rows (below MIN_RATE_DENOMINATOR). */
  low: boolean
}

/** A rate with the counts it comes from; a rate on a tiny denominator is flagged as such. */
export function rateView(numerator: number | null | undefined, denominator: number | null | undefined): RateView {
  if (numerator === null || numerator === undefined || denominator === null || denominator === undefined || denominator <= 0)
    return { text: '—', counts: '', low: false }
  return {
    text: formatPercent(numerator / denominator),
    counts: `${formatCount(numerator)} of ${formatCount(denominator)}`,
    low: denominator < MIN_RATE_DENOMINATOR,
  }
}

/** "2026-11-03" → "Nov 3"; "2026-11-03T14:00" → "Nov 3, 14:00". */
// Formatters are made once: toLocaleString with options makes a new one per call, and charts call these per
// tick and per point (formatPeriod alone was 75 ms of the Cost page's first draw).
const periodDay = new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' })
const instants = new Map<string, Intl.DateTimeFormat>()

export function formatPeriod(period: string): string {
  const [date, time] = period.split('T')
  const day = periodDay.format(new Date(`${date}T00:00:00Z`))
  return time ? `${day}, ${time}` : day
}

/** A period in a chart's tooltip: "Dec 5 (partial)" when the day is not over or the range cuts it (prepare/series partialPeriods). */
export function formatChartPeriod(period: string, partial: readonly string[]): string {
  return partial.includes(period) ? `${formatPeriod(period)} (partial)` : formatPeriod(period)
}

/** An ISO instant shown in the zone the user chose: "Nov 3, 14:05". */
export function formatInstant(iso: string, timeZone: string): string {
  let f = instants.get(timeZone)
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
    instants.set(timeZone, f)
  }
  return f.format(new Date(iso))
}
