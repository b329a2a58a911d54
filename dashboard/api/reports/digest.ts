import { z } from 'zod'
import { datasetQuerySchema, resolveRange, type SummaryFigures } from '../../../schemas/analytics'
import { answeredRange } from '../../../schemas/periods'
import type { Digest } from '../../../schemas/reports'
import { addDays } from '../../../schemas/days'
import { ch, run } from '../../../warehouse/query'
import { DATASET_SQL, scopeSql } from '../datasets'
import { roundUsd, runDatasetQuery, type QueryContext } from '../queries/dataset'
import { attributedRows, rangeBounds } from '../sources'
import { planTiers } from '../tiers'
import { localDate } from '../queries/export'
import { querySummary } from '../queries/summary'

/**
 * The weekly digest (docs/finance.md, "Reports"): a complete week, Monday to Sunday in a zone, against
 * the week before. Every figure is an API answer for the same range (the summary, cost by team and by
 * user, top blocked commands), so the digest says what the pages say (test/reports.test.ts).
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

/** A row of costByWeek: a week, a team (g_set 1) or a person (g_set 2), and its cost. */
const weekRow = z.object({ week: ch.string, team: ch.string, u: ch.string, g_set: ch.count, label: ch.string, usd: ch.number })

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
 * are in the Cost page's order (cost, largest first, then name).
 */
async function costByWeek(ctx: QueryContext, weeks: { firstDay: string }[], end: string, timeZone: string) {
  const range = answeredRange(resolveRange(weeks[0]?.firstDay, end, timeZone), ctx.now)
  const params: Record<string, unknown> = { tz: timeZone }
  rangeBounds(range, params)
  const rows = attributedRows('usageByModel', planTiers(range, 'week'), params)
  const read = await run(ctx.client, {
    sql: `SELECT toString(toMonday(bucket, {tz:String})) AS week, team, u, grouping(team, u) AS g_set, any(display_name) AS label, ${COST_USD} AS usd
FROM ${rows} AS s
WHERE ${scopeSql(ctx.scope, params)}
GROUP BY GROUPING SETS ((week, team), (week, u))`,
    params,
    row: weekRow,
  })
  const usd = (r: z.output<typeof weekRow>) => (r.usd === null ? 0 : roundUsd(r.usd))
  const teams = (week: string): GroupCost[] =>
    read
      .filter((r) => r.g_set === 1 && r.week === week)
      .sort((a, b) => (b.usd ?? 0) - (a.usd ?? 0) || byBytes(a.team, b.team))
      .map((r) => ({ group: r.team, costUsd: usd(r) }))
  const users = (week: string): GroupCost[] =>
    read.filter((r) => r.g_set === 2 && r.week === week).map((r) => ({ group: r.u, ...(r.label !== '' ? { label: r.label } : {}), costUsd: usd(r) }))
  return weeks.map(({ firstDay }) => ({ teams: teams(firstDay), users: users(firstDay) }))
}

/** The Cost page's costUsd expression (the cost dataset's usage_by_model variant). */
const COST_USD = DATASET_SQL.cost.variants[0]!.measures.costUsd

const round = (usd: number) => Math.round(usd * 1e6) / 1e6

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
  const [summary, previousSummary, [lastWeek, thisWeek], blocked] = await Promise.all([
    querySummary(ctx, { range, filters: {}, compare: false }),
    querySummary(ctx, { range: before, filters: {}, compare: false }),
    costByWeek(ctx, [previous, week], end, timeZone),
    withPolicy ? runDatasetQuery(ctx, blockedQuery) : undefined,
  ])
  // The ten largest teams of the week (the Cost page's cost by team, limit 10), against every team of the week before.
  const teams = thisWeek?.teams.slice(0, 10) ?? []
  const previousTeams = lastWeek?.teams ?? []
  const users = thisWeek?.users ?? []
  const previousUsers = lastWeek?.users ?? []
  const withPrevious = (rows: typeof teams, before: typeof teams) => {
    const was = new Map(before.map((r) => [r.group, r.costUsd]))
    return rows.map((r) => ({ ...r, previousCostUsd: was.get(r.group) ?? 0, changeUsd: round(r.costUsd - (was.get(r.group) ?? 0)) }))
  }
  // Movers: users of either week, by how much their cost changed (a user gone this week is a mover too).
  const now = new Map(users.map((u) => [u.group, u]))
  const everyone = [...users, ...previousUsers.filter((u) => !now.has(u.group)).map((u) => ({ ...u, costUsd: 0 }))]
  const movers = withPrevious(everyone, previousUsers)
    .filter((m) => m.changeUsd !== 0)
    .sort((a, b) => Math.abs(b.changeUsd) - Math.abs(a.changeUsd) || a.group.localeCompare(b.group))
    .slice(0, 5)
  const strip = ({ partial: _p, previous: _v, ...figures }: Awaited<ReturnType<typeof querySummary>>): SummaryFigures => figures
  return {
    period: { ...week, timeZone },
    previous,
    summary: strip(summary),
    previousSummary: strip(previousSummary),
    teams: withPrevious(teams, previousTeams),
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
