import type { Coverage, DatasetResponse } from '../../../schemas/analytics'
import { addDays, datasetParams, type DateRange, type Filters, type Params } from '../filters'
import { formatCount, formatUsd } from '../format'
import { compareStat, type HeadlineStat } from './overview'
import { daysOf, groupLabel, stackedSeries, type BarItem, type PeriodRow, type StackedSeries } from './series'

/**
 * The Cost page's data shaping. Pure and unit-tested (test/ui-prepare-cost-policy.test.ts): the page
 * only wires queries to these and draws what they return.
 */

export type CostTotals = DatasetResponse<'cost'>['totals']
export type CostRow = DatasetResponse<'cost'>['rows'][number]

/** What the spend-over-time chart can stack by (?stack=…). */
export const STACK_OPTIONS = [
  { value: 'model', label: 'Model' },
  { value: 'team', label: 'Team' },
] as const
export type StackBy = (typeof STACK_OPTIONS)[number]['value']
export const STACK_VALUES: readonly StackBy[] = STACK_OPTIONS.map((o) => o.value)

/** Every cost dimension the breakdown table can group by (?by=…), with its label. */
export const BREAKDOWN_OPTIONS = [
  { value: 'user', label: 'User' },
  { value: 'team', label: 'Team' },
  { value: 'department', label: 'Department' },
  { value: 'costCenter', label: 'Cost center' },
  { value: 'model', label: 'Model' },
  { value: 'querySource', label: 'Query source' },
  { value: 'agent', label: 'Agent' },
  { value: 'skill', label: 'Skill' },
  { value: 'plugin', label: 'Plugin' },
  { value: 'mcpServer', label: 'MCP server' },
] as const
export type BreakdownBy = (typeof BREAKDOWN_OPTIONS)[number]['value']
export const BREAKDOWN_VALUES: readonly BreakdownBy[] = BREAKDOWN_OPTIONS.map((o) => o.value)

export function breakdownLabel(by: BreakdownBy): string {
  return BREAKDOWN_OPTIONS.find((o) => o.value === by)?.label ?? by
}

/** The breakdown's sortable columns (?sort=…): the group (A→Z) or a measure (largest first). */
export const BREAKDOWN_SORTS = [
  'costUsd',
  'group',
  'requests',
  'inputTokens',
  'outputTokens',
  'cacheReadTokens',
  'cacheCreationTokens',
  'cacheSavingsUsd',
] as const
export type BreakdownSort = (typeof BREAKDOWN_SORTS)[number]

/** The spend chart's step: days, or weeks (starting Monday) for ranges over 60 days. */
export function costGranularity(days: number): 'day' | 'week' {
  return days > 60 ? 'week' : 'day'
}

/** The periods a chart of [from, to) shows: every day, or every week start (the Monday on or before from). */
export function periodsOf(from: string, to: string, granularity: 'day' | 'week'): string[] {
  if (granularity === 'day') return daysOf(from, to)
  const weekday = new Date(`${from}T00:00:00Z`).getUTCDay() // 0 = Sunday
  const out: string[] = []
  for (let d = addDays(from, -((weekday + 6) % 7)); d < to; d = addDays(d, 7)) out.push(d)
  return out
}

/**
 * Spend per period stacked by group. The API returns the top groups only; when it says `truncated`,
 * what the other groups spent (the period's total minus the top groups) is added as "Other", so the
 * stack's height is the period's full cost.
 */
export function costOverTime(rows: PeriodRow[], periodTotals: PeriodRow[] | undefined, periods: string[], truncated: boolean, maxGroups = 8): StackedSeries {
  const stacked = stackedSeries(rows, 'costUsd', maxGroups, periods)
  if (!truncated || !periodTotals) return stacked
  const totals = new Map(periodTotals.filter((r) => r.period).map((r) => [r.period as string, typeof r.costUsd === 'number' ? r.costUsd : 0]))
  const other = 'Other'
  let any = false
  const data = stacked.data.map((point) => {
    const shown = stacked.keys.reduce((s, k) => s + (typeof point[k] === 'number' ? point[k] : 0), 0)
    // Rounding of the per-group figures leaves crumbs of a micro-dollar: those are not another group.
    const rest = Math.max(0, (totals.get(point.period) ?? shown) - shown)
    const extra = rest > 0.005 ? rest : 0
    if (extra > 0) any = true
    const before = typeof point[other] === 'number' ? point[other] : 0
    return { ...point, [other]: before + extra }
  })
  if (!any) return stacked
  return { data, keys: stacked.keys.includes(other) ? stacked.keys : [...stacked.keys, other] }
}

