import { z } from 'zod'
import type { CommonFilters, ResolvedRange } from '../../../schemas/analytics'
import type { SeatTeam } from '../../../schemas/users'
import { ch, run } from '../../../warehouse/query'
import { attributedRows, DIRECTORY_ENTRIES, DIRECTORY_NOW } from '../sources'
import { planTiers } from '../tiers'
import type { QueryContext } from './dataset'
import { rangeParams } from './range'
import { DIRECTORY_SQL, filterSql } from './filters'

/**
 * Seat utilization per team: for each team of the directory's current load, its seat holders, and those of
 * them active in the range (any event or metric point in user_activity, within the filters and the caller's
 * scope: the users leaderboard's definition of active). A seat holder's team is the directory's, and so is
 * their telemetry's (sources.ts attributes it), so the teams add up to GET /api/v1/users' seats.
 * Null without a directory.
 */

const seatTeamRow = z.object({ team: ch.string, seats: ch.count, active: ch.count })
const entriesRow = z.object({ n: ch.count })

export async function querySeatsByTeam(ctx: QueryContext, range: ResolvedRange, filters: CommonFilters): Promise<SeatTeam[] | null> {
  const params: Record<string, unknown> = { ...rangeParams(range), tz: range.timeZone }
  const activity = attributedRows('userActivity', planTiers(range, 'day'), params, 'a_')
  const active = `(SELECT u FROM ${activity} AS s WHERE u != '' AND ${filterSql(filters, params, ctx.scope)}
    GROUP BY u HAVING sum(n_events) + sum(n_points) > 0)`
  // A directory first (a count, milliseconds): without one, the people active in the range are not read at all.
  const [loaded] = await run(ctx.client, { sql: `SELECT ${DIRECTORY_ENTRIES} AS n`, params: {}, row: entriesRow })
  if ((loaded?.n ?? 0) === 0) return null
  const rows = await run(ctx.client, {
    sql: `SELECT d_team AS team, countIf(d_seat) AS seats, countIf(d_seat AND d_user IN ${active}) AS active
     FROM ${DIRECTORY_NOW} WHERE ${filterSql(filters, params, ctx.scope, DIRECTORY_SQL)}
     GROUP BY team HAVING seats > 0 ORDER BY team`,
    params,
    row: seatTeamRow,
  })
  return rows.map((r) => ({ team: r.team, seats: r.seats, active: r.active, utilization: r.active / r.seats }))
}
