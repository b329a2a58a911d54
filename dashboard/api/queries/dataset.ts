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
import { DATASET_SQL, scopeSql, type Scope } from '../datasets'
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
  /** A manager's teams: a mandatory condition besides the filters (datasets.ts, Scope). */
  scope?: Scope
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
  const clauses = [scopeSql(shape.scope ?? null, params, dimensionSql(shape.dataset, 'team'))]
  for (const [name, values] of Object.entries(shape.filters)) {
    if (!values || values.length === 0) continue
    params[`f_${name}`] = values
    clauses.push(`${dimensionSql(shape.dataset, name)} IN {f_${name}:Array(String)}`)
  }
  return clauses.join(' AND ')
}

/**
 * Rows of a dataset query, with the totals over every group (`WITH TOTALS`, computed before any limit) in
 * the same pass. With a granularity and a group, the top `limit` groups over the whole range are chosen
 * first, ranked `g_rank` by the sort measure (one more than the limit is kept, to tell whether any were
 * left out), in one of two ways (DatasetSql.topGroups): `GROUPING SETS` give the rows per (period, group),
 * one row per group over the whole range and the totals (`g_set` 0, 2 and 3) from one read of the source;
 * or a first query ranks the groups (`top_groups`) and the second keeps their rows (`HAVING`).
 */
export function buildRowsSql(shape: SqlShape): BuiltSql {
  const { dataset, granularity, groupBy } = shape
  const params: Record<string, unknown> = { ...rangeParams(shape.range), tz: shape.range.timeZone, ...cacheSavingParams() }
  const source = DATASET_SQL[dataset].source
  const where = whereSql(shape, params)
  const select: string[] = []
  const groupKeys: string[] = []
  const having: string[] = []
  let rankBy: { measure: string; order: 'ASC' | 'DESC' } | undefined
  let topGroups = ''
  if (granularity !== 'none') {
    const period = PERIOD[granularity]
    select.push(`toUnixTimestamp(${period.expr}) AS p_ts`, `formatDateTime(${period.expr}, '${period.format}', {tz:String}) AS p_label`)
    groupKeys.push('p_ts', 'p_label')
  }
  if (groupBy) {
    const g = dimensionSql(dataset, groupBy)
    select.push(`${g} AS g`)
    if (groupBy === 'user') select.push('any(display_name) AS label')
    groupKeys.push('g')
    if (shape.onlyGroups) {
      params.onlyGroups = shape.onlyGroups
      having.push('g IN {onlyGroups:Array(String)}')
    } else if (granularity !== 'none' && shape.limit !== undefined) {
      // Ranked by the sort measure in its order; when sorting by period or group, by the first measure, largest first.
      const byMeasure = shape.sort !== undefined && shape.sort !== 'period' && shape.sort !== groupBy
      const measure = byMeasure ? shape.sort! : DATASETS[dataset].measures[0]!
      const rankOrder = byMeasure && shape.order === 'asc' ? 'ASC' : 'DESC'
      params.limitGroups = shape.limit + 1
      if (DATASET_SQL[dataset].topGroups === 'grouping-sets') rankBy = { measure, order: rankOrder }
      else {
        topGroups = `WITH (SELECT groupArray(g) FROM (
    SELECT ${g} AS g, ${measureSelect(dataset, [measure])} FROM ${source} AS s WHERE ${where}
    GROUP BY g ORDER BY m_${measure} ${rankOrder}, g LIMIT {limitGroups:UInt32})) AS top_groups
`
        select.push('indexOf(top_groups, g) AS g_rank')
        having.push('has(top_groups, g)')
      }
    }
  }
  select.push(measureSelect(dataset, rankBy ? [...shape.measures, rankBy.measure] : shape.measures))
  const order: string[] = []
  const dir = shape.order === 'asc' ? 'ASC' : 'DESC'
  if (shape.sort === 'period') order.push(`p_ts ${dir}`)
  else if (shape.sort && shape.sort === groupBy) order.push(`g ${dir}`)
  else if (shape.sort) order.push(`m_${shape.sort} ${dir}`)
  if (groupKeys.includes('p_ts') && shape.sort !== 'period') order.push('p_ts ASC')
  if (groupKeys.includes('g') && shape.sort !== groupBy) order.push('g ASC')
  if (rankBy) {
    const grouped = `SELECT
  ${select.join(',\n  ')},
  grouping(p_ts, g) AS g_set
FROM ${source} AS s
WHERE ${where}
GROUP BY GROUPING SETS ((p_ts, p_label, g), (g), ())`
    const ranked = `SELECT *, max(g_first) OVER (PARTITION BY g) AS g_rank FROM (
  SELECT *, if(g_set = 2, row_number() OVER (PARTITION BY g_set ORDER BY m_${rankBy.measure} ${rankBy.order}, g), 0) AS g_first
  FROM (${grouped}))`
    const sql = `SELECT * FROM (${ranked})
WHERE g_set = 3 OR (g_set = 0 AND g_rank BETWEEN 1 AND {limitGroups:UInt32})
ORDER BY g_set DESC, ${order.join(', ')}`
    return { sql, params }
  }
  let limit = ''
  if (shape.limit !== undefined && !topGroups) {
    params.limitRows = shape.limit
    limit = '\nLIMIT {limitRows:UInt32}'
  }
  const grouped = groupKeys.length > 0
  const sql = `${topGroups}SELECT
  ${select.join(',\n  ')}
FROM ${source} AS s
WHERE ${where}
${grouped ? `GROUP BY ${groupKeys.join(', ')} WITH TOTALS` : ''}
${having.length ? `HAVING ${having.join(' AND ')}` : ''}
${order.length ? `ORDER BY ${order.join(', ')}` : ''}${limit}
${grouped ? "SETTINGS totals_mode = 'before_having'" : ''}`
  return { sql, params }
}

