import { z } from 'zod'
import { answeredRange } from '../../../schemas/periods'
import type { UserRow, UsersQuery, UsersResponse } from '../../../schemas/users'
import { ch, run } from '../../../warehouse/query'
import { activeSeconds, COST_SUM, scopeRawSql, type UserView } from '../datasets'
import { attributedRows, DIRECTORY_ENTRIES, DIRECTORY_NOW, rangeBounds, tieredRows } from '../sources'
import { planTiers } from '../tiers'
import { roundUsd } from '../../../schemas/money'
import type { QueryContext } from './dataset'
import { DIRECTORY_SQL, filterSql } from './filters'
import { rangeParams } from './range'
import { querySeatsByTeam } from './seats'

/**
 * The user leaderboard: activity (adoption's source, user_activity), cost (cost's source), lifecycle and
 * seats. The same sources and filters as the datasets, so a user's figures here equal their row in
 * /adoption and /cost.
 */

const SORT_SQL: Record<UsersQuery['sort'], string> = {
  costUsd: 'cost_usd',
  activeDays: 'active_days',
  sessions: 'session_count',
  prompts: 'prompts',
  linesAdded: 'lines_added',
  commits: 'commits',
  pullRequests: 'pull_requests',
  lastSeen: 'last_active',
  firstSeen: 'first_seen',
  user: 'u',
}

/** The earliest instant first-seen dates are looked for (the API's own lower bound on ranges). */
const HISTORY_START = new Date('2000-01-01T00:00:00Z')

/**
 * The per-user activity figures, and what the `cost` view (finance, datasets.ts UserView) selects instead:
 * nothing computed, NULL.
 */
const ACTIVITY_SQL: Record<string, string> = {
  session_count: 'sum(n_new_sessions)',
  prompts: 'sum(n_prompts)',
  lines_added: 'sum(n_added)',
  lines_removed: 'sum(n_removed)',
  commits: 'sum(n_commits)',
  pull_requests: 'sum(n_prs)',
  user_s: activeSeconds('s_user'),
  cli_s: activeSeconds('s_cli'),
}

const userRow = z.object({
  u: ch.string,
  name: ch.string,
  team_now: ch.string,
  dept_now: ch.string,
  cc_now: ch.string,
  active_days: ch.count,
  session_count: ch.number,
  prompts: ch.number,
  lines_added: ch.number,
  lines_removed: ch.number,
  commits: ch.number,
  pull_requests: ch.number,
  user_s: ch.number,
  cli_s: ch.number,
  events_sent: ch.count,
  points_sent: ch.count,
  last_active: ch.dateTime,
  first_seen: ch.dateTime,
  cost_usd: ch.number,
  seat: ch.boolean,
  in_directory: ch.boolean,
  n_active: ch.count,
  n_new: ch.count,
  n_quiet: ch.count,
  n_active_seats: ch.count,
  /** With quietList: the row's rank in the requested order and by last activity (rowsSql). */
  r_main: ch.count.optional(),
  r_quiet: ch.count.optional(),
})

const seatsRow = z.object({ total: ch.count, entries: ch.count })

const neverRow = z.object({
  user: ch.string,
  display_name: ch.string,
  team: ch.string,
  department: ch.string,
  cost_center: ch.string,
  seat: ch.boolean,
  n: ch.count,
})
const NEVER_LISTED = 1000

/**
 * The people in the directory (within the filters and the caller's scope) who never sent any telemetry, in
 * any range: no row with an event or a metric point in user_activity_1d, which holds every user's every day
 * as long as the rollups are kept. (Without a directory the answer says null: the seats query counts its entries.)
 */
async function neverActive(ctx: QueryContext, query: UsersQuery, listed: number): Promise<NonNullable<UsersResponse['neverActive']>> {
  const params: Record<string, unknown> = { listed }
  const rows = await run(ctx.client, {
    sql: `SELECT d_user AS user, d_name AS display_name, d_team AS team, d_dept AS department, d_cc AS cost_center, d_seat AS seat, count() OVER () AS n
     FROM ${DIRECTORY_NOW}
     WHERE d_user != '' AND ${filterSql(query.filters, params, ctx.scope, DIRECTORY_SQL)}
       AND d_user NOT IN (SELECT user_key FROM user_activity_1d WHERE events + metric_points > 0)
     ORDER BY d_team, d_user LIMIT {listed:UInt32}`,
    params,
    row: neverRow,
  })
  return {
    total: rows[0]?.n ?? 0,
    rows: rows.map((r) => ({ user: r.user, displayName: r.display_name, team: r.team, department: r.department, costCenter: r.cost_center, seat: r.seat })),
  }
}

