import type { CommonFilters } from '../../../schemas/analytics'
import type { UserRow, UsersQuery, UsersResponse } from '../../../schemas/users'
import { selectRows, type Warehouse } from '../../../warehouse/client'
import { COMMON_DIMENSION_SQL, DATASET_SQL, DIRECTORY_NOW, scopeRawSql, scopeSql, type Scope, type UserView } from '../datasets'
import { roundUsd } from './dataset'
import { isoFromClickHouse, rangeParams } from './range'

/**
 * The user leaderboard: activity (adoption dataset), cost (cost dataset), lifecycle and seats. The same
 * sources and filters as the datasets, so a user's figures here equal their row in /adoption and /cost.
 */

const DIRECTORY_SQL: Record<keyof CommonFilters, string> = { user: 'd_user', team: 'd_team', department: 'd_dept', costCenter: 'd_cc' }

/** The common filters, and the request's scope (datasets.ts), as one condition on the given columns. */
export function filterSql(
  filters: CommonFilters,
  params: Record<string, unknown>,
  scope: Scope,
  columns: Record<keyof CommonFilters, string> = COMMON_DIMENSION_SQL,
): string {
  const clauses = [scopeSql(scope, params, columns.team)]
  for (const [name, values] of Object.entries(filters)) {
    if (!values?.length) continue
    params[`f_${name}`] = values
    clauses.push(`${columns[name as keyof CommonFilters]} IN {f_${name}:Array(String)}`)
  }
  return clauses.join(' AND ')
}

const SORT_SQL: Record<UsersQuery['sort'], string> = {
  costUsd: 'cost_usd',
  activeDays: 'active_days',
  sessions: 'sessions',
  prompts: 'prompts',
  linesAdded: 'lines_added',
  commits: 'commits',
  pullRequests: 'pull_requests',
  lastSeen: 'last_bucket',
  firstSeen: 'first_bucket',
  user: 'u',
}

/** The per-user activity measures, and what the `cost` view (finance) selects instead: nothing computed. */
const ACTIVITY_SQL: Record<string, string> = {
  sessions: "uniqExactIf(session_id, session_id != '')",
  prompts: 'sum(n_prompts)',
  lines_added: 'sum(n_added)',
  lines_removed: 'sum(n_removed)',
  commits: 'sum(n_commits)',
  pull_requests: 'sum(n_prs)',
  s_user: 'sum(s_user)',
  s_cli: 'sum(s_cli)',
}

/** `firstScope`: the scope's condition on activity_15m's raw columns, so a first-seen date from another team does not show. */
function perUserSql(where: string, firstScope: string, view: UserView): string {
  const activity = Object.entries(ACTIVITY_SQL)
    .map(([alias, sql]) => `${view === 'full' ? sql : 'NULL'} AS ${alias}`)
    .join(', ')
  return `
SELECT a.*, ifNull(c.cost_usd, 0) AS cost_usd, f.first_bucket AS first_bucket, d.d_seat AS seat, d.d_user != '' AS in_directory
FROM (
  SELECT u, any(display_name) AS name, argMax(team, bucket) AS team_now, argMax(dept, bucket) AS dept_now, argMax(cc, bucket) AS cc_now,
    uniqExact(toDate(bucket, {tz:String})) AS active_days, ${activity}, max(bucket) AS last_bucket
  FROM ${DATASET_SQL.adoption.source} AS s
  WHERE u != '' AND ${where}
  GROUP BY u
) AS a
LEFT ANY JOIN (SELECT u AS cu, sum(usd) AS cost_usd FROM ${DATASET_SQL.cost.source} AS s WHERE ${where} GROUP BY u) AS c ON a.u = c.cu
LEFT ANY JOIN (SELECT user_key AS fu, min(bucket) AS first_bucket FROM activity_15m WHERE bucket < {to:DateTime('UTC')} AND ${firstScope} GROUP BY user_key) AS f ON a.u = f.fu
LEFT ANY JOIN ${DIRECTORY_NOW} AS d ON a.u = d.d_user`
}

interface RawUser {
  u: string
  name: string
  team_now: string
  dept_now: string
  cc_now: string
  active_days: string
  sessions: string | null
  prompts: number | null
  lines_added: number | null
  lines_removed: number | null
  commits: number | null
  pull_requests: number | null
  s_user: number | null
  s_cli: number | null
  last_bucket: string
  first_bucket: string
  cost_usd: number
  seat: boolean | number
  in_directory: boolean | number
}