type RawRow = Record<string, string | number | null>

interface RowsResult {
  rows: RawRow[]
  totals: RawRow
  /** Rows (or, with top groups, groups) beyond the limit existed. */
  truncated: boolean
}

/** Runs buildRowsSql's query: rows, totals and whether the limit left anything out, in one round trip. */
export async function selectRowsWithTotals(client: Warehouse, shape: SqlShape): Promise<RowsResult> {
  const built = buildRowsSql(shape)
  const result = await client.query({
    query: built.sql,
    query_params: built.params,
    format: 'JSON',
    clickhouse_settings: { output_format_json_quote_64bit_integers: 1 },
  })
  let json: { data: RawRow[]; totals?: RawRow; rows_before_limit_at_least?: number }
  try {
    json = await result.json<RawRow>()
  } catch (error) {
    // chDB 3.4 writes the totals block before the JSON prefix when a WITH TOTALS query has no rows,
    // which is not JSON. Only an empty result does that: answer no rows and the plain totals.
    if (!(error instanceof SyntaxError)) throw error
    return { rows: [], totals: await plainTotals(client, shape), truncated: false }
  }
  const data = json.data
  if (built.params.limitGroups !== undefined) {
    // The rows of the top groups and of one more. With GROUPING SETS, the rows are those of g_set 0 and
    // the totals are the g_set 3 row (none when nothing matched); otherwise the totals came WITH TOTALS.
    const limit = Number(built.params.limitGroups) - 1
    const oneRead = DATASET_SQL[shape.dataset].topGroups === 'grouping-sets'
    const rows = oneRead ? data.filter((r) => Number(r.g_set) === 0) : data
    const kept = rows.filter((r) => Number(r.g_rank) <= limit)
    const totals = oneRead ? data.find((r) => Number(r.g_set) === 3) : json.totals
    return { rows: kept, totals: totals ?? (await plainTotals(client, shape)), truncated: kept.length < rows.length }
  }
  const grouped = shape.granularity !== 'none' || shape.groupBy !== undefined
  const before = Number(json.rows_before_limit_at_least ?? data.length)
  return {
    rows: data,
    totals: grouped ? (json.totals ?? {}) : (data[0] ?? {}),
    truncated: shape.limit !== undefined && before > shape.limit,
  }
}

/** The totals row alone (buildTotalsSql), for results that came without one. */
async function plainTotals(client: Warehouse, shape: SqlShape): Promise<RawRow> {
  const built = buildTotalsSql(shape)
  const [row] = await selectRows<RawRow>(client, built.sql, built.params)
  return row ?? {}
}

