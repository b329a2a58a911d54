import { PassThrough, type Readable } from 'node:stream'
import { stringify } from 'csv-stringify'
import type { DatasetName, DatasetQuery } from '../../../schemas/analytics'
import { stream } from '../../../warehouse/query'
import { answerRow, answerTotals, buildRowsSql, companionOf, plainTotals, prepareDatasetQuery, totalsCoverageOf, type AnswerRow, type QueryContext } from './dataset'

/**
 * CSV export of a dataset query, every group (no limit), streamed. Stable snake_case columns; ISO dates;
 * USD to the cent; a final `total` row computed over the whole range and filters by the same SQL as the
 * JSON endpoint's totals (and the summary), so it reconciles with both. Not-reported figures are empty
 * cells, as in the JSON (null), never 0.
 * Rows are mapped by the JSON endpoint's own code (answerRow), so coverage and derived figures agree.
 */

const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)

type Formatter = (value: number | null | undefined) => string | number

/** How a measure's values are written: USD to the cent, ratios to six decimals, counts as they are. */
function formatterOf(name: string): Formatter {
  if (/Usd$/.test(name) || name === 'costPerActiveUserDay') return (v) => (v == null ? '' : v.toFixed(2))
  if (/Rate$|PerUser$/.test(name)) return (v) => (v == null ? '' : Number(v.toFixed(6)))
  return (v) => (v == null ? '' : v)
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
  // The totals and the companion (coverage, active user-days) first, small; then the rows, streamed.
  const [totalsRow, side] = await Promise.all([plainTotals(ctx.client, prepared.shape), companionOf(ctx, query, prepared)])
  const coverage = totalsCoverageOf(query, totalsRow, side)
  const totals = answerTotals(query, prepared, totalsRow, side, coverage)
  const rows = stream(ctx.client, buildRowsSql(prepared.shape))
  const csv = stringify({ header: true, columns: header })
  const out = new PassThrough()
  csv.pipe(out)
  const formatters = measures.map((m) => [m, formatterOf(m)] as const)
  const text = (v: unknown) => (typeof v === 'string' ? v : '')
  const line = (kind: 'data' | 'total', row: AnswerRow | undefined, values: Record<string, unknown>) => {
    const cells: (string | number)[] = [kind]
    if (query.granularity !== 'none') cells.push(text(row?.period), text(row?.periodStart))
    if (query.groupBy) cells.push(text(row?.group))
    if (query.groupBy === 'user') cells.push(text(row?.label))
    for (const [m, format] of formatters) {
      const v = values[m]
      cells.push(format(typeof v === 'number' ? v : null))
    }
    return cells
  }
  void (async () => {
    try {
      for await (const raw of rows) {
        const row = answerRow(query, prepared, raw, side, coverage)
        if (!csv.write(line('data', row, row))) await new Promise((resolve) => csv.once('drain', resolve))
      }
      csv.write(line('total', undefined, totals))
      csv.end()
    } catch (error) {
      out.destroy(error as Error)
    }
  })()
  return out
}
