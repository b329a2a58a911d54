import {
  COMMON_DIMENSIONS,
  DATASETS,
  type DatasetName,
  type DatasetQuery,
  type DatasetResponse,
  type Granularity,
  type ResolvedRange,
} from '../../../schemas/analytics'
import { selectRows, type Warehouse } from '../../../warehouse/client'
import { DATASET_SQL } from '../datasets'
import { cacheSavingParams } from '../prices'
import { formatPeriodStart, rangeParams } from './range'

/**
 * One dataset query → SQL text with typed placeholders. Every identifier and expression comes from
 * DATASET_SQL (code); request values travel only as parameters. Pure, so it is unit-tested as text.
 */

const PERIOD: Record<Exclude<Granularity, 'none'>, { expr: string; format: string }> = {
  hour: { expr: 'toStartOfHour(bucket, {tz:String})', format: '%Y-%m-%dT%H:00' },
  day: { expr: 'toStartOfDay(bucket, {tz:String})', format: '%Y-%m-%d' },
  week: { expr: 'toDateTime(toMonday(bucket, {tz:String}), {tz:String})', format: '%Y-%m-%d' },
  month: { expr: 'toDateTime(toStartOfMonth(bucket, {tz:String}), {tz:String})', format: '%Y-%m-%d' },
}

export interface SqlShape {
  dataset: DatasetName
  range: ResolvedRange
  granularity: Granularity
  groupBy: string | undefined
  filters: Record<string, string[] | undefined>
  /** Measures to compute (all, for the response; fewer for a helper query). */
  measures: readonly string[]
  sort?: string
  order?: 'asc' | 'desc'
  /** Rows (or, with a granularity and a group, groups) returned; undefined = all. */
  limit?: number | undefined
  /** Restrict to these groups (a follow-up query for figures of groups already chosen). */
  onlyGroups?: string[]
}

export interface BuiltSql {
  sql: string
  params: Record<string, unknown>
}

function dimensionSql(dataset: DatasetName, name: string): string {
  const expr = (DATASET_SQL[dataset].dimensions as Record<string, string>)[name]
  if (!expr) throw new Error(`unknown dimension ${dataset}.${name}`)
  return expr
}

function measureSelect(dataset: DatasetName, names: readonly string[]): string {
  const measures = DATASET_SQL[dataset].measures as Record<string, string>
  // Every measure is selected so that ratios can name their parts (m_<name>); the caller reads the ones it asked for.
  const needed = new Set(names)
  for (const name of names) for (const ref of measures[name]?.match(/m_[A-Za-z]+/g) ?? []) needed.add(ref.slice(2))
  return Object.keys(measures)
    .filter((name) => needed.has(name))
    .map((name) => `${measures[name]} AS m_${name}`)
    .join(',\n  ')
}

function whereSql(shape: SqlShape, params: Record<string, unknown>): string {
  const clauses = ['1']
  for (const [name, values] of Object.entries(shape.filters)) {
    if (!values || values.length === 0) continue
    params[`f_${name}`] = values
    clauses.push(`${dimensionSql(shape.dataset, name)} IN {f_${name}:Array(String)}`)
  }
  return clauses.join(' AND ')
}

