import { stringify } from 'csv-stringify'
import type { Readable } from 'node:stream'
import { type SeatTeam, USERS_EXPORT_MAX, type UserList, type UsersQuery } from '../../../schemas/users'
import type { UserView } from '../datasets'
import type { QueryContext } from './dataset'
import { localDate } from './export'
import { queryUsers } from './users'

/**
 * The managers' lists as CSV (GET /api/v1/users/export.csv): everyone active in the range, one lifecycle
 * group (new, returning, gone quiet), or the directory's people who never sent telemetry. The rows are the
 * JSON endpoint's (queryUsers), so the figures agree with the Users and Adoption pages; not-reported and
 * hidden figures (null) are empty cells, never 0. Text cells are guarded against formula injection
 * (csv-stringify's escape_formulas, as in export.ts).
 */

export class TooManyUsers extends Error {}

const ACTIVE_COLUMNS = [
  'user',
  'display_name',
  'team',
  'department',
  'cost_center',
  'seat',
  'status',
  'gone_quiet',
  'first_seen',
  'last_seen',
  'active_days',
  'sessions',
  'prompts',
  'lines_added',
  'commits',
  'pull_requests',
  'cost_usd',
]
const NEVER_COLUMNS = ['user', 'display_name', 'team', 'department', 'cost_center', 'seat']

const cell = (value: number | null) => (value === null ? '' : value)

export function usersCsvFileName(list: UserList, query: Pick<UsersQuery, 'range'>): string {
  const first = localDate(query.range.from, query.range.timeZone)
  const last = localDate(new Date(query.range.to.getTime() - 1), query.range.timeZone)
  const name = list === 'neverActive' ? 'never-active' : list === 'quiet' ? 'gone-quiet' : list
  // Never active is not a range's list: it is everyone's history, as of the export.
  return list === 'neverActive' ? `ccscope-users-${name}-as-of-${last}.csv` : `ccscope-users-${name}-${first === last ? first : `${first}-to-${last}`}.csv`
}

/** The list's rows as CSV; TooManyUsers (before anything is sent) when more than USERS_EXPORT_MAX match. */
export async function exportUsersCsv(ctx: QueryContext, query: UsersQuery & { list: UserList }, view: UserView): Promise<Readable> {
  const answer = await queryUsers(ctx, query, view, USERS_EXPORT_MAX)
  const tooMany = () =>
    new TooManyUsers(`more than ${USERS_EXPORT_MAX.toLocaleString('en-US')} people match: narrow the filters (team, search) and export again`)
  if (query.list === 'neverActive') {
    const never = answer.neverActive
    if (never === null || never === undefined) throw new TooManyUsers('no directory is loaded: who never sent telemetry is not known')
    if (never.total > never.rows.length) throw tooMany()
    const csv = stringify({ header: true, columns: NEVER_COLUMNS, escape_formulas: true })
    for (const r of never.rows) csv.write([r.user, r.displayName, r.team, r.department, r.costCenter, String(r.seat)])
    csv.end()
    return csv
  }
  if (answer.truncated) throw tooMany()
  const rows = answer.rows.filter((r) => query.list === 'active' || (query.list === 'quiet' ? r.quiet : r.status === query.list))
  const csv = stringify({ header: true, columns: ACTIVE_COLUMNS, escape_formulas: true })
  for (const r of rows)
    csv.write([
      r.user,
      r.displayName,
      r.team,
      r.department,
      r.costCenter,
      r.seat === null ? '' : String(r.seat),
      r.status,
      String(r.quiet),
      r.firstSeen,
      r.lastSeen,
      r.activeDays,
      cell(r.sessions),
      cell(r.prompts),
      cell(r.linesAdded),
      cell(r.commits),
      cell(r.pullRequests),
      r.costUsd.toFixed(2),
    ])
  csv.end()
  return csv
}

const SEAT_COLUMNS = ['row_type', 'team', 'seats', 'active_seat_holders', 'utilization']

/** Seat utilization per team as CSV: one row per team (the directory's), then the total row; utilization to 4 decimals. */
export function seatsCsv(teams: SeatTeam[]): Readable {
  const csv = stringify({ header: true, columns: SEAT_COLUMNS, escape_formulas: true })
  const ratio = (active: number, seats: number) => (seats > 0 ? Math.round((active / seats) * 10_000) / 10_000 : '')
  for (const t of teams) csv.write(['data', t.team, t.seats, t.active, ratio(t.active, t.seats)])
  const seats = teams.reduce((n, t) => n + t.seats, 0)
  const active = teams.reduce((n, t) => n + t.active, 0)
  csv.write(['total', '', seats, active, ratio(active, seats)])
  csv.end()
  return csv
}

export function seatsCsvFileName(query: Pick<UsersQuery, 'range'>): string {
  const first = localDate(query.range.from, query.range.timeZone)
  const last = localDate(new Date(query.range.to.getTime() - 1), query.range.timeZone)
  return `ccscope-seats-by-team-${first === last ? first : `${first}-to-${last}`}.csv`
}
