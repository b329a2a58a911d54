import { PassThrough, type Readable } from 'node:stream'
import { zoneOffsetMs, type DatasetName, type DatasetQuery } from '../../../schemas/analytics'
import { stream } from '../../../warehouse/query'
import { answerTotals, companionOf, prepareDatasetQuery, rowValues, totalsCoverageOf, type QueryContext } from './dataset'
import { CsvLines, type CsvCell } from './csv-lines'
import { buildRowsSql, plainTotals, type DatasetRawRow } from './dataset-sql'

/**
 * CSV export of a dataset query, every group (no limit), streamed. Stable snake_case columns; ISO dates;
 * USD to the cent; a final `total` row computed over the whole range and filters by the same SQL as the
 * JSON endpoint's totals (and the summary), so it reconciles with both. Not-reported figures are empty
 * cells, as in the JSON (null), never 0.
 * Rows are mapped by the JSON endpoint's own code (answerRow), so coverage and derived figures agree.
 *
 * Formula injection (OWASP "CSV Injection"): a text cell that begins with =, +, -, @, tab or carriage
 * return (or their full-width forms) is written with a leading single quote, so a spreadsheet shows it
 * as text instead of evaluating it (csv-stringify's escape_formulas). Numbers are written as numbers and
 * never prefixed, so a negative figure stays a figure. The lines are csv-stringify's, written at less cost
 * per cell (csv-lines.ts).
 */

/** Rows per write of the CSV stream. */
const CSV_BATCH = 500
/** Rows parsed ahead while the companion is awaited: bounds what waits in memory (a few MB). */
const PREFETCH_ROWS = 10_000

/**
 * Reads items while `until` is pending, at most `max`: work that overlaps a wait. `done` says the source ended.
 * An error of the source rejects (the caller has sent nothing yet and can answer with it). Exported for tests.
 */
export async function readWhile<T>(iterator: AsyncIterator<T>, until: Promise<unknown>, max: number): Promise<{ rows: T[]; done: boolean }> {
  const rows: T[] = []
  let waiting = true
  until.then(
    () => {
      waiting = false
    },
    () => {
      waiting = false
    },
  )
  while (waiting && rows.length < max) {
    const next = await iterator.next()
    if (next.done) return { rows, done: true }
    rows.push(next.value)
  }
  return { rows, done: false }
}

/** The items readWhile read, then the rest of the source. */
async function* thenRest<T>(early: { rows: T[]; done: boolean }, iterator: AsyncIterator<T>): AsyncGenerator<T> {
  yield* early.rows
  if (early.done) return
  for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value
}

/** A CSV column's name from a measure's or dimension's: costUsd → cost_usd. */
export const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)

type Formatter = (value: number | null | undefined) => string | number

/** How a measure's values are written: USD to the cent, ratios to six decimals, counts as they are. */
function formatterOf(name: string): Formatter {
  // Cents as text ("1.50"); a negative amount (none is stored, but a formula guard must not turn one into
  // text) is written as a number.
  if (/Usd$/.test(name) || name === 'costPerActiveUserDay') return (v) => (v == null ? '' : v < 0 ? Number(v.toFixed(2)) : v.toFixed(2))
  if (/Rate$|PerUser$/.test(name)) return (v) => (v == null ? '' : Number(v.toFixed(6)))
  return (v) => (v == null ? '' : v)
}

/** The local date (YYYY-MM-DD) of an instant in a zone. */
export function localDate(instant: Date, timeZone: string): string {
  return new Date(instant.getTime() + zoneOffsetMs(instant, timeZone)).toISOString().slice(0, 10)
}

/**
 * The file's name says what it holds: the dataset, the grouping and the period as local dates in the
 * query's zone, first and last day included ("ccscope-cost-by-user-2026-11-01-to-2026-11-30.csv").
 * Only code-owned names and digits, so nothing needs quoting in the header.
 */
export function csvFileName(dataset: DatasetName, query: Pick<DatasetQuery<DatasetName>, 'range' | 'groupBy'>): string {
  const first = localDate(query.range.from, query.range.timeZone)
  const last = localDate(new Date(query.range.to.getTime() - 1), query.range.timeZone)
  const by = query.groupBy ? `-by-${snake(query.groupBy).replace(/_/g, '-')}` : ''
  return `ccscope-${dataset}${by}-${first === last ? first : `${first}-to-${last}`}.csv`
}

