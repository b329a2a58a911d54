import { z } from 'zod'
import { datasetQuerySchema, resolveRange } from '../../../schemas/analytics'
import { answeredRange } from '../../../schemas/periods'
import type { Digest } from '../../../schemas/reports'
import { addDays } from '../../../schemas/days'
import { ch, run } from '../../../warehouse/query'
import { DATASET_SQL, scopeSql } from '../datasets'
import { roundUsd } from '../../../schemas/money'
import { runDatasetQuery, type QueryContext } from '../queries/dataset'
import type { DatasetRawRow } from '../queries/dataset-sql'
import { attributedRows, rangeBounds } from '../sources'
import { cacheSavingParams } from '../prices'
import { planTiers } from '../tiers'
import { localDate } from '../queries/export'
import { comparedWith } from '../queries/meta'
import { activityTotals, SUMMARY_COST_MEASURES, summaryFigures } from '../queries/summary'

/**
 * The weekly digest (docs/finance.md, "Reports"): a complete week, Monday to Sunday in a zone, against
 * the week before. Every figure is an API answer for the same range (the summary, cost by team and by
 * user, top blocked commands), so the digest says what the pages say (test/reports.test.ts,
 * test/finance-scopes.test.ts). The cost figures of both weeks come from one grouped read (costByWeek).
 */

/** Monday of the week holding `day`. */
export function mondayOf(day: string): string {
  const weekday = new Date(`${day}T00:00:00Z`).getUTCDay()
  return addDays(day, -((weekday + 6) % 7))
}

/** The week to report: the one holding `week`, else the last complete week before `now` in the zone. */
export function digestWeek(now: Date, timeZone: string, week?: string): { firstDay: string; lastDay: string } {
  const firstDay = week ? mondayOf(week) : addDays(mondayOf(localDate(now, timeZone)), -7)
  return { firstDay, lastDay: addDays(firstDay, 6) }
}

/** The Cost page's measures (the cost dataset's usage_by_model variant): costUsd for teams and people, all of them for the summary. */
const COST_SQL = DATASET_SQL.cost.variants[0]!.measures

/** A row of costByWeek: a week, a team (g_set 1), a person (g_set 2) or the whole week (3), its cost and the summary's cost measures. */
const weekRow = z.object({
  week: ch.string,
  team: ch.string,
  u: ch.string,
  g_set: ch.count,
  label: ch.string,
  ...Object.fromEntries(SUMMARY_COST_MEASURES.map((m) => [`m_${m}`, ch.number])),
  m_costUsd: ch.number,
  from_events: ch.count,
})

interface GroupCost {
  group: string
  label?: string
  costUsd: number
}

/** ClickHouse's order of text (its bytes), for the ORDER BY a LIMIT kept. */
const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b))

/**
 * Cost by team and by person in each of the weeks (consecutive, oldest first), in one read of the Cost page's
 * rows (usage_by_model and the metric candidates, directory-attributed; sources.ts) grouped by week and team
 * and by week and person (GROUPING SETS): the rows of the Cost page's cost by team and by user for each week
 * (a week is a period of the read, so its rows are that week's), each row's cost to the micro-dollar. Teams
 * are in the Cost page's order (cost, largest first, then name). And each week's totals of the summary's cost
 * measures (grouped by week alone): the summary's cost row for the week.
 */
async function costByWeek(ctx: QueryContext, weeks: { firstDay: string }[], end: string, timeZone: string) {
  const range = answeredRange(resolveRange(weeks[0]?.firstDay, end, timeZone), ctx.now)
  const params: Record<string, unknown> = { tz: timeZone, ...cacheSavingParams() }
  rangeBounds(range, params)
  const rows = attributedRows('usageByModel', planTiers(range, 'week'), params)
  const measures = SUMMARY_COST_MEASURES.map((m) => `${COST_SQL[m as keyof typeof COST_SQL]} AS m_${m}`)
  const read = await run(ctx.client, {
    sql: `SELECT toString(toMonday(bucket, {tz:String})) AS week, team, u, grouping(team, u) AS g_set, any(display_name) AS label,
  ${measures.join(', ')}, max(from_events) AS from_events
FROM ${rows} AS s
WHERE ${scopeSql(ctx.scope, params)}
GROUP BY GROUPING SETS ((week, team), (week, u), (week))`,
    params,
    row: weekRow,
  })
  const usd = (r: z.output<typeof weekRow>) => (r.m_costUsd === null ? 0 : roundUsd(r.m_costUsd))
  const teams = (week: string): GroupCost[] =>
    read
      .filter((r) => r.g_set === 1 && r.week === week)
      .sort((a, b) => (b.m_costUsd ?? 0) - (a.m_costUsd ?? 0) || byBytes(a.team, b.team))
      .map((r) => ({ group: r.team, costUsd: usd(r) }))
  const users = (week: string): GroupCost[] =>
    read.filter((r) => r.g_set === 2 && r.week === week).map((r) => ({ group: r.u, ...(r.label !== '' ? { label: r.label } : {}), costUsd: usd(r) }))
  // No row for a week without any cost row: the totals of nothing (every figure 0).
  const totals = (week: string): DatasetRawRow => read.find((r) => r.g_set === 3 && r.week === week) ?? {}
  return weeks.map(({ firstDay }) => ({ teams: teams(firstDay), users: users(firstDay), totals: totals(firstDay) }))
}