export function buildRowsSql(shape: SqlShape): BuiltSql {
  const { dataset, granularity, groupBy } = shape
  const params: Record<string, unknown> = { ...rangeParams(shape.range), tz: shape.range.timeZone, ...cacheSavingParams() }
  const source = DATASET_SQL[dataset].source
  const where = whereSql(shape, params)
  const select: string[] = []
  const groupKeys: string[] = []
  if (granularity !== 'none') {
    const period = PERIOD[granularity]
    select.push(`toUnixTimestamp(${period.expr}) AS p_ts`, `formatDateTime(${period.expr}, '${period.format}', {tz:String}) AS p_label`)
    groupKeys.push('p_ts', 'p_label')
  }
  let groupFilter = ''
  if (groupBy) {
    const g = dimensionSql(dataset, groupBy)
    select.push(`${g} AS g`)
    if (groupBy === 'user') select.push('any(display_name) AS label')
    groupKeys.push('g')
    if (shape.onlyGroups) {
      params.onlyGroups = shape.onlyGroups
      groupFilter = ` AND ${g} IN {onlyGroups:Array(String)}`
    } else if (granularity !== 'none' && shape.limit !== undefined) {
      // Top groups over the whole range, then every period of those groups.
      const sortMeasure = shape.sort && shape.sort !== 'period' && shape.sort !== groupBy ? shape.sort : DATASETS[dataset].measures[0]
      params.limit = shape.limit
      groupFilter = ` AND ${g} IN (
    SELECT g FROM (SELECT ${g} AS g, ${measureSelect(dataset, [sortMeasure])} FROM ${source} AS s WHERE ${where}
                   GROUP BY g ORDER BY m_${sortMeasure} ${shape.order === 'asc' ? 'ASC' : 'DESC'}, g LIMIT {limit:UInt32}))`
    }
  }
  select.push(measureSelect(dataset, shape.measures))
  const order: string[] = []
  const dir = shape.order === 'asc' ? 'ASC' : 'DESC'
  if (shape.sort === 'period') order.push(`p_ts ${dir}`)
  else if (shape.sort && shape.sort === groupBy) order.push(`g ${dir}`)
  else if (shape.sort) order.push(`m_${shape.sort} ${dir}`)
  if (groupKeys.includes('p_ts') && shape.sort !== 'period') order.push('p_ts ASC')
  if (groupKeys.includes('g') && shape.sort !== groupBy) order.push('g ASC')
  let limit = ''
  if (shape.limit !== undefined && !(granularity !== 'none' && groupBy)) {
    params.limitRows = shape.limit
    limit = '\nLIMIT {limitRows:UInt32}'
  }
  const sql = `SELECT
  ${select.join(',\n  ')}
FROM ${source} AS s
WHERE ${where}${groupFilter}
${groupKeys.length ? `GROUP BY ${groupKeys.join(', ')}` : ''}
${order.length ? `ORDER BY ${order.join(', ')}` : ''}${limit}`
  return { sql, params }
}

/** The same measures over the whole range and filters, and how many groups exist. */
export function buildTotalsSql(shape: SqlShape): BuiltSql {
  const params: Record<string, unknown> = { ...rangeParams(shape.range), tz: shape.range.timeZone, ...cacheSavingParams() }
  const where = whereSql(shape, params)
  const extra: string[] = []
  if (shape.groupBy) extra.push(`uniqExact(${dimensionSql(shape.dataset, shape.groupBy)}) AS n_groups`)
  if (shape.granularity !== 'none') extra.push(`uniqExact(${PERIOD[shape.granularity].expr}) AS n_periods`)
  const sql = `SELECT
  ${[measureSelect(shape.dataset, shape.measures), ...extra].join(',\n  ')}
FROM ${DATASET_SQL[shape.dataset].source} AS s
WHERE ${where}`
  return { sql, params }
}

type RawRow = Record<string, string | number | null>

const USD = new Set(['costUsd', 'cacheSavingsUsd', 'costPerActiveUserDay'])

/** Dollars to the micro-dollar: floating-point sums lose nothing a person can see. */
export function roundUsd(value: number): number {
  return Math.round(value * 1e6) / 1e6
}

function toNumber(name: string, raw: string | number | null | undefined): number | null {
  if (raw === null || raw === undefined) return null
  const n = Number(raw)
  if (!Number.isFinite(n)) return null
  return USD.has(name) ? roundUsd(n) : n
}

function measuresOf(row: RawRow, names: readonly string[]): Record<string, number | null> {
  return Object.fromEntries(names.map((name) => [name, toNumber(name, row[`m_${name}`])]))
}

type AnyQuery = DatasetQuery<DatasetName>

function shapeOf(query: AnyQuery, measures: readonly string[] = DATASETS[query.dataset].measures): SqlShape {
  return {
    dataset: query.dataset,
    range: query.range,
    granularity: query.granularity,
    groupBy: query.groupBy,
    filters: query.filters as Record<string, string[] | undefined>,
    measures,
    sort: query.sort,
    order: query.order,
    limit: query.limit,
  }
}

interface QueryOptions {
  /** No limit: every group (exports). */
  all?: boolean
}

