import { roundUsd } from '../../../schemas/money'
import {
  COMMON_DIMENSIONS,
  DATASETS,
  isReported,
  isSourceReported,
  MEASURE_SOURCE,
  type Coverage,
  type MeasureSource,
  type DatasetName,
  type DatasetQuery,
  type Granularity,
  type ResolvedRange,
} from '../../../schemas/analytics'
import { answeredRange, isPartial, previousRange } from '../../../schemas/periods'
import { DATASET_SQL, type Scope } from '../datasets'
import { nextPeriod } from '../tiers'
import type { Reader } from '../../../warehouse/pool'
import { formatPeriodStart } from './range'
import { comparedWith } from './meta'
import { plainTotals, selectRowsWithTotals, sourceFor, type DatasetRawRow, type SqlShape } from './dataset-sql'
import { companion, companionKey, coverageOf, NO_COVERAGE, type Companion } from './companion'

/**
 * A dataset query's answer: runs the SQL (dataset-sql.ts), then turns result rows into what the API
 * answers: measures as numbers (USD to the micro-dollar), "not reported" as null by coverage, derived
 * figures (cost per active user-day) from the companion query, periods marked complete or partial, and
 * the previous span for compare=previous.
 */

const USD = new Set(['costUsd', 'cacheSavingsUsd', 'costPerActiveUserDay'])

function toNumber(name: string, raw: unknown): number | null {
  return numberOf(raw, USD.has(name))
}

function numberOf(raw: unknown, usd: boolean): number | null {
  if (raw === null || raw === undefined) return null
  const n = Number(raw)
  if (!Number.isFinite(n)) return null
  return usd ? roundUsd(n) : n
}

/** A result row's measures (m_<name>) as numbers: USD rounded to the micro-dollar, null when undefined. */
export function measuresOf(row: DatasetRawRow, names: readonly string[]): Record<string, number | null> {
  return Object.fromEntries(names.map((name) => [name, toNumber(name, row[`m_${name}`])]))
}

/** Measures whose source the coverage says nobody sends become null ("not reported", never 0). */
export function withoutUnreported(values: Record<string, number | null>, coverage: Coverage | undefined): Record<string, number | null> {
  if (!coverage) return values
  const out: Record<string, number | null> = {}
  for (const [name, value] of Object.entries(values)) out[name] = isReported(name, coverage) ? value : null
  return out
}

/** What a request may read and when it is answered. */
export interface QueryContext {
  client: Reader
  scope: Scope
  /** The answer's clock: ranges stop at the last complete bucket before it (schemas/periods.ts). */
  now: Date
}

type AnyQuery = DatasetQuery<DatasetName>

/** The SQL shape of a parsed dataset query, as asked (its whole range, its own measures): for tests and tools. */
export function datasetShape(q: AnyQuery, scope: Scope = null): SqlShape {
  return shapeOf(q, scope, q.range, splitMeasures(q.dataset, q.measures).base, q.limit)
}

/** The shape of a dataset query over a range. */
function shapeOf(q: AnyQuery, scope: Scope, range: ResolvedRange, measures: readonly string[], limit: number | undefined): SqlShape {
  const filters = q.filters as Record<string, string[] | undefined>
  return {
    scope,
    source: sourceFor(q.dataset, q.groupBy, filters),
    range,
    granularity: q.granularity,
    groupBy: q.groupBy,
    filters,
    measures,
    coverage: q.dataset === 'adoption',
    sort: q.sort,
    order: q.order,
    limit,
    topGroups: DATASET_SQL[q.dataset].topGroups,
  }
}

/** Totals and coverage of a dataset over a range (for compare=previous): one totals query, and the coverage. */
async function totalsOver(ctx: QueryContext, q: AnyQuery, range: ResolvedRange, base: readonly string[], derived: readonly string[]) {
  const shape = { ...shapeOf(q, ctx.scope, range, base, undefined), granularity: 'none' as const, groupBy: undefined }
  const [row, side] = await Promise.all([
    plainTotals(ctx.client, shape),
    q.dataset === 'adoption' ? undefined : companion(ctx, { ...q, granularity: 'none' }, range, undefined, derived.length > 0),
  ])
  const coverage = (q.dataset === 'adoption' ? coverageOf(row) : side?.totals.coverage) ?? NO_COVERAGE
  const totals = measuresOf(row, base)
  if (derived.length > 0) addDerived(totals, side?.totals.activeUserDays ?? 0)
  return { range: rangeOut(range), totals: pick(withoutUnreported(totals, coverage), q.measures), coverage }
}

