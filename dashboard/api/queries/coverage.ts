import { z } from 'zod'
import { answeredRange } from '../../../schemas/periods'
import { belowFloor, type CoverageQuery, type CoverageResponse, versionParts } from '../../../schemas/policy'
import { ch, run } from '../../../warehouse/query'
import { attributedRows } from '../sources'
import { planTiers } from '../tiers'
import type { QueryContext } from './dataset'
import { parseSources } from './policy'
import { rangeParams } from './range'
import { filterSql } from './filters'

/** Users listed at most (the whole fleet of a large organization). Output aliases never reuse a filtered column's name (team). */
const USERS_LISTED = 20_000

/**
 * Coverage for admins: per user, the latest Claude Code version sent in the range (service.version, from
 * the user-activity rollups the Adoption page counts users from, so the users are the same) and the managed
 * settings in force (the latest managed_settings_resolved event); per team, how many are below a version
 * floor and how many have no managed settings. Teams follow the directory, as on every page.
 */
export async function queryCoverage(ctx: QueryContext, query: CoverageQuery): Promise<CoverageResponse> {
  const range = answeredRange(query.range, ctx.now)
  const params: Record<string, unknown> = { ...rangeParams(range), listed: USERS_LISTED }
  const plan = planTiers(range, 'none')
  const activity = attributedRows('userActivity', plan, params, 'a_')
  const policy = attributedRows('policyActivity', plan, params, 'p_')
  const where = filterSql(query.filters, params, ctx.scope)
  const [users, managed] = await Promise.all([
    run(ctx.client, {
      sql: `SELECT u, any(team) AS user_team, argMaxIf(service_version, last_seen, service_version != '') AS version, toString(max(last_seen)) AS last
       FROM ${activity} AS s WHERE u != '' AND ${where}
       GROUP BY u ORDER BY u LIMIT {listed:UInt32}`,
      params,
      row: z.object({ u: ch.string, user_team: ch.string, version: ch.string, last: ch.dateTime }),
    }),
    run(ctx.client, {
      sql: `SELECT u, argMaxMerge(sources) AS latest_sources
       FROM (SELECT * FROM ${policy} WHERE event_name = 'managed_settings_resolved') AS s
       WHERE u != '' AND ${where} GROUP BY u LIMIT {listed:UInt32}`,
      params,
      row: z.object({ u: ch.string, latest_sources: ch.string }),
    }),
  ])
  const sources = new Map(managed.map((m) => [m.u, parseSources(m.latest_sources)]))
  const floor = query.versionFloor
  const rows = users.map((u) => {
    const version = u.version === '' ? null : u.version
    return {
      user: u.u,
      team: u.user_team,
      version,
      belowFloor: floor && version ? (belowFloor(version, floor) ?? null) : null,
      managedSources: sources.get(u.u) ?? null,
      lastSeen: u.last,
    }
  })
  const byVersion = (list: typeof rows) => {
    const counts = new Map<string, number>()
    for (const r of list) counts.set(r.version ?? '', (counts.get(r.version ?? '') ?? 0) + 1)
    return [...counts].map(([version, n]) => ({ version, users: n })).sort((a, b) => newerFirst(a.version, b.version))
  }
  const teams = new Map<string, typeof rows>()
  for (const r of rows) {
    const list = teams.get(r.team)
    if (list) list.push(r)
    else teams.set(r.team, [r])
  }
  return {
    range: { from: range.from.toISOString(), to: range.to.toISOString(), timeZone: range.timeZone },
    versionFloor: floor ?? null,
    users: rows,
    teams: [...teams]
      .map(([team, list]) => ({
        team,
        users: list.length,
        belowFloor: list.filter((r) => r.belowFloor === true).length,
        withoutManaged: list.filter((r) => r.managedSources === null).length,
        versions: byVersion(list),
      }))
      .sort((a, b) => b.users - a.users || a.team.localeCompare(b.team)),
    versions: byVersion(rows).map((v) => ({ ...v, belowFloor: floor && v.version ? (belowFloor(v.version, floor) ?? null) : null })),
  }
}

/** Newest version first; what is not a version (or none, '') last. */
function newerFirst(a: string, b: string): number {
  const pa = versionParts(a)
  const pb = versionParts(b)
  if (!pa || !pb) return pa ? -1 : pb ? 1 : a.localeCompare(b)
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return (pb[i] ?? 0) - (pa[i] ?? 0)
  return 0
}
