import { z } from 'zod'
import type { DatasetName, Granularity, ResolvedRange } from '../../../schemas/analytics'
import { ch, READ_SETTINGS, run, type Query } from '../../../warehouse/query'
import { COVERAGE_MEASURES, DATASET_SQL, scopeSql, variantFor, type DatasetVariant, type Scope } from '../datasets'
import { cacheSavingParams } from '../prices'
import { attributedRows, rangeBounds } from '../sources'
import { planTiers } from '../tiers'
import type { Reader } from '../../../warehouse/pool'
import { rangeParams } from './range'

/**
 * One dataset query → SQL text with typed placeholders and the zod schema of its rows. Every identifier
 * and expression comes from DATASET_SQL (code); request values travel only as parameters. Building is
 * pure, so it is unit-tested as text; running parses every row with the schema.
 */

const PERIOD: Record<Exclude<Granularity, 'none'>, { expr: string; format: string }> = {
  hour: { expr: 'toStartOfHour(bucket, {tz:String})', format: '%Y-%m-%dT%H:00' },
  day: { expr: 'toStartOfDay(bucket, {tz:String})', format: '%Y-%m-%d' },
  week: { expr: 'toDateTime(toMonday(bucket, {tz:String}), {tz:String})', format: '%Y-%m-%d' },
  month: { expr: 'toDateTime(toStartOfMonth(bucket, {tz:String}), {tz:String})', format: '%Y-%m-%d' },
}

/** What a query reads: a variant of a dataset, or (the summary) measures of several over one family. */
export interface Source {
  variant: Pick<DatasetVariant<DatasetName>, 'family' | 'dimensions'> & { measures: Record<string, string> }
  /** Measures that count local days (the tier plan cuts at local midnights for them). */
  localDayMeasures: readonly string[]
}

export interface SqlShape {
  source: Source
  /** The range as answered (answeredRange): the rows read. */
  range: ResolvedRange
  granularity: Granularity
  groupBy: string | undefined
  filters: Record<string, string[] | undefined>
  /** Measures to compute. */
  measures: readonly string[]
  /** user_activity only: also count who reports what (COVERAGE_MEASURES). */
  coverage?: boolean
  sort?: string
  order?: 'asc' | 'desc'
  /** Rows (or, with a granularity and a group, groups) returned; undefined = all. */
  limit?: number | undefined
  /** Top groups: 'grouping-sets' (one read) or 'two-pass' (DatasetSql.topGroups). */
  topGroups?: 'grouping-sets' | 'two-pass'
  /** A manager's teams: a mandatory condition besides the filters (datasets.ts, Scope). */
  scope?: Scope
  /** false: grouped by user, the rows carry no display name (`label`), so the directory is not joined for one. */
  labels?: boolean
}

/** The source a dataset query reads: the first variant with every dimension it groups or filters by. */
export function sourceFor(dataset: DatasetName, groupBy: string | undefined, filters: Record<string, string[] | undefined>): Source {
  const dims = [...(groupBy ? [groupBy] : []), ...Object.keys(filters).filter((d) => (filters[d]?.length ?? 0) > 0)]
  return { variant: variantFor(dataset, dims), localDayMeasures: DATASET_SQL[dataset].localDayMeasures }
}

function dimensionSql(source: Source, name: string): string {
  const expr = (source.variant.dimensions as Record<string, string | undefined>)[name]
  if (!expr) throw new Error(`unknown dimension ${name} for ${source.variant.family}`)
  return expr
}

/** Every measure asked for and those their ratios name (m_<name>), in the variant's order. */
function measureSelect(source: Source, names: readonly string[], coverage: boolean): string[] {
  const measures = source.variant.measures
  const needed = new Set(names)
  for (const name of names) for (const ref of measures[name]?.match(/m_[A-Za-z]+/g) ?? []) needed.add(ref.slice(2))
  const out = Object.keys(measures)
    .filter((name) => needed.has(name))
    .map((name) => `${measures[name]} AS m_${name}`)
  if (coverage) for (const [alias, expr] of Object.entries(COVERAGE_MEASURES)) out.push(`${expr} AS ${alias}`)
  // Cost rows say whether any of their cost came from api_request events (requests is null otherwise).
  if (source.variant.family === 'usageByModel' || source.variant.family === 'usageEvents') out.push('max(from_events) AS from_events')
  return out
}