/** The same measures over the whole range and filters, as one row (the summary's query). */
export function buildTotalsSql(shape: SqlShape): BuiltSql {
  const params: Record<string, unknown> = { ...rangeParams(shape.range), tz: shape.range.timeZone, ...cacheSavingParams() }
  const where = whereSql(shape, params)
  const sql = `SELECT
  ${measureSelect(shape.dataset, shape.measures)}
FROM ${DATASET_SQL[shape.dataset].source} AS s
WHERE ${where}`
  return { sql, params }
}

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

/** A result row's measures (m_<name>) as numbers: USD rounded to the micro-dollar, null when undefined. */
export function measuresOf(row: RawRow, names: readonly string[]): Record<string, number | null> {
  return Object.fromEntries(names.map((name) => [name, toNumber(name, row[`m_${name}`])]))
}

type AnyQuery = DatasetQuery<DatasetName>

function shapeOf(query: AnyQuery, scope: Scope, measures: readonly string[] = DATASETS[query.dataset].measures): SqlShape {
  return {
    scope,
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
  scope: Scope,
  options: QueryOptions = {},
): Promise<DatasetResponse<D>> {
  const q = query as AnyQuery
  const measures = DATASETS[q.dataset].measures
  const shape = { ...shapeOf(q, scope), limit: options.all ? undefined : q.limit }
  const result = await selectRowsWithTotals(client, shape)
  const tz = q.range.timeZone
  const rows = result.rows.map((r) => ({
    ...(q.granularity !== 'none' ? { period: String(r.p_label), periodStart: formatPeriodStart(Number(r.p_ts), tz) } : {}),
    ...(q.groupBy ? { group: String(r.g ?? '') } : {}),
    ...(q.groupBy === 'user' ? { label: String(r.label ?? '') } : {}),
    ...measuresOf(r, measures),
  }))
  const totals = measuresOf(result.totals, measures)
  const truncated = result.truncated
  if (q.dataset === 'cost') await joinActiveUserDays(client, q, scope, rows, totals)
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
  scope: Scope,
  rows: Record<string, number | string | null>[],
  totals: Record<string, number | null>,
): Promise<void> {
  const commonGroup = q.groupBy && (COMMON_DIMENSIONS as readonly string[]).includes(q.groupBy) ? q.groupBy : undefined
  const filters: Record<string, string[] | undefined> = {}
  for (const d of COMMON_DIMENSIONS) filters[d] = (q.filters as Record<string, string[] | undefined>)[d]
  const base: SqlShape = { scope, dataset: 'adoption', range: q.range, granularity: q.granularity, groupBy: commonGroup, filters, measures: ['activeUserDays'] }
  const groups = commonGroup ? rows.map((r) => String(r.group)) : undefined
  const days = await selectRowsWithTotals(client, groups ? { ...base, onlyGroups: groups } : base)
  const key = (p: unknown, g: unknown) => `${p ?? ''}\u0000${g ?? ''}`
  const byKey = new Map(days.rows.map((d) => [key(d.p_label, d.g), Number(d.m_activeUserDays)]))
  for (const row of rows) {
    const n = byKey.get(key(row.period, commonGroup ? row.group : undefined)) ?? 0
    row.activeUserDays = n
    row.costPerActiveUserDay = n > 0 && typeof row.costUsd === 'number' ? roundUsd(row.costUsd / n) : null
  }
  const n = Number(days.totals.m_activeUserDays ?? 0)
  totals.activeUserDays = n
  totals.costPerActiveUserDay = n > 0 && typeof totals.costUsd === 'number' ? roundUsd(totals.costUsd / n) : null
}

/** A dataset's measures over a range and filters, as numbers (null for an undefined ratio). */
export async function runTotals(
  client: Warehouse,
  dataset: DatasetName,
  range: ResolvedRange,
  filters: Record<string, string[] | undefined>,
  scope: Scope,
  measures: readonly string[] = DATASETS[dataset].measures,
): Promise<Record<string, number | null>> {
  return measuresOf(await plainTotals(client, { scope, dataset, range, granularity: 'none', groupBy: undefined, filters, measures }), measures)
}