export interface CsvColumns {
  header: string[]
  measures: string[]
}

export function csvColumns(query: DatasetQuery<DatasetName>): CsvColumns {
  const measures = query.measures as string[]
  const header = ['row_type']
  if (query.granularity !== 'none') header.push('period', 'period_start')
  if (query.groupBy) header.push(snake(query.groupBy))
  if (query.groupBy === 'user') header.push('display_name')
  header.push(...measures.map(snake))
  return { header, measures }
}

/** The CSV as a stream; errors after the header has gone out end the stream (the client sees a short file). */
export async function exportCsv(ctx: QueryContext, query: DatasetQuery<DatasetName>): Promise<Readable> {
  const { header, measures } = csvColumns(query)
  const prepared = prepareDatasetQuery(ctx, query, true)
  // The rows and the companion (coverage, active user-days) run at once. Rows are parsed as they come while the
  // companion is awaited (up to PREFETCH_ROWS of them), written once it is in. The totals, needed for the last line
  // only, are the rows' read's last row (grouping sets: one read of the source instead of a second query after the
  // companion; at 10 M events the export by user per day 86 -> 78 ms p50, 119 -> 90 p90). Adoption, without a
  // companion, needs them first for its coverage, and a read without periods or a group is its totals: both read
  // them apart.
  const companion = companionOf(ctx, query, prepared)
  const totalsLast = companion !== undefined && (query.granularity !== 'none' || query.groupBy !== undefined)
  const rows = stream(ctx.client, buildRowsSql(prepared.shape, { totals: totalsLast ? 'row' : false }))
  const totalsApart = totalsLast ? undefined : plainTotals(ctx.client, prepared.shape)
  totalsApart?.catch(() => undefined)
  // The coverage of the whole range: the companion's, or for adoption (no companion) the totals row's, awaited first.
  const ready = (async () => {
    const side = await companion
    return { side, coverage: totalsCoverageOf(query, query.dataset === 'adoption' && totalsApart ? await totalsApart : {}, side) }
  })()
  const iterator = rows[Symbol.asyncIterator]()
  const [{ side, coverage }, early] = await Promise.all([ready, readWhile(iterator, ready, PREFETCH_ROWS)]).catch((error: unknown) => {
    rows.cancel()
    throw error
  })
  const out = new PassThrough()
  // Rows are written a batch at a time: a stream write per row cost more than the row.
  const csv = new CsvLines()
  let batch = csv.header(header)
  let batched = 0
  const flush = async () => {
    const text = batch
    batch = ''
    batched = 0
    if (!out.write(text)) await new Promise((resolve) => out.once('drain', resolve))
  }
  const formatters = measures.map(formatterOf)
  const text = (v: unknown) => (typeof v === 'string' ? v : '')
  const line = (
    kind: 'data' | 'total',
    labels: { period?: unknown; periodStart?: unknown; group?: unknown; label?: unknown },
    values: readonly (number | null | undefined)[],
  ) => {
    const cells: CsvCell[] = [kind]
    if (query.granularity !== 'none') cells.push(text(labels.period), text(labels.periodStart))
    if (query.groupBy) cells.push(text(labels.group))
    if (query.groupBy === 'user') cells.push(text(labels.label))
    for (let i = 0; i < formatters.length; i++) cells.push(formatters[i]!(values[i]))
    return cells
  }
  void (async () => {
    try {
      let totalsRow: DatasetRawRow = {}
      for await (const raw of thenRest(early, iterator)) {
        if (totalsLast && raw.g_set === 1) {
          totalsRow = raw
          continue
        }
        // The JSON endpoint's own per-row answer (rowValues), without building its object.
        const { values, period } = rowValues(query, prepared, raw, side, coverage)
        const labels = {
          period: period ? String(raw.p_label) : undefined,
          periodStart: period?.start,
          group: String(raw.g ?? ''),
          label: String(raw.label ?? ''),
        }
        batch += csv.line(line('data', labels, values))
        if (++batched >= CSV_BATCH) await flush()
      }
      const totals = answerTotals(query, prepared, totalsApart ? await totalsApart : totalsRow, side, coverage)
      batch += csv.line(
        line(
          'total',
          {},
          measures.map((m) => totals[m]),
        ),
      )
      await flush()
      out.end()
    } catch (error) {
      out.destroy(error as Error)
    }
  })()
  return out
}