function whereSql(shape: SqlShape, params: Record<string, unknown>): string {
  const clauses = [scopeSql(shape.scope ?? null, params, dimensionSql(shape.source, 'team'))]
  for (const [name, values] of Object.entries(shape.filters)) {
    if (!values || values.length === 0) continue
    params[`f_${name}`] = values
    clauses.push(`${dimensionSql(shape.source, name)} IN {f_${name}:Array(String)}`)
  }
  return clauses.join(' AND ')
}

/** Dimensions whose values come from the directory (or a display name from it). */
const ATTRIBUTED: ReadonlySet<string> = new Set(['team', 'department', 'costCenter', 'user'])

/** Whether a shape's rows carry a person's display name (`label`): grouped by person, unless it asks for none. */
const readsLabels = (shape: SqlShape) => shape.groupBy === 'user' && shape.labels !== false

/** Whether a shape reads anything the directory decides: an attributed dimension, a display name, a scope. */
function needsDirectory(shape: SqlShape): boolean {
  if (shape.scope) return true
  // A person is the telemetry's own key: grouped by one, the directory is read for the display name only.
  if (shape.groupBy === 'user' ? readsLabels(shape) : shape.groupBy !== undefined && ATTRIBUTED.has(shape.groupBy)) return true
  return Object.entries(shape.filters).some(([name, values]) => (values?.length ?? 0) > 0 && name !== 'user' && ATTRIBUTED.has(name))
}

/** The shape's rows: attributed rows of its family over the tier plan of its range and periods. */
function fromSql(shape: SqlShape, params: Record<string, unknown>, prefix = ''): string {
  const localDays = shape.measures.some((m) => shape.source.localDayMeasures.includes(m))
  const plan = planTiers(shape.range, shape.granularity, { localDays })
  rangeBounds(shape.range, params, prefix)
  return attributedRows(shape.source.variant.family, plan, params, prefix, needsDirectory(shape))
}

function baseParams(shape: SqlShape): Record<string, unknown> {
  return { ...rangeParams(shape.range), tz: shape.range.timeZone, ...cacheSavingParams() }
}

/** The row schema of a built query: period, group, label, ranking columns, measures and coverage. */
function rowSchema(shape: SqlShape, measures: readonly string[], extra: { ranked?: boolean } = {}) {
  const shapeOf: Record<string, z.ZodType> = {}
  if (shape.granularity !== 'none') {
    shapeOf.p_ts = ch.count
    shapeOf.p_label = ch.string
  }
  if (shape.groupBy) shapeOf.g = ch.string
  if (readsLabels(shape)) shapeOf.label = ch.string.optional()
  if (extra.ranked) {
    shapeOf.g_set = ch.count
    shapeOf.g_rank = ch.count
  }
  for (const m of measures) shapeOf[`m_${m}`] = ch.number
  if (shape.coverage) for (const alias of Object.keys(COVERAGE_MEASURES)) shapeOf[alias] = ch.count
  const family = shape.source.variant.family
  if (family === 'usageByModel' || family === 'usageEvents') shapeOf.from_events = ch.count
  return z.object(shapeOf)
}

export type DatasetRawRow = Record<string, unknown> & {
  p_ts?: number
  p_label?: string
  g?: string
  label?: string
  g_set?: number
  g_rank?: number
  from_events?: number
  c_users?: number
  c_events?: number
  c_metrics?: number
}

/** The measures that a built query selects (those asked for and those their ratios name). */
function selectedMeasures(source: Source, names: readonly string[]): string[] {
  const measures = source.variant.measures
  const needed = new Set(names)
  for (const name of names) for (const ref of measures[name]?.match(/m_[A-Za-z]+/g) ?? []) needed.add(ref.slice(2))
  return Object.keys(measures).filter((name) => needed.has(name))
}

/**
 * Rows of a query, with the totals over every group (`WITH TOTALS`, computed before any limit) in the same
 * pass. With a granularity and a group, the top `limit` groups over the whole range are chosen first,
 * ranked `g_rank` by the sort measure (one more than the limit is kept, to tell whether any were left
 * out), in one of two ways (DatasetSql.topGroups): `GROUPING SETS` give the rows per (period, group), one
 * row per group over the whole range and the totals (`g_set` 0, 2 and 3) from one read of the source; or a
 * first query ranks the groups (`top_groups`) and the second keeps their rows (`HAVING`).
 */
/**
 * `totals`: true (default) answers them as the engine's WITH TOTALS block (selectRowsWithTotals); false leaves them
 * out (a streamed read: JSONEachRow drops the block); 'row' answers them as one more row, the last, `g_set` 1 (grouping
 * sets (periods, group) and (), one read of the source), for a read that sees rows only: a part of runAll, or a
 * stream (the CSV export's total line). 'row' is for a shape with periods or a group, without a limit.
 */