/** The headline tiles for the range, from the cost dataset's totals, against the previous period. */
export function costTiles(current: CostTotals, previous: CostTotals | null | undefined, coverage?: Coverage): HeadlineStat[] {
  return [
    compareStat<CostTotals>(
      'cost',
      { label: 'Cost', pick: (t) => t.costUsd ?? null, format: formatUsd, upIsGood: false, hint: () => "Claude Code's list-price estimate, not a bill" },
      current,
      previous,
      coverage,
    ),
    compareStat<CostTotals>(
      'cost-per-user-day',
      {
        label: 'Cost per active user-day',
        pick: (t) => t.costPerActiveUserDay ?? null,
        format: formatUsd,
        upIsGood: false,
        hint: () => 'Cost ÷ days on which each person was active',
      },
      current,
      previous,
      coverage,
    ),
    compareStat<CostTotals>(
      'requests',
      { label: 'API requests', pick: (t) => t.requests ?? null, format: formatCount, upIsGood: true, hint: () => 'Model API requests' },
      current,
      previous,
      coverage,
    ),
    compareStat<CostTotals>(
      'cache-savings',
      {
        label: 'Cache savings',
        pick: (t) => t.cacheSavingsUsd ?? null,
        format: formatUsd,
        upIsGood: true,
        hint: () => 'What cache-read tokens would have cost as input tokens, minus what they cost (list prices)',
      },
      current,
      previous,
      coverage,
    ),
  ]
}

/**
 * The breakdown table's query: every group (limit 10,000) of one dimension over the range, with the
 * global filters. The Export CSV link uses exactly these parameters, so the file equals the table.
 */
export function breakdownParams(filters: Filters, range: DateRange, by: BreakdownBy, sort: BreakdownSort): Params {
  return datasetParams(filters, 'cost', range, {
    groupBy: by,
    sort: sort === 'group' ? by : sort,
    order: sort === 'group' ? 'asc' : 'desc',
    limit: 10_000,
  })
}

/** The label of a group that has no value: "not reported" for who and which model, "none" for what a request went through. */
export function emptyGroupLabel(by: BreakdownBy): string {
  return by === 'agent' || by === 'skill' || by === 'plugin' || by === 'mcpServer' ? '(none)' : groupLabel('')
}

export interface BreakdownRow {
  /** The raw group value ('' = not reported). */
  group: string
  label: string
  /** For users: the directory's display name, when it differs from the id. */
  displayName: string
  costUsd: number | null
  share: number | null
  requests: number | null
  inputTokens: number | null
  outputTokens: number | null
  cacheReadTokens: number | null
  cacheCreationTokens: number | null
  cacheSavingsUsd: number | null
  costPerActiveUserDay: number | null
}

export interface Breakdown {
  rows: BreakdownRow[]
  /** The response's totals (over the whole range and filters), shown as the last row. */
  total: BreakdownRow
  truncated: boolean
}

function shareOf(value: number | null, total: number | null): number | null {
  if (value === null || total === null || total === 0) return null
  return value / total
}

/** The breakdown response → table rows, each with its share of the total cost, and the totals row. */
export function breakdown(response: DatasetResponse<'cost'>, by: BreakdownBy): Breakdown {
  const t = response.totals
  const rows = response.rows.map((r): BreakdownRow => {
    const group = r.group ?? ''
    return {
      group,
      label: group === '' ? emptyGroupLabel(by) : group,
      displayName: r.label && r.label !== group ? r.label : '',
      costUsd: r.costUsd ?? null,
      share: shareOf(r.costUsd ?? null, t.costUsd ?? null),
      requests: r.requests ?? null,
      inputTokens: r.inputTokens ?? null,
      outputTokens: r.outputTokens ?? null,
      cacheReadTokens: r.cacheReadTokens ?? null,
      cacheCreationTokens: r.cacheCreationTokens ?? null,
      cacheSavingsUsd: r.cacheSavingsUsd ?? null,
      costPerActiveUserDay: r.costPerActiveUserDay ?? null,
    }
  })
  const total: BreakdownRow = {
    group: '',
    label: 'Total',
    displayName: '',
    costUsd: t.costUsd ?? null,
    share: t.costUsd ? 1 : null,
    requests: t.requests ?? null,
    inputTokens: t.inputTokens ?? null,
    outputTokens: t.outputTokens ?? null,
    cacheReadTokens: t.cacheReadTokens ?? null,
    cacheCreationTokens: t.cacheCreationTokens ?? null,
    cacheSavingsUsd: t.cacheSavingsUsd ?? null,
    costPerActiveUserDay: t.costPerActiveUserDay ?? null,
  }
  return { rows, total, truncated: response.truncated }
}

/** Tokens by type from the totals, as bars with their share of all tokens (zero types kept: they say something). */
export function tokenItems(totals: CostTotals): BarItem[] {
  const items = [
    { label: 'Input', value: totals.inputTokens ?? 0 },
    { label: 'Output', value: totals.outputTokens ?? 0 },
    { label: 'Cache read', value: totals.cacheReadTokens ?? 0 },
    { label: 'Cache creation', value: totals.cacheCreationTokens ?? 0 },
  ]
  const sum = items.reduce((s, i) => s + i.value, 0)
  return items.map((i) => ({ ...i, share: sum > 0 ? i.value / sum : 0 }))
}

/** Share of prompt tokens served from the cache: cache reads ÷ (input + cache reads + cache creation). */
export function cacheHitRate(totals: CostTotals): number | null {
  const read = totals.cacheReadTokens ?? 0
  const prompt = (totals.inputTokens ?? 0) + read + (totals.cacheCreationTokens ?? 0)
  return prompt > 0 ? read / prompt : null
}