/** `withPolicy`: include the top blocked commands (admins' data: the tools dataset is theirs only). */
export async function buildDigest(ctx: QueryContext, week: { firstDay: string; lastDay: string }, timeZone: string, withPolicy: boolean): Promise<Digest> {
  const previous = { firstDay: addDays(week.firstDay, -7), lastDay: addDays(week.lastDay, -7) }
  const end = addDays(week.lastDay, 1)
  const range = resolveRange(week.firstDay, end, timeZone)
  const before = resolveRange(previous.firstDay, week.firstDay, timeZone)
  const blockedQuery = datasetQuerySchema('tools').parse({
    from: week.firstDay,
    to: end,
    tz: timeZone,
    groupBy: 'command',
    decision: 'reject',
    source: 'config',
    measures: 'policyDenials',
    sort: 'policyDenials',
    limit: 5,
  })
  // The summary of each week (the Overview's figures): its activity row, and its cost row from costByWeek.
  const answered = answeredRange(range, ctx.now)
  const answeredBefore = answeredRange(before, ctx.now)
  // Not before the data (schemas/data-start.ts): an organization's first week is not compared with the hours before it.
  const [activity, previousActivity, [lastWeek, thisWeek], blocked, { previousCovered: covered, dataFirst }] = await Promise.all([
    activityTotals(ctx, answered, {}, ctx.scope),
    activityTotals(ctx, answeredBefore, {}, ctx.scope),
    costByWeek(ctx, [previous, week], end, timeZone),
    withPolicy ? runDatasetQuery(ctx, blockedQuery) : undefined,
    comparedWith(ctx.client, ctx.scope, before.from),
  ])
  // The ten largest teams of the week (the Cost page's cost by team, limit 10), against every team of the week before.
  const teams = thisWeek?.teams.slice(0, 10) ?? []
  const previousTeams = lastWeek?.teams ?? []
  const users = thisWeek?.users ?? []
  const previousUsers = lastWeek?.users ?? []
  const withPrevious = (rows: typeof teams, before: typeof teams) => {
    const was = new Map(before.map((r) => [r.group, r.costUsd]))
    return rows.map((r) => ({ ...r, previousCostUsd: was.get(r.group) ?? 0, changeUsd: roundUsd(r.costUsd - (was.get(r.group) ?? 0)) }))
  }
  // Movers: users of either week, by how much their cost changed (a user gone this week is a mover too).
  const now = new Map(users.map((u) => [u.group, u]))
  const everyone = [...users, ...previousUsers.filter((u) => !now.has(u.group)).map((u) => ({ ...u, costUsd: 0 }))]
  const movers = covered
    ? withPrevious(everyone, previousUsers)
        .filter((m) => m.changeUsd !== 0)
        .sort((a, b) => Math.abs(b.changeUsd) - Math.abs(a.changeUsd) || a.group.localeCompare(b.group))
        .slice(0, 5)
    : []
  return {
    period: { ...week, timeZone },
    previous,
    summary: summaryFigures(answered, activity, thisWeek?.totals ?? {}),
    previousSummary: summaryFigures(answeredBefore, previousActivity, lastWeek?.totals ?? {}),
    previousCovered: covered,
    dataFirst,
    teams: covered ? withPrevious(teams, previousTeams) : teams.map((t) => ({ ...t, previousCostUsd: null, changeUsd: null })),
    movers,
    ...(blocked
      ? {
          blockedCommands:
            blocked.totals.policyDenials === null
              ? null
              : blocked.rows.map((r) => ({ command: String(r.group ?? ''), policyDenials: typeof r.policyDenials === 'number' ? r.policyDenials : 0 })),
        }
      : {}),
  }
}
