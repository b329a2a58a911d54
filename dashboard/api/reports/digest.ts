import { datasetQuerySchema, resolveRange, type SummaryFigures } from '../../../schemas/analytics'
import type { Digest } from '../../../schemas/reports'
import { addDays } from '../../../schemas/days'
import { runDatasetFigures, runDatasetQuery, type QueryContext } from '../queries/dataset'
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

const byGroup = async (ctx: QueryContext, dimension: 'team', from: string, to: string, timeZone: string, limit: number) => {
  const query = datasetQuerySchema('cost').parse({ from, to, tz: timeZone, groupBy: dimension, measures: 'costUsd', limit })
  const answer = await runDatasetFigures(ctx, query)
  return answer.rows.map((r) => ({
    group: String(r.group ?? ''),
    ...(typeof r.label === 'string' && r.label !== '' ? { label: r.label } : {}),
    costUsd: typeof r.costUsd === 'number' ? r.costUsd : 0,
  }))
}

/**
 * Cost by user in each of two consecutive weeks, from one query over both (by week): every user of each week.
 * The same rows as one query per week (a week is a period of the query, so its plan and rows are that week's).
 */
const usersByWeek = async (ctx: QueryContext, weeks: { firstDay: string }[], to: string, timeZone: string) => {
  const [first] = weeks
  const query = datasetQuerySchema('cost').parse({
    from: first?.firstDay,
    to,
    tz: timeZone,
    groupBy: 'user',
    granularity: 'week',
    measures: 'costUsd',
    limit: 10_000,
  })
  const answer = await runDatasetFigures(ctx, query, { all: true })
  return weeks.map(({ firstDay }) =>
    answer.rows
      .filter((r) => r.period === firstDay)
      .map((r) => ({
        group: String(r.group ?? ''),
        ...(typeof r.label === 'string' && r.label !== '' ? { label: r.label } : {}),
        costUsd: typeof r.costUsd === 'number' ? r.costUsd : 0,
      })),
  )
}

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
  const [summary, previousSummary, teams, previousTeams, [previousUsers = [], users = []], blocked] = await Promise.all([
    querySummary(ctx, { range, filters: {}, compare: false }),
    querySummary(ctx, { range: before, filters: {}, compare: false }),
    byGroup(ctx, 'team', week.firstDay, end, timeZone, 10),
    byGroup(ctx, 'team', previous.firstDay, week.firstDay, timeZone, 10_000),
    usersByWeek(ctx, [previous, week], end, timeZone),
    withPolicy ? runDatasetQuery(ctx, blockedQuery) : undefined,
  ])
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
