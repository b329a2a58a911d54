import { z } from 'zod'
import { answeredRange } from '../../../schemas/periods'
import { DENIAL_SESSIONS_LISTED, type DenialsQuery, type DenialsResponse } from '../../../schemas/policy'
import { ch, run } from '../../../warehouse/query'
import type { QueryContext } from './dataset'
import { rangeParams } from './range'
import { filterSql } from './filters'
import { attributedColumns, DIRECTORY_NOW } from '../sources'

/**
 * The drill-down from a blocked command or MCP server (GET /api/v1/policy/denials): the teams, people and
 * sessions behind its policy denials. Read from policy_denials (migration 0013: one row per denial, with the
 * same command and server extraction as the rollups the Policy page counts from, so its total is the page's).
 * Teams follow the directory, as on every page.
 */
export async function queryDenials(ctx: QueryContext, query: DenialsQuery): Promise<DenialsResponse> {
  const range = answeredRange(query.range, ctx.now)
  const params: Record<string, unknown> = { ...rangeParams(range), listed: DENIAL_SESSIONS_LISTED }
  const what = query.command !== undefined ? 'e.command = {command:String}' : 'e.mcp_server = {mcpServer:String}'
  if (query.command !== undefined) params.command = query.command
  else params.mcpServer = query.mcpServer
  // Teams, departments and cost centers as the directory says (as on every page), else as the telemetry does.
  const denied = `(
    SELECT ${attributedColumns('e')}, e.session_id AS session_id, e.timestamp AS timestamp
    FROM policy_denials AS e LEFT ANY JOIN ${DIRECTORY_NOW} AS d ON e.user_key = d.d_user
    WHERE ${what} AND e.timestamp >= {from:DateTime('UTC')} AND e.timestamp < {to:DateTime('UTC')}
  )`
  const where = filterSql(query.filters, params, ctx.scope)
  const [byUser, sessions] = await Promise.all([
    run(ctx.client, {
      sql: `SELECT u, any(team) AS user_team, count() AS denials, uniqExact(session_id) AS sessions
       FROM ${denied} WHERE ${where} GROUP BY u ORDER BY denials DESC, u`,
      params,
      row: z.object({ u: ch.string, user_team: ch.string, denials: ch.count, sessions: ch.count }),
    }),
    run(ctx.client, {
      sql: `SELECT session_id, any(u) AS session_user, any(team) AS session_team, count() AS denials, toString(max(timestamp)) AS last, count() OVER () AS total
       FROM ${denied} WHERE ${where} GROUP BY session_id ORDER BY denials DESC, last DESC LIMIT {listed:UInt32}`,
      params,
      row: z.object({ session_id: ch.string, session_user: ch.string, session_team: ch.string, denials: ch.count, last: ch.dateTime, total: ch.count }),
    }),
  ])
  const teams = new Map<string, { denials: number; users: number }>()
  for (const u of byUser) {
    const t = teams.get(u.user_team) ?? { denials: 0, users: 0 }
    t.denials += u.denials
    t.users += 1
    teams.set(u.user_team, t)
  }
  return {
    range: { from: range.from.toISOString(), to: range.to.toISOString(), timeZone: range.timeZone },
    command: query.command ?? null,
    mcpServer: query.mcpServer ?? null,
    denials: byUser.reduce((n, u) => n + u.denials, 0),
    byTeam: [...teams].map(([team, t]) => ({ team, ...t })).sort((a, b) => b.denials - a.denials || a.team.localeCompare(b.team)),
    byUser: byUser.map((u) => ({ user: u.u, team: u.user_team, denials: u.denials, sessions: u.sessions })),
    sessions: sessions.map((s) => ({ sessionId: s.session_id, user: s.session_user, team: s.session_team, denials: s.denials, last: s.last })),
    sessionsTotal: sessions[0]?.total ?? 0,
  }
}