function addDerived(values: Record<string, number | null>, activeUserDays: number): void {
  values.activeUserDays = activeUserDays
  values.costPerActiveUserDay = activeUserDays > 0 && typeof values.costUsd === 'number' ? roundUsd(values.costUsd / activeUserDays) : null
}

function pick(values: Record<string, number | null>, names: readonly string[]): Record<string, number | null> {
  return Object.fromEntries(names.map((n) => [n, values[n] ?? null]))
}

const rangeOut = (r: ResolvedRange) => ({ from: r.from.toISOString(), to: r.to.toISOString(), timeZone: r.timeZone })

/** Whether a period (its start, unix seconds) lies wholly inside the answered range. */
function periodComplete(startSeconds: number, granularity: Exclude<Granularity, 'none'>, asked: ResolvedRange, answered: ResolvedRange): boolean {
  const start = startSeconds * 1000
  return start >= asked.from.getTime() && nextPeriod(start, granularity, asked.timeZone) <= answered.to.getTime()
}

/** Splits asked measures into those the dataset computes and those derived after (cost per active user-day). */
export function splitMeasures(dataset: DatasetName, asked: readonly string[]): { base: string[]; derived: string[] } {
  const base = (DATASETS[dataset].measures as readonly string[]).filter((m) => asked.includes(m))
  const derived = (DATASETS[dataset].derived as readonly string[]).filter((m) => asked.includes(m))
  // costPerActiveUserDay needs costUsd.
  if (derived.includes('costPerActiveUserDay') && !base.includes('costUsd')) base.push('costUsd')
  return { base, derived }
}

/** A dataset query made ready: what it reads, and how a result row becomes an answer row. */
export interface PreparedQuery {
  shape: SqlShape
  answered: ResolvedRange
  base: string[]
  derived: string[]
  commonGroup: string | undefined
  /** Each period's start as text and whether it is complete, by its unix start: a zone lookup costs microseconds, rows are many. */
  periods: Map<number, { start: string; complete: boolean }>
  /** How each asked measure (q.measures order) is read from a row, worked out once: an export maps every row of a range. */
  plan: MeasurePlan[]
}

/** Where an asked measure's value comes from, and what makes it null. */
interface MeasurePlan {
  kind: 'base' | 'activeUserDays' | 'costPerActiveUserDay' | 'none'
  /** The row's column (m_<name>) for a base measure. */
  column: string
  usd: boolean
  source: MeasureSource
  /** requests: null on a row none of whose cost came from api_request events. */
  requests: boolean
}

function measurePlan(asked: readonly string[], base: readonly string[], derived: readonly string[]): MeasurePlan[] {
  const kindOf = (name: string): MeasurePlan['kind'] => {
    if (derived.length > 0 && name === 'activeUserDays') return 'activeUserDays'
    if (derived.length > 0 && name === 'costPerActiveUserDay') return 'costPerActiveUserDay'
    return base.includes(name) ? 'base' : 'none'
  }
  return asked.map((name) => ({
    kind: kindOf(name),
    column: `m_${name}`,
    usd: USD.has(name),
    source: MEASURE_SOURCE[name] ?? 'any',
    requests: name === 'requests',
  }))
}

export function prepareDatasetQuery(ctx: QueryContext, q: AnyQuery, all: boolean): PreparedQuery {
  const answered = answeredRange(q.range, ctx.now)
  const { base, derived } = splitMeasures(q.dataset, q.measures)
  const shape = shapeOf(q, ctx.scope, answered, base, all ? undefined : q.limit)
  const commonGroup = q.groupBy && (COMMON_DIMENSIONS as readonly string[]).includes(q.groupBy) ? q.groupBy : undefined
  return { shape, answered, base, derived, commonGroup, periods: new Map(), plan: measurePlan(q.measures, base, derived) }
}

function periodOf(q: AnyQuery, prepared: PreparedQuery, startSeconds: number): { start: string; complete: boolean } {
  let period = prepared.periods.get(startSeconds)
  if (!period && q.granularity !== 'none') {
    period = {
      start: formatPeriodStart(startSeconds, q.range.timeZone),
      complete: periodComplete(startSeconds, q.granularity, q.range, prepared.answered),
    }
    prepared.periods.set(startSeconds, period)
  }
  return period ?? { start: '', complete: true }
}