export function buildRowsSql(shape: SqlShape, options: { totals?: boolean | 'row' } = {}): Query<z.ZodType<DatasetRawRow>> {
  const { granularity, groupBy } = shape
  const params = baseParams(shape)
  const source = fromSql(shape, params)
  const where = whereSql(shape, params)
  const select: string[] = []
  const groupKeys: string[] = []
  const having: string[] = []
  let rankBy: { measure: string; order: 'ASC' | 'DESC' } | undefined
  let topGroups = ''
  const coverage = shape.coverage ?? false
  if (granularity !== 'none') {
    const period = PERIOD[granularity]
    select.push(`toUnixTimestamp(${period.expr}) AS p_ts`, `formatDateTime(${period.expr}, '${period.format}', {tz:String}) AS p_label`)
    groupKeys.push('p_ts', 'p_label')
  }
  let measures = shape.measures
  if (groupBy) {
    const g = dimensionSql(shape.source, groupBy)
    select.push(`${g} AS g`)
    if (readsLabels(shape)) select.push('any(display_name) AS label')
    groupKeys.push('g')
    if (granularity !== 'none' && shape.limit !== undefined) {
      // Ranked by the sort measure in its order; when sorting by period or group, by the first measure, largest first.
      const byMeasure = shape.sort !== undefined && shape.sort !== 'period' && shape.sort !== groupBy
      const measure = byMeasure ? shape.sort! : shape.measures[0]!
      const rankOrder = byMeasure && shape.order === 'asc' ? 'ASC' : 'DESC'
      params.limitGroups = shape.limit + 1
      if ((shape.topGroups ?? 'grouping-sets') === 'grouping-sets') {
        rankBy = { measure, order: rankOrder }
        measures = [...new Set([...measures, measure])]
      } else {
        const rankSource = fromSql(shape, params, 'k_')
        topGroups = `WITH (SELECT groupArray(g) FROM (
    SELECT ${g} AS g, ${measureSelect(shape.source, [measure], false).join(', ')} FROM ${rankSource} AS s WHERE ${where}
    GROUP BY g ORDER BY m_${measure} ${rankOrder}, g LIMIT {limitGroups:UInt32})) AS top_groups
`
        select.push('indexOf(top_groups, g) AS g_rank')
        having.push('has(top_groups, g)')
      }
    }
  }
  select.push(...measureSelect(shape.source, measures, coverage))
  const selected = selectedMeasures(shape.source, measures)
  const order: string[] = []
  const dir = shape.order === 'asc' ? 'ASC' : 'DESC'
  if (shape.sort === 'period') order.push(`p_ts ${dir}`)
  else if (shape.sort && shape.sort === groupBy) order.push(`g ${dir}`)
  else if (shape.sort && selected.includes(shape.sort)) order.push(`m_${shape.sort} ${dir}`)
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
    const sql = `SELECT * EXCEPT g_first FROM (${ranked})
WHERE g_set = 3 OR (g_set = 0 AND g_rank BETWEEN 1 AND {limitGroups:UInt32})
ORDER BY g_set DESC, ${order.join(', ')}`
    return { sql, params, row: rowSchema(shape, selected, { ranked: true }) as z.ZodType<DatasetRawRow> }
  }
  if (options.totals === 'row') {
    if (groupKeys.length === 0 || shape.limit !== undefined || topGroups) throw new Error("buildRowsSql: totals 'row' needs periods or groups, without a limit")
    const sql = `SELECT
  ${select.join(',\n  ')},
  grouping(${groupKeys[0]}) AS g_set
FROM ${source} AS s
WHERE ${where}
GROUP BY GROUPING SETS ((${groupKeys.join(', ')}), ())
ORDER BY g_set, ${order.join(', ')}`
    return { sql, params, row: rowSchema(shape, selected).extend({ g_set: ch.count }) as z.ZodType<DatasetRawRow> }
  }
  let limit = ''
  // `limit` counts groups: without a group, the rows are the periods of one series, all answered (bounded by
  // MAX_PERIODS in the query's schema).
  if (shape.limit !== undefined && !topGroups && groupBy) {
    params.limitRows = shape.limit
    limit = '\nLIMIT {limitRows:UInt32}'
  }
  const grouped = groupKeys.length > 0
  // A streamed read (the CSV export) gets no totals block: JSONEachRow drops it, so its computation is waste.
  const withTotals = grouped && options.totals !== false
  const schema = rowSchema(shape, selected)
  const sql = `${topGroups}SELECT
  ${select.join(',\n  ')}
FROM ${source} AS s
WHERE ${where}
${grouped ? `GROUP BY ${groupKeys.join(', ')}${withTotals ? ' WITH TOTALS' : ''}` : ''}
${having.length ? `HAVING ${having.join(' AND ')}` : ''}
${order.length ? `ORDER BY ${order.join(', ')}` : ''}${limit}
${withTotals ? "SETTINGS totals_mode = 'before_having'" : ''}`
  return { sql, params, row: (topGroups ? schema.extend({ g_rank: ch.count }) : schema) as z.ZodType<DatasetRawRow> }
}

