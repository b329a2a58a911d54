import type { Coverage, ResolvedRange, SummaryFigures, SummaryQuery, SummaryResponse } from '../../../schemas/analytics'
import { answeredRange, isPartial, previousRange } from '../../../schemas/periods'
import { DATASET_SQL, type Scope } from '../datasets'
import { roundUsd } from '../../../schemas/money'
import { coverageOf, NO_COVERAGE } from './companion'
import { comparedWith } from './meta'
import { measuresOf, type QueryContext } from './dataset'
import { plainTotals, sourceFor, type DatasetRawRow, type Source, type SqlShape } from './dataset-sql'

/**
 * Headline figures for a range. Each is read from the dataset that is its source of truth
 * (warehouse/RULES.md): users, sessions, prompts, edit accept rate from adoption; requests, cost, tokens
 * from cost; decisions and denials from tools. Adoption and tools come from the same rollup (user_activity),
 * so they are one query; cost is the other. So the summary equals every breakdown's totals.
 */

const ACTIVITY_MEASURES = ['activeUsers', 'activeUserDays', 'sessions', 'prompts', 'editAccepts', 'editRejects', 'editAcceptRate']
const TOOL_MEASURES = ['accepts', 'rejects', 'decisions', 'policyDenials', 'policyDenialRate']
const COST_MEASURES = ['costUsd', 'requests', 'inputTokens', 'outputTokens', 'cacheReadTokens', 'cacheCreationTokens', 'cacheSavingsUsd']

/** user_activity with adoption's and tools' measures together (both variants read that family). */
function activitySource(): Source {
  const adoption = DATASET_SQL.adoption.variants[0]!
  const tools = DATASET_SQL.tools.variants.find((v) => v.family === 'userActivity')!
  return {
    variant: { family: 'userActivity', dimensions: adoption.dimensions, measures: { ...adoption.measures, ...tools.measures } },
    localDayMeasures: DATASET_SQL.adoption.localDayMeasures,
  }
}

/** The activity row of a range (adoption's and tools' measures and the coverage, from user_activity). */
export function activityTotals(ctx: QueryContext, range: ResolvedRange, filters: SummaryQuery['filters'], scope: Scope) {
  const common = { scope, range, granularity: 'none' as const, groupBy: undefined, filters: filters as Record<string, string[] | undefined> }
  return plainTotals(ctx.client, { ...common, source: activitySource(), measures: [...ACTIVITY_MEASURES, ...TOOL_MEASURES], coverage: true })
}

/** The cost measures the summary reads (COST_MEASURES of the cost dataset, as m_<name>, with from_events). */
export const SUMMARY_COST_MEASURES: readonly string[] = COST_MEASURES

async function figures(ctx: QueryContext, range: ResolvedRange, filters: SummaryQuery['filters'], scope: Scope): Promise<SummaryFigures> {
  const common = { scope, range, granularity: 'none' as const, groupBy: undefined, filters: filters as Record<string, string[] | undefined> }
  const costShape: SqlShape = { ...common, source: sourceFor('cost', undefined, common.filters), measures: COST_MEASURES }
  const [activityRow, costRow] = await Promise.all([activityTotals(ctx, range, filters, scope), plainTotals(ctx.client, costShape)])
  return summaryFigures(range, activityRow, costRow)
}

/** The headline figures of a range from its activity row (activityTotals) and its cost row (the cost measures' totals). */
export function summaryFigures(range: ResolvedRange, activityRow: DatasetRawRow, costRow: DatasetRawRow): SummaryFigures {
  const a = measuresOf(activityRow, [...ACTIVITY_MEASURES, ...TOOL_MEASURES])
  const c = measuresOf(costRow, COST_MEASURES)
  const coverage: Coverage = coverageOf(activityRow) ?? NO_COVERAGE
  const anyone = coverage.users > 0
  const events = !anyone || coverage.usersWithEvents > 0
  const metrics = !anyone || coverage.usersWithMetrics > 0
  const n = (v: number | null | undefined) => v ?? 0
  const userDays = n(a.activeUserDays)
  const editDecisions = n(a.editAccepts) + n(a.editRejects)
  return {
    range: { from: range.from.toISOString(), to: range.to.toISOString(), timeZone: range.timeZone },
    users: n(a.activeUsers),
    sessions: n(a.sessions),
    // No api_request event behind the cost (metrics only): the request count is not reported.
    apiRequests: events && !(costRow.from_events === 0 && n(c.costUsd) > 0) ? n(c.requests) : null,
    costUsd: n(c.costUsd),
    costPerActiveUserDay: userDays > 0 ? roundUsd(n(c.costUsd) / userDays) : null,
    tokens: {
      input: n(c.inputTokens),
      output: n(c.outputTokens),
      cacheRead: n(c.cacheReadTokens),
      cacheCreation: n(c.cacheCreationTokens),
    },
    cacheSavingsUsd: n(c.cacheSavingsUsd),
    prompts: events ? n(a.prompts) : null,
    editDecisions: metrics ? editDecisions : null,
    editAcceptRate: metrics ? (a.editAcceptRate ?? null) : null,
    toolDecisions: events ? { accept: n(a.accepts), reject: n(a.rejects) } : null,
    policyDenials: events ? n(a.policyDenials) : null,
    policyDenialRate: events ? (a.policyDenialRate ?? null) : null,
    coverage,
  }
}

/** The summary of the answered range (schemas/periods.ts) and, with compare, of the same span before. */
export async function querySummary(ctx: QueryContext, { range, filters, compare }: SummaryQuery): Promise<SummaryResponse> {
  const answered = answeredRange(range, ctx.now)
  const before = compare ? previousRange(range, answered) : null
  // The data start is read beside the figures: a previous span before it is not compared with (previous null).
  const [current, previous, compared] = await Promise.all([
    figures(ctx, answered, filters, ctx.scope),
    before ? figures(ctx, before, filters, ctx.scope) : Promise.resolve(null),
    compare ? comparedWith(ctx.client, ctx.scope, before?.from ?? null) : Promise.resolve(null),
  ])
  const partial = isPartial(range, answered)
  if (!compared) return { ...current, partial }
  return { ...current, partial, previous: compared.previousCovered ? previous : null, ...compared }
}