/** What comes with the rows: the companion (cost, tools) for coverage and derived figures. */
export function companionOf(ctx: QueryContext, q: AnyQuery, prepared: PreparedQuery): Promise<Companion> | undefined {
  return q.dataset === 'adoption' ? undefined : companion(ctx, q, prepared.answered, prepared.commonGroup, prepared.derived.length > 0)
}

export type AnswerRow = Record<string, number | string | boolean | null | Coverage>

/** What a result row answers: the asked measures in order (null = not reported), its coverage and period. */
export interface RowValues {
  values: (number | null)[]
  coverage: Coverage | undefined
  period: { start: string; complete: boolean } | undefined
}

/**
 * One result row's answer, without intermediate objects (the CSV export maps every row of a range through it):
 * the asked measures in q.measures order. Derived figures come from the companion; a cost row none of whose
 * cost came from api_request events has no request count; a measure whose source nobody in the row's
 * coverage sends is null (not reported).
 */
export function rowValues(q: AnyQuery, prepared: PreparedQuery, r: DatasetRawRow, side: Companion | undefined, totalsCoverage: Coverage): RowValues {
  const fromSide = side?.byKey.get(companionKey(r.p_label, prepared.commonGroup ? r.g : undefined))
  const perRow = prepared.commonGroup !== undefined || !q.groupBy
  // Per-row coverage: adoption counts it in the row; cost and tools take the companion's for a person,
  // team, department, cost center or period, else the totals'.
  const rowCoverage = q.dataset === 'adoption' ? coverageOf(r) : perRow ? fromSide?.coverage : undefined
  const coverage = rowCoverage ?? totalsCoverage
  const activeUserDays = fromSide?.activeUserDays ?? 0
  const { plan } = prepared
  const values = new Array<number | null>(plan.length)
  for (let i = 0; i < plan.length; i++) {
    const m = plan[i]!
    let value: number | null = null
    if (m.kind === 'base') value = numberOf(r[m.column], m.usd)
    else if (m.kind === 'activeUserDays') value = activeUserDays
    else if (m.kind === 'costPerActiveUserDay') {
      const cost = numberOf(r.m_costUsd, true)
      value = activeUserDays > 0 && cost !== null ? roundUsd(cost / activeUserDays) : null
    }
    if (m.requests && r.from_events === 0) value = null
    values[i] = isSourceReported(m.source, coverage) ? value : null
  }
  const period = q.granularity !== 'none' ? periodOf(q, prepared, Number(r.p_ts)) : undefined
  return { values, coverage: perRow ? rowCoverage : undefined, period }
}

/** A result row as the API answers it: period, group, coverage, and the measures asked for (unreported ones null). */
export function answerRow(q: AnyQuery, prepared: PreparedQuery, r: DatasetRawRow, side: Companion | undefined, totalsCoverage: Coverage): AnswerRow {
  const { values, coverage, period } = rowValues(q, prepared, r, side, totalsCoverage)
  const row: AnswerRow = {}
  if (period) {
    row.period = String(r.p_label)
    row.periodStart = period.start
    row.complete = period.complete
  }
  if (q.groupBy) row.group = String(r.g ?? '')
  if (q.groupBy === 'user') row.label = String(r.label ?? '')
  if (coverage) row.coverage = coverage
  for (const [i, name] of q.measures.entries()) row[name] = values[i] ?? null
  return row
}

/** The totals as the API answers them. */
export function answerTotals(
  q: AnyQuery,
  prepared: PreparedQuery,
  totalsRow: DatasetRawRow,
  side: Companion | undefined,
  coverage: Coverage,
): Record<string, number | null> {
  const totals = measuresOf(totalsRow, prepared.base)
  if (prepared.derived.length > 0) addDerived(totals, side?.totals.activeUserDays ?? 0)
  if (totalsRow.from_events === 0 && 'requests' in totals && totals.costUsd) totals.requests = null
  return pick(withoutUnreported(totals, coverage), q.measures)
}