/** `neverListed`: how many never-active people to list at most (the JSON answer 1 000, an export more). */
export async function queryUsers(ctx: QueryContext, query: UsersQuery, view: UserView = 'full', neverListed = NEVER_LISTED): Promise<UsersResponse> {
  const range = answeredRange(query.range, ctx.now)
  const params: Record<string, unknown> = { ...rangeParams(range), tz: range.timeZone }
  const where = filterSql(query.filters, params, ctx.scope)
  const quietCutoff = new Date(range.to.getTime() - query.quietDays * 86_400_000)
  params.quietCutoff = rangeParams({ from: quietCutoff, to: quietCutoff }).from
  params.limit = query.limit + 1
  // Active days count local days; the cut-off of "gone quiet" falls between buckets too.
  const plan = planTiers(range, 'day')
  const activity = attributedRows('userActivity', plan, params, 'a_')
  const cost = attributedRows('usageByModel', plan, params, 'c_')
  rangeBounds(range, params, 'c_')
  // First seen: all history before the range's end, cut at its start so that "new" is exact.
  const history = planTiers({ from: HISTORY_START, to: range.to, timeZone: 'UTC' }, 'none')
  const firstParams: Record<string, unknown> = {}
  const firstSeen = `(SELECT user_key AS fu, min(first_seen) AS first_seen
    FROM (${tieredRows('userActivity', history, firstParams, 'f_')})
    WHERE events + metric_points > 0 AND ${scopeRawSql(ctx.scope, firstParams)} GROUP BY user_key)`
  Object.assign(params, firstParams)
  const activityColumns = Object.entries(ACTIVITY_SQL)
    .map(([alias, sql]) => `${view === 'full' ? sql : 'NULL'} AS ${alias}`)
    .join(', ')
  const perUser = `
SELECT a.*, ifNull(c.cost_usd, 0) AS cost_usd, f.first_seen AS first_seen, d.d_seat AS seat, d.d_user != '' AS in_directory
FROM (
  SELECT u, any(display_name) AS name, argMax(team, bucket) AS team_now, argMax(dept, bucket) AS dept_now, argMax(cc, bucket) AS cc_now,
    uniqExactIf(toDate(bucket, {tz:String}), n_events + n_points > 0) AS active_days, ${activityColumns},
    sum(n_events) AS events_sent, sum(n_points) AS points_sent,
    maxIf(last_seen, n_events + n_points > 0) AS last_active
  FROM ${activity} AS s
  WHERE u != '' AND ${where}
  GROUP BY u
  HAVING events_sent + points_sent > 0
) AS a
LEFT ANY JOIN (SELECT u AS cu, ${COST_SUM} AS cost_usd FROM ${cost} AS s WHERE ${where} GROUP BY u) AS c ON a.u = c.cu
LEFT ANY JOIN ${firstSeen} AS f ON a.u = f.fu
LEFT ANY JOIN ${DIRECTORY_NOW} AS d ON a.u = d.d_user`
  const search = query.q ? `WHERE positionCaseInsensitiveUTF8(concat(u, ' ', name), {q:String}) > 0` : ''
  if (query.q) params.q = query.q
  // Lifecycle counts over every active user (before the search), by window functions in the same pass.
  const counted = `SELECT *, count() OVER () AS n_active, countIf(first_seen >= {from:DateTime('UTC')}) OVER () AS n_new,
      countIf(last_active < {quietCutoff:DateTime('UTC')}) OVER () AS n_quiet, countIf(in_directory AND seat) OVER () AS n_active_seats
    FROM (${perUser})`
  const seatParams: Record<string, unknown> = {}
  const orderBy = (sort: UsersQuery['sort'], order: UsersQuery['order']) => `${SORT_SQL[sort]} ${order === 'asc' ? 'ASC' : 'DESC'}, u ASC`
  const order = orderBy(query.sort, query.order)
  // With quietList, the longest-silent users come from the same read: each row ranked in both orders, the second
  // exactly sort=lastSeen&order=asc's (the Adoption page's leaders and gone-quiet list were two answers of the same rows).
  const quietList = query.quietList
  if (quietList !== undefined) params.quietLimit = quietList
  const rowsSql =
    quietList === undefined
      ? `SELECT * FROM (${counted}) ${search} ORDER BY ${order} LIMIT {limit:UInt32}`
      : `SELECT * FROM (
           SELECT *, row_number() OVER (ORDER BY ${order}) AS r_main, row_number() OVER (ORDER BY ${orderBy('lastSeen', 'asc')}) AS r_quiet
           FROM (${counted}) ${search}
         ) WHERE r_main <= {limit:UInt32} OR r_quiet <= {quietLimit:UInt32} ORDER BY r_main`
  const [read, [seats], never, byTeam] = await Promise.all([
    run(ctx.client, { sql: rowsSql, params, row: userRow }),
    run(ctx.client, {
      sql: `SELECT countIf(d_seat) AS total, ${DIRECTORY_ENTRIES} AS entries
     FROM ${DIRECTORY_NOW} WHERE ${filterSql(query.filters, seatParams, ctx.scope, DIRECTORY_SQL)}`,
      params: seatParams,
      row: seatsRow,
    }),
    query.neverActive ? neverActive(ctx, query, neverListed) : Promise.resolve(undefined),
    query.seatsByTeam ? querySeatsByTeam(ctx, range, query.filters) : Promise.resolve(undefined),
  ])
  const rows = quietList === undefined ? read : read.filter((r) => r.r_main !== undefined && r.r_main <= query.limit + 1)
  const quietRows =
    quietList === undefined
      ? undefined
      : read.filter((r) => r.r_quiet !== undefined && r.r_quiet <= quietList).sort((a, b) => (a.r_quiet ?? 0) - (b.r_quiet ?? 0))
  // A search that matched nobody still answers the lifecycle counts of everyone.
  const counts = rows[0] ?? (query.q ? (await run(ctx.client, { sql: `SELECT * FROM (${counted}) LIMIT 1`, params, row: userRow }))[0] : undefined)
  const fromMs = range.from.getTime()
  const toUserRow = (r: z.output<typeof userRow>): UserRow => {
    const events = r.events_sent > 0
    const metrics = r.points_sent > 0
    // Null when the view hides it (finance) or the user does not send its source.
    const fromMetrics = (v: number | null) => (metrics && v !== null ? v : null)
    return {
      user: r.u,
      displayName: r.name,
      team: r.team_now,
      department: r.dept_now,
      costCenter: r.cc_now,
      seat: r.in_directory ? r.seat : null,
      firstSeen: r.first_seen,
      lastSeen: r.last_active,
      reports: { events, metrics },
      status: Date.parse(r.first_seen) >= fromMs ? 'new' : 'returning',
      quiet: Date.parse(r.last_active) < quietCutoff.getTime(),
      activeDays: r.active_days,
      sessions: r.session_count,
      prompts: events ? r.prompts : null,
      linesAdded: fromMetrics(r.lines_added),
      linesRemoved: fromMetrics(r.lines_removed),
      commits: fromMetrics(r.commits),
      pullRequests: fromMetrics(r.pull_requests),
      activeTimeUserSeconds: fromMetrics(r.user_s),
      activeTimeCliSeconds: fromMetrics(r.cli_s),
      costUsd: roundUsd(r.cost_usd ?? 0),
    }
  }
  const active = counts?.n_active ?? 0
  const newUsers = counts?.n_new ?? 0
  const seatTotal = seats?.total ?? 0
  const seatActive = counts?.n_active_seats ?? 0
  return {
    range: { from: range.from.toISOString(), to: range.to.toISOString(), timeZone: range.timeZone },
    rows: rows.slice(0, query.limit).map(toUserRow),
    ...(quietRows !== undefined ? { quietRows: quietRows.map(toUserRow) } : {}),
    counts: { activeUsers: active, newUsers, returningUsers: active - newUsers, quietUsers: counts?.n_quiet ?? 0 },
    seats: (seats?.entries ?? 0) > 0 ? { total: seatTotal, active: seatActive, utilization: seatTotal > 0 ? seatActive / seatTotal : null } : null,
    ...(byTeam !== undefined ? { seatsByTeam: byTeam } : {}),
    truncated: rows.length > query.limit,
    ...(query.neverActive ? { neverActive: never && (seats?.entries ?? 0) > 0 ? never : null } : {}),
  }
}
