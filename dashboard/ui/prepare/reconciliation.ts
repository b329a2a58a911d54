import type { ReconciliationCause, ReconciliationResponse } from '../../../schemas/billing'
import { formatUsd } from '../format'

/**
 * The Reconciliation page's decisions, as plain functions (test/ui-prepare-reconciliation.test.ts): what each
 * figure shows (a bill or telemetry that is not reported is "—", never $0.00), which days and rows are
 * highlighted, the headline tiles, and how an uploaded file is sent.
 */

export const CAUSE_LABELS: Record<ReconciliationCause, string> = {
  match: 'Matches',
  no_telemetry: 'No telemetry',
  not_billed: 'Not billed',
  price_drift: 'Price drift',
  subagents: 'Sub-agents',
  unexplained: 'Unexplained',
  not_imported: 'Bill not imported',
}

/** A difference with its sign: +$1.20 (billed more than the telemetry shows), −$3.00, or — when not reported. */
export function signedUsd(value: number | null): string {
  if (value === null) return '—'
  if (value === 0) return formatUsd(0)
  return `${value > 0 ? '+' : '−'}${formatUsd(Math.abs(value))}`
}

export interface DayLine {
  date: string
  telemetry: string
  billed: string
  difference: string
  subagents: string
  flagged: boolean
  status: string
}

export interface PersonLine {
  key: string
  date: string
  user: string
  telemetry: string
  billed: string
  difference: string
  subagents: string
  cause: string
  detail: string
  flagged: boolean
}

export interface Tile {
  id: string
  label: string
  value: string
  hint: string
}

export interface ReconciliationView {
  /** Nothing has ever been imported: the page shows how to import instead of a column of dashes. */
  nothingImported: boolean
  tiles: Tile[]
  days: DayLine[]
  rows: PersonLine[]
  /** The rows with a difference (every row of the range, not only this page), by cause, most money first. */
  causes: { cause: ReconciliationCause; label: string; rows: number; differenceUsd: number }[]
  thresholdNote: string
}

export function reconciliationView(r: ReconciliationResponse): ReconciliationView {
  const imported = r.days.filter((d) => d.imported).length
  const days: DayLine[] = r.days.map((d) => ({
    date: d.date,
    telemetry: formatUsd(d.telemetryUsd),
    billed: formatUsd(d.billedUsd),
    difference: signedUsd(d.differenceUsd),
    subagents: formatUsd(d.subagentUsd),
    flagged: d.flagged,
    status: !d.imported ? 'bill not imported' : d.flagged ? 'over threshold' : 'within threshold',
  }))
  const rows: PersonLine[] = r.rows.map((x) => ({
    key: `${x.date} ${x.user}`,
    date: x.date,
    user: x.user === '' ? '(no user identity)' : x.user,
    telemetry: formatUsd(x.telemetryUsd),
    billed: formatUsd(x.billedUsd),
    difference: signedUsd(x.differenceUsd),
    subagents: x.subagentUsd === 0 ? '' : formatUsd(x.subagentUsd),
    cause: CAUSE_LABELS[x.cause],
    detail: x.detail,
    flagged: x.flagged,
  }))
  // Over every row of the range (the API sums them), not only the page shown.
  const causes = r.causes
    .flatMap((c) =>
      c.cause === 'match' || c.cause === 'not_imported' || c.differenceUsd === null
        ? []
        : [{ cause: c.cause, label: CAUSE_LABELS[c.cause], rows: c.rows, differenceUsd: c.differenceUsd }],
    )
    .sort((a, b) => Math.abs(b.differenceUsd) - Math.abs(a.differenceUsd) || a.label.localeCompare(b.label))
  const tiles: Tile[] = [
    {
      id: 'billed',
      label: 'Billed',
      value: formatUsd(r.totals.billedUsd),
      hint: `${imported} of ${r.days.length} days imported`,
    },
    {
      id: 'telemetry',
      label: 'Telemetry, same days',
      value: imported > 0 ? formatUsd(r.totals.telemetryUsdOnImportedDays) : '—',
      hint: `${formatUsd(r.totals.telemetryUsd)} over the whole range`,
    },
    { id: 'difference', label: 'Difference (billed − telemetry)', value: signedUsd(r.totals.differenceUsd), hint: 'Sum of the days below, to the cent' },
    {
      id: 'flagged',
      label: 'Days over threshold',
      value: imported > 0 ? String(r.totals.flaggedDays) : '—',
      hint: `${r.totals.flaggedRows} person-day${r.totals.flaggedRows === 1 ? '' : 's'} over threshold`,
    },
  ]
  return {
    nothingImported: r.stored.days === 0,
    tiles,
    days,
    rows,
    causes,
    thresholdNote: `Flagged when the difference is more than ${r.threshold.percent} % of the billed cost and more than ${formatUsd(r.threshold.usd)}.`,
  }
}

export interface Pager {
  /** "Rows 101–200 of 15,095", or "3 rows" when they fit on one page. */
  label: string
  /** The offset of the previous and next page; null where there is none. */
  previous: number | null
  next: number | null
}

/** Row numbers in full (15,095, not 15.1K): they say where a page starts. */
const rowNumber = (n: number) => n.toLocaleString('en-US')

/** Where a page of rows sits among all of them, and which pages are next to it. */
export function reconciliationPager(page: ReconciliationResponse['page'], shown: number): Pager {
  const previous = page.offset > 0 ? Math.max(0, page.offset - page.limit) : null
  const next = page.offset + page.limit < page.rows ? page.offset + page.limit : null
  if (previous === null && next === null) return { label: page.rows === 1 ? '1 row' : `${rowNumber(page.rows)} rows`, previous, next }
  const first = Math.min(page.offset + 1, page.rows)
  const last = page.offset + shown
  return { label: `Rows ${rowNumber(first)}–${rowNumber(last)} of ${rowNumber(page.rows)}`, previous, next }
}

/** How an uploaded file is sent: JSON (Admin API pages) when it reads as JSON, else CSV. */
export function billingUpload(fileName: string, text: string): { contentType: 'application/json' | 'text/csv'; body: string } | { error: string } {
  const trimmed = text.trim()
  if (trimmed === '') return { error: `${fileName} is empty.` }
  const looksJson = /\.json$/i.test(fileName) || trimmed.startsWith('{') || trimmed.startsWith('[')
  if (!looksJson) return { contentType: 'text/csv', body: text }
  try {
    JSON.parse(trimmed)
  } catch (error) {
    return { error: `${fileName} is not valid JSON: ${(error as Error).message}` }
  }
  return { contentType: 'application/json', body: trimmed }
}

export interface UploadProblem {
  row: string
  field: string
  message: string
}

/** The per-row problems of a refused import (the API's 400: `errors`), or its one message. */
export function uploadProblems(body: unknown): UploadProblem[] {
  const errors = (body as { errors?: unknown } | null)?.errors
  if (Array.isArray(errors))
    return errors
      .filter((e): e is UploadProblem => typeof e === 'object' && e !== null && typeof (e as UploadProblem).row === 'string')
      .map((e) => ({ row: e.row, field: typeof e.field === 'string' ? e.field : '', message: String(e.message) }))
  const message = (body as { message?: unknown } | null)?.message
  return [{ row: 'file', field: '', message: typeof message === 'string' ? message : 'the import was refused' }]
}