export function totalsCoverageOf(q: AnyQuery, totalsRow: DatasetRawRow, side: Companion | undefined): Coverage {
  return (q.dataset === 'adoption' ? coverageOf(totalsRow) : side?.totals.coverage) ?? NO_COVERAGE
}

/** The answer to a dataset query, before it is checked against its response schema (server.ts). */
export interface DatasetAnswer {
  dataset: DatasetName
  range: { from: string; to: string; timeZone: string }
  partial: boolean
  granularity: Granularity
  groupBy: string | null
  rows: AnswerRow[]
  totals: Record<string, number | null>
  coverage: Coverage
  truncated: boolean
  previous?: Awaited<ReturnType<typeof totalsOver>> | null
  /** With compare: whether the data reaches back to the previous span (meta.ts comparedWith); previous is null when not. */
  previousCovered?: boolean
  dataFirst?: string | null
}

/**
 * Runs a dataset query: rows and totals, their coverage (measures nobody reports are null), the derived
 * figures asked for, and with compare=previous the previous period's totals. The independent warehouse
 * queries run at once (the read pool serves them concurrently).
 */
export async function runDatasetQuery<D extends DatasetName>(ctx: QueryContext, query: DatasetQuery<D>): Promise<DatasetAnswer> {
  const q = query as AnyQuery
  const prepared = prepareDatasetQuery(ctx, q, false)
  const previous = q.compare ? previousRange(q.range, prepared.answered) : null
  const [result, side, before, compared] = await Promise.all([
    selectRowsWithTotals(ctx.client, prepared.shape),
    companionOf(ctx, q, prepared),
    previous ? totalsOver(ctx, q, previous, prepared.base, prepared.derived) : undefined,
    q.compare ? comparedWith(ctx.client, ctx.scope, previous?.from ?? null) : undefined,
  ])
  const coverage = totalsCoverageOf(q, result.totals, side)
  const answer = { ...figuresOf(q, prepared, result, side, coverage), coverage }
  if (!compared) return answer
  // A previous span before the data began is not compared with (schemas/data-start.ts): no previous totals.
  return { ...answer, previous: compared.previousCovered ? (before ?? null) : null, ...compared }
}

/** The answer's figures: its range, rows and totals, with the coverage they were counted under. */
function figuresOf(
  q: AnyQuery,
  prepared: PreparedQuery,
  result: Awaited<ReturnType<typeof selectRowsWithTotals>>,
  side: Companion | undefined,
  coverage: Coverage,
): DatasetFigures {
  return {
    dataset: q.dataset,
    range: rangeOut(prepared.answered),
    partial: isPartial(q.range, prepared.answered),
    granularity: q.granularity,
    groupBy: q.groupBy ?? null,
    rows: result.rows.map((r) => answerRow(q, prepared, r, side, coverage)),
    totals: answerTotals(q, prepared, result.totals, side, coverage),
    truncated: result.truncated,
  }
}

/** Whether a query's answer is the same whatever the coverage: every measure asked for is counted from either source and none is derived. */
export function coverageFree(q: Pick<AnyQuery, 'dataset' | 'measures' | 'compare'>): boolean {
  return (
    q.dataset !== 'adoption' && !q.compare && splitMeasures(q.dataset, q.measures).derived.length === 0 && q.measures.every((m) => MEASURE_SOURCE[m] === 'any')
  )
}

/** A dataset answer without coverage: rows (without per-row coverage) and totals. */
export type DatasetFigures = Omit<DatasetAnswer, 'coverage' | 'previous'>

/**
 * The figures of a cost or tools query whose measures no coverage can null (coverageFree: cost and
 * tokens, counted from events or metrics alike), for callers that want the figures only (attribution's
 * total): the same rows and totals as runDatasetQuery, without its coverage companion query, so the answer
 * carries no coverage at all (rather than a made-up one).
 */
export async function runDatasetFigures<D extends DatasetName>(ctx: QueryContext, query: DatasetQuery<D>): Promise<DatasetFigures> {
  const q = query as AnyQuery
  if (!coverageFree(q)) throw new Error(`runDatasetFigures: ${q.dataset} ${q.measures.join(',')} needs its coverage (runDatasetQuery)`)
  const prepared = prepareDatasetQuery(ctx, q, false)
  return figuresOf(q, prepared, await selectRowsWithTotals(ctx.client, prepared.shape), undefined, NO_COVERAGE)
}