interface Counts {
  n_active: string
  n_new: string
  n_quiet: string
  n_active_seats: string
}

const iso = isoFromClickHouse

/** A figure the view may hide (null: not computed for this caller). */
const maybe = (value: string | number | null): number | null => (value === null ? null : Number(value))

export async function queryUsers(client: Warehouse, query: UsersQuery, scope: Scope, view: UserView = 'full'): Promise<UsersResponse> {
  const params: Record<string, unknown> = { ...rangeParams(query.range), tz: query.range.timeZone }
  const where = filterSql(query.filters, params, scope)
  const quietCutoff = new Date(query.range.to.getTime() - query.quietDays * 86_400_000)
  params.quietCutoff = rangeParams({ from: quietCutoff, to: quietCutoff }).from
  params.limit = query.limit + 1
  const search = query.q ? `WHERE positionCaseInsensitiveUTF8(concat(u, ' ', name), {q:String}) > 0` : ''
  if (query.q) params.q = query.q
  // Lifecycle counts over every active user (before the search), by window functions in the same pass.
  const counted = `SELECT *, count() OVER () AS n_active, countIf(first_bucket >= {from:DateTime('UTC')}) OVER () AS n_new,
      countIf(last_bucket < {quietCutoff:DateTime('UTC')}) OVER () AS n_quiet, countIf(in_directory AND seat) OVER () AS n_active_seats
    FROM (${perUserSql(where, scopeRawSql(scope, params), view)})`
  const rows = await selectRows<RawUser & Counts>(
    client,
    `SELECT * FROM (${counted}) ${search}
     ORDER BY ${SORT_SQL[query.sort]} ${query.order === 'asc' ? 'ASC' : 'DESC'}, u ASC LIMIT {limit:UInt32}`,
    params,
  )
  const counts: Counts | undefined = rows[0] ?? (query.q ? (await selectRows<Counts>(client, `SELECT * FROM (${counted}) LIMIT 1`, params))[0] : undefined)
  const seatParams: Record<string, unknown> = {}
  const [seats] = await selectRows<Record<string, string>>(
    client,
    `SELECT countIf(d_seat) AS total, (SELECT count() FROM directory WHERE load_id = (SELECT max(load_id) FROM directory) AND user_key != '') AS entries
     FROM ${DIRECTORY_NOW} WHERE ${filterSql(query.filters, seatParams, scope, DIRECTORY_SQL)}`,
    seatParams,
  )
  const fromMs = query.range.from.getTime()
  const out: UserRow[] = rows.slice(0, query.limit).map((r) => ({
    user: r.u,
    displayName: r.name,
    team: r.team_now,
    department: r.dept_now,
    costCenter: r.cc_now,
    seat: Number(r.in_directory) ? Boolean(Number(r.seat)) : null,
    firstSeen: iso(r.first_bucket),
    lastSeen: iso(r.last_bucket),
    status: Date.parse(iso(r.first_bucket)) >= fromMs ? 'new' : 'returning',
    quiet: Date.parse(iso(r.last_bucket)) < quietCutoff.getTime(),
    activeDays: Number(r.active_days),
    sessions: maybe(r.sessions),
    prompts: maybe(r.prompts),
    linesAdded: maybe(r.lines_added),
    linesRemoved: maybe(r.lines_removed),
    commits: maybe(r.commits),
    pullRequests: maybe(r.pull_requests),
    activeTimeUserSeconds: maybe(r.s_user),
    activeTimeCliSeconds: maybe(r.s_cli),
    costUsd: roundUsd(Number(r.cost_usd)),
  }))
  const active = Number(counts?.n_active ?? 0)
  const newUsers = Number(counts?.n_new ?? 0)
  const seatTotal = Number(seats?.total ?? 0)
  const seatActive = Number(counts?.n_active_seats ?? 0)
  return {
    range: { from: query.range.from.toISOString(), to: query.range.to.toISOString(), timeZone: query.range.timeZone },
    rows: out,
    counts: { activeUsers: active, newUsers, returningUsers: active - newUsers, quietUsers: Number(counts?.n_quiet ?? 0) },
    seats: Number(seats?.entries ?? 0) > 0 ? { total: seatTotal, active: seatActive, utilization: seatTotal > 0 ? seatActive / seatTotal : null } : null,
    truncated: rows.length > query.limit,
  }
}