/** Runs a dataset query: rows, totals, and for cost the active user-days joined from adoption. */
export async function runDatasetQuery<D extends DatasetName>(
  client: Warehouse,
  query: DatasetQuery<D>,
  options: QueryOptions = {},
): Promise<DatasetResponse<D>> {
  const q = query as AnyQuery
  const measures = DATASETS[q.dataset].measures
  const shape = { ...shapeOf(q), limit: options.all ? undefined : q.limit }
  const rowsSql = buildRowsSql(shape)
  const totalsSql = buildTotalsSql(shape)
  const raw = await selectRows<RawRow>(client, rowsSql.sql, rowsSql.params)
  const [totalsRaw] = await selectRows<RawRow>(client, totalsSql.sql, totalsSql.params)
  const tz = q.range.timeZone
  const rows = raw.map((r) => ({
    ...(q.granularity !== 'none' ? { period: String(r.p_label), periodStart: formatPeriodStart(Number(r.p_ts), tz) } : {}),
    ...(q.groupBy ? { group: String(r.g ?? '') } : {}),
    ...(q.groupBy === 'user' ? { label: String(r.label ?? '') } : {}),
    ...measuresOf(r, measures),
  }))
  const totals = measuresOf(totalsRaw ?? {}, measures)
  const groups = Number(totalsRaw?.n_groups ?? 0)
  const periods = Number(totalsRaw?.n_periods ?? 0)
  const truncated =
    !options.all && (q.groupBy ? groups > q.limit : q.granularity !== 'none' ? periods > q.limit : false)
  if (q.dataset === 'cost') await joinActiveUserDays(client, q, rows, totals)
  return {
    dataset: q.dataset,
    range: { from: q.range.from.toISOString(), to: q.range.to.toISOString(), timeZone: tz },
    granularity: q.granularity,
    groupBy: q.groupBy ?? null,
    rows,
    totals,
    truncated,
  } as unknown as DatasetResponse<D>
}

/**
 * Cost per active user per day: cost ÷ the adoption dataset's active user-days for the same period and
 * group. Groups adoption has no notion of (model, query source, …) get the period's total user-days.
 */
async function joinActiveUserDays(
  client: Warehouse,
  q: AnyQuery,
  rows: Record<string, number | string | null>[],
  totals: Record<string, number | null>,
): Promise<void> {
  const commonGroup = q.groupBy && (COMMON_DIMENSIONS as readonly string[]).includes(q.groupBy) ? q.groupBy : undefined
  const filters: Record<string, string[] | undefined> = {}
  for (const d of COMMON_DIMENSIONS) filters[d] = (q.filters as Record<string, string[] | undefined>)[d]
  const base: SqlShape = { dataset: 'adoption', range: q.range, granularity: q.granularity, groupBy: commonGroup, filters, measures: ['activeUserDays'] }
  const groups = commonGroup ? rows.map((r) => String(r.group)) : undefined
  const daysSql = buildRowsSql(groups ? { ...base, onlyGroups: groups } : base)
  const days = await selectRows<RawRow>(client, daysSql.sql, daysSql.params)
  const key = (p: unknown, g: unknown) => `${p ?? ''}\u0000${g ?? ''}`
  const byKey = new Map(days.map((d) => [key(d.p_label, d.g), Number(d.m_activeUserDays)]))
  for (const row of rows) {
    const n = byKey.get(key(row.period, commonGroup ? row.group : undefined)) ?? 0
    row.activeUserDays = n
    row.costPerActiveUserDay = n > 0 && typeof row.costUsd === 'number' ? roundUsd(row.costUsd / n) : null
  }
  const totalSql = buildTotalsSql({ ...base, groupBy: undefined, granularity: 'none' })
  const [total] = await selectRows<RawRow>(client, totalSql.sql, totalSql.params)
  const n = Number(total?.m_activeUserDays ?? 0)
  totals.activeUserDays = n
  totals.costPerActiveUserDay = n > 0 && typeof totals.costUsd === 'number' ? roundUsd(totals.costUsd / n) : null
}

/** A dataset's measures over a range and filters, as numbers (null for an undefined ratio). */
export async function runTotals(
  client: Warehouse,
  dataset: DatasetName,
  range: ResolvedRange,
  filters: Record<string, string[] | undefined>,
  measures: readonly string[] = DATASETS[dataset].measures,
): Promise<Record<string, number | null>> {
  const built = buildTotalsSql({ dataset, range, granularity: 'none', groupBy: undefined, filters, measures })
  const [row] = await selectRows<RawRow>(client, built.sql, built.params)
  return measuresOf(row ?? {}, measures)
}
