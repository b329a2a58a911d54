import { PassThrough, type Readable } from 'node:stream'
import { stringify } from 'csv-stringify'
import { COMMON_DIMENSIONS, DATASETS, type DatasetName, type DatasetQuery } from '../../../schemas/analytics'
import type { Warehouse } from '../../../warehouse/client'
import type { Scope } from '../datasets'
import { buildRowsSql, measuresOf, roundUsd, runTotals, selectRowsWithTotals } from './dataset'
import { formatPeriodStart } from './range'

/**
 * CSV export of a dataset query, every group (no limit), streamed from the engine row by row. Stable
 * snake_case columns; ISO dates; USD to the cent; a final `total` row computed over the whole range and
 * filters by the same SQL as the JSON endpoint's totals (and the summary), so it reconciles with both.
 *
 * Formula injection (OWASP "CSV Injection"): a text cell that begins with =, +, -, @, tab or carriage
 * return (or their full-width forms) is written with a leading single quote, so a spreadsheet shows it
 * as text instead of evaluating it (csv-stringify's escape_formulas). Numbers are written as numbers and
 * never prefixed, so a negative figure stays a figure.
 */

const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)

type Formatter = (value: number | null | undefined) => string | number

/** How a measure's values are written: USD to the cent, ratios to six decimals, counts as they are. */
function formatterOf(name: string): Formatter {
  // Cents as text ("1.50"); a negative amount (none is stored, but a formula guard must not turn one into
  // text) is written as a number.
  if (/Usd$/.test(name) || name === 'costPerActiveUserDay') return (v) => (v == null ? '' : v < 0 ? Number(v.toFixed(2)) : v.toFixed(2))
  if (/Rate$|PerUser$/.test(name)) return (v) => (v == null ? '' : Number(v.toFixed(6)))
  return (v) => (v == null ? '' : v)
}

export interface CsvColumns {
  header: string[]
  measures: string[]
}

export function csvColumns(query: DatasetQuery<DatasetName>): CsvColumns {
  const { measures, derived } = DATASETS[query.dataset]
  const all = [...measures, ...derived] as string[]
  const header = ['row_type']
  if (query.granularity !== 'none') header.push('period', 'period_start')
  if (query.groupBy) header.push(snake(query.groupBy))
  if (query.groupBy === 'user') header.push('display_name')
  header.push(...all.map(snake))
  return { header, measures: all }
}

type RawRow = Record<string, string | number | null>

/** The CSV as a stream; errors after the header has gone out end the stream (the client sees a short file). */
export async function exportCsv(client: Warehouse, query: DatasetQuery<DatasetName>, scope: Scope): Promise<Readable> {
  const { header, measures } = csvColumns(query)
  const tz = query.range.timeZone
  const filters = query.filters as Record<string, string[] | undefined>
  const baseMeasures = DATASETS[query.dataset].measures as readonly string[]

  // Cost per active user-day needs adoption's user-days per (period, group): one small lookup first.
  let userDays: Map<string, number> | undefined
  let totalUserDays = 0
  let commonGroup: string | undefined
  if (query.dataset === 'cost') {
    commonGroup = query.groupBy && (COMMON_DIMENSIONS as readonly string[]).includes(query.groupBy) ? query.groupBy : undefined
    const common: Record<string, string[] | undefined> = {}
    for (const d of COMMON_DIMENSIONS) common[d] = filters[d]
    const days = await selectRowsWithTotals(client, { scope, dataset: 'adoption', range: query.range, granularity: query.granularity, groupBy: commonGroup, filters: common, measures: ['activeUserDays'] })
    userDays = new Map(days.rows.map((r) => [`${r.p_label ?? ''}\u0000${commonGroup ? (r.g ?? '') : ''}`, Number(r.m_activeUserDays)]))
    totalUserDays = Number(days.totals.m_activeUserDays ?? 0)
  }

  const built = buildRowsSql({
    scope,
    dataset: query.dataset,
    range: query.range,
    granularity: query.granularity,
    groupBy: query.groupBy,
    filters,
    measures: baseMeasures,
    sort: query.sort,
    order: query.order,
    limit: undefined,
  })
  const result = await client.query({
    query: built.sql,
    query_params: built.params,
    format: 'JSONEachRow',
    clickhouse_settings: { output_format_json_quote_64bit_integers: 1 },
  })
  const totals = await runTotals(client, query.dataset, query.range, filters, scope)

  const csv = stringify({ header: true, columns: header, escape_formulas: true })
  const out = new PassThrough()
  csv.pipe(out)

  const formatters = measures.map((m) => [m, formatterOf(m)] as const)
  // A period's start is formatted once per export, not once per row (a zone lookup costs a few µs).
  const periodStarts = new Map<number, string>()
  const periodStart = (ts: number) => {
    let text = periodStarts.get(ts)
    if (text === undefined) periodStarts.set(ts, (text = formatPeriodStart(ts, tz)))
    return text
  }
  const line = (kind: 'data' | 'total', row: RawRow | undefined, values: Record<string, number | null>) => {
    const cells: (string | number)[] = [kind]
    if (query.granularity !== 'none') {
      cells.push(row ? String(row.p_label) : '', row ? periodStart(Number(row.p_ts)) : '')
    }
    if (query.groupBy) cells.push(row ? String(row.g ?? '') : '')
    if (query.groupBy === 'user') cells.push(row ? String(row.label ?? '') : '')
    for (const [m, format] of formatters) cells.push(format(values[m]))
    return cells
  }

  const withDerived = (values: Record<string, number | null>, key: string | undefined) => {
    if (!userDays) return values
    const n = key === undefined ? totalUserDays : (userDays.get(key) ?? 0)
    return { ...values, activeUserDays: n, costPerActiveUserDay: n > 0 && values.costUsd != null ? roundUsd(values.costUsd / n) : null }
  }

  void (async () => {
    try {
      for await (const batch of result.stream<RawRow>()) {
        for (const r of batch) {
          const raw = r.json()
          const values = measuresOf(raw, baseMeasures)
          const key = `${raw.p_label ?? ''}\u0000${commonGroup ? (raw.g ?? '') : ''}`
          if (!csv.write(line('data', raw, withDerived(values, key)))) await new Promise((resolve) => csv.once('drain', resolve))
        }
      }
      csv.write(line('total', undefined, withDerived(totals, undefined)))
      csv.end()
    } catch (error) {
      out.destroy(error as Error)
    }
  })()
  return out
}