/** The same measures over the whole range and filters, as one row (the summary's query). */
export function buildTotalsSql(shape: SqlShape): Query<z.ZodType<DatasetRawRow>> {
  const params = baseParams(shape)
  // No periods and no group: the directory is joined only where a filter or a manager's scope needs it, not for the
  // display names or teams of a grouping the totals do not have (the CSV export by user per day's total line: at
  // 10 M events 48 → 28–38 ms, at 100 M 39–40 → 29–35).
  const flat = { ...shape, granularity: 'none' as const, groupBy: undefined }
  const source = fromSql(flat, params)
  const where = whereSql(shape, params)
  const sql = `SELECT
  ${measureSelect(shape.source, shape.measures, shape.coverage ?? false).join(',\n  ')}
FROM ${source} AS s
WHERE ${where}`
  return { sql, params, row: rowSchema(flat, selectedMeasures(shape.source, shape.measures)) as z.ZodType<DatasetRawRow> }
}

export interface RowsResult {
  rows: DatasetRawRow[]
  totals: DatasetRawRow
  /** Rows (or, with top groups, groups) beyond the limit existed. */
  truncated: boolean
}

/** Runs buildRowsSql's query: rows, totals and whether the limit left anything out. */
export async function selectRowsWithTotals(client: Reader, shape: SqlShape): Promise<RowsResult> {
  const built = buildRowsSql(shape)
  const result = await client.query({
    query: built.sql,
    query_params: built.params,
    format: 'JSON',
    clickhouse_settings: READ_SETTINGS,
  })
  let json: { data: unknown[]; totals?: unknown; rows_before_limit_at_least?: number }
  try {
    json = await result.json<unknown>()
  } catch (error) {
    // chDB 3.4 writes the totals block before the JSON prefix when a WITH TOTALS query has no rows,
    // which is not JSON. Only an empty result does that: answer no rows and the plain totals.
    if (!(error instanceof SyntaxError)) throw error
    return { rows: [], totals: await plainTotals(client, shape), truncated: false }
  }
  const parse = (raw: unknown) => {
    const parsed = built.row.safeParse(raw)
    if (!parsed.success) throw new Error(`a ${shape.source.variant.family} row did not match its schema: ${parsed.error.issues[0]?.message}`)
    return parsed.data
  }
  const data = json.data.map(parse)
  if (built.params.limitGroups !== undefined) {
    // The rows of the top groups and of one more. With GROUPING SETS, the rows are those of g_set 0 and
    // the totals are the g_set 3 row (none when nothing matched); otherwise the totals came WITH TOTALS.
    const limit = Number(built.params.limitGroups) - 1
    const oneRead = (shape.topGroups ?? 'grouping-sets') === 'grouping-sets'
    const rows = oneRead ? data.filter((r) => r.g_set === 0) : data
    const kept = rows.filter((r) => (r.g_rank ?? 0) <= limit)
    const totals = oneRead ? data.find((r) => r.g_set === 3) : json.totals !== undefined ? parse(json.totals) : undefined
    return { rows: kept, totals: totals ?? (await plainTotals(client, shape)), truncated: kept.length < rows.length }
  }
  const grouped = shape.granularity !== 'none' || shape.groupBy !== undefined
  const before = Number(json.rows_before_limit_at_least ?? data.length)
  return {
    rows: data,
    totals: grouped ? (json.totals !== undefined ? parse(json.totals) : {}) : (data[0] ?? {}),
    truncated: shape.limit !== undefined && shape.groupBy !== undefined && before > shape.limit,
  }
}

/** The totals row alone (buildTotalsSql), for results that came without one. */
export async function plainTotals(client: Reader, shape: SqlShape): Promise<DatasetRawRow> {
  const [row] = await run(client, buildTotalsSql(shape))
  return row ?? {}
}
