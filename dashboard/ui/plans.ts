import type { UserList } from '../../schemas/users'
import { ATTRIBUTION_BY } from '../../schemas/datasets'
import { datasetParams, dateRange, parseFilters, type DateRange, type Filters } from './filters'
import { BREAKDOWN_SORTS, BREAKDOWN_VALUES, breakdownParams, costGranularity, STACK_VALUES } from './prepare/cost'
import { blockedParams, MOVER_VALUES, moversParams } from './prepare/policy'
import type { Step } from './prepare/adoption'
import { USER_SORT_VALUES, type UserSort } from './prepare/users'
import {
  alertsRequest,
  apiUrl,
  budgetsRequest,
  coverageRequest,
  schedulesRequest,
  attributionRequest,
  wasteRequest,
  datasetRequest,
  denialsRequest,
  directoryRequest,
  moversRequest,
  policyRequest,
  reconciliationRequest,
  reliabilityRequest,
  sessionRequest,
  summaryRequest,
  userSessionsRequest,
  usersRequest,
} from './requests'

/**
 * What each page shows, as the API requests it makes: one place that both the page (its panels) and the
 * first load (early.ts, which starts them before the app has loaded) read, so the two cannot drift.
 * Pure: filters and view options in, requests out.
 */

/** A page-local view option from the URL (e.g. ?stack=team), or its default. */
export function viewParam<T extends string>(search: URLSearchParams, name: string, allowed: readonly T[], fallback: T): T {
  const raw = search.get(name)
  return allowed.includes(raw as T) ? (raw as T) : fallback
}

export const ADOPTION_LEADERBOARD = 15
export const QUIET_DAYS = 7
/** The gone-quiet users the Adoption page lists (the longest silent first). */
export const QUIET_LISTED = 25
export const USERS_LIMIT = 200
export const STEP_VALUES: readonly Step[] = ['day', 'week']
export const ORDER_VALUES = ['asc', 'desc', 'auto'] as const

export function overviewPlan(filters: Filters, range: DateRange) {
  return {
    // The figures with the same elapsed span before them (compare=previous): a day in progress is compared with the same hours.
    summary: summaryRequest(datasetParams(filters, 'summary', range, { compare: 'previous' })),
    cost: datasetRequest('cost', datasetParams(filters, 'cost', range, { granularity: 'day' })),
    active: datasetRequest('adoption', datasetParams(filters, 'adoption', range, { granularity: 'day' })),
    denials: datasetRequest('tools', datasetParams(filters, 'tools', range, { granularity: 'day' })),
    byTeam: datasetRequest('cost', datasetParams(filters, 'cost', range, { groupBy: 'team', limit: 10 })),
  }
}

export function adoptionPlan(filters: Filters, range: DateRange, search: URLSearchParams) {
  const step = viewParam(search, 'step', STEP_VALUES, 'day')
  return {
    totals: datasetRequest('adoption', datasetParams(filters, 'adoption', range, { compare: 'previous' })),
    trend: datasetRequest('adoption', datasetParams(filters, 'adoption', range, { granularity: step })),
    byTeam: datasetRequest('adoption', datasetParams(filters, 'adoption', range, { groupBy: 'team', sort: 'activeUsers', limit: 100 })),
    // One answer for three cards: the leaders, with seat utilization per team (seatsByTeam) for the Seats card,
    // the longest silent (quietRows, from the same read) and the directory's people who never sent telemetry (neverActive).
    people: usersRequest(
      datasetParams(filters, 'summary', range, {
        sort: 'costUsd',
        limit: ADOPTION_LEADERBOARD,
        seatsByTeam: 'true',
        quietList: QUIET_LISTED,
        quietDays: QUIET_DAYS,
        neverActive: 'true',
      }),
    ),
  }
}

export function costPlan(filters: Filters, range: DateRange, search: URLSearchParams) {
  const stack = viewParam(search, 'stack', STACK_VALUES, 'model')
  const by = viewParam(search, 'by', BREAKDOWN_VALUES, 'user')
  const sort = viewParam(search, 'sort', BREAKDOWN_SORTS, 'costUsd')
  const granularity = costGranularity(range.days)
  return {
    totals: datasetRequest('cost', datasetParams(filters, 'cost', range, { compare: 'previous' })),
    stacked: datasetRequest('cost', datasetParams(filters, 'cost', range, { granularity, groupBy: stack, limit: 8 })),
    perPeriod: datasetRequest('cost', datasetParams(filters, 'cost', range, { granularity })),
    table: datasetRequest('cost', breakdownParams(filters, range, by, sort)),
    // Finance's and admins' card (a manager's early request is refused and unused): whole UTC days of the range.
    attribution: attributionRequest({ from: range.from, to: range.to, by: viewParam(search, 'attr', ATTRIBUTION_BY, 'repository') }),
  }
}

export function policyPlan(filters: Filters, range: DateRange, search: URLSearchParams) {
  const moversBy = viewParam(search, 'by', MOVER_VALUES, 'tool')
  return {
    daily: datasetRequest('tools', datasetParams(filters, 'tools', range, { granularity: 'day' })),
    policy: policyRequest(datasetParams(filters, 'summary', range)),
    byTool: datasetRequest('tools', datasetParams(filters, 'tools', range, { groupBy: 'tool', sort: 'policyDenials', limit: 100 })),
    commands: datasetRequest('tools', blockedParams(filters, range, 'command')),
    mcp: datasetRequest('tools', blockedParams(filters, range, 'mcpServer')),
    movers: moversRequest(moversParams(filters, range, moversBy)),
    // Versions and managed settings per user and team; ?floor=2.1.300 flags the older versions.
    coverage: coverageRequest(datasetParams(filters, 'summary', range, { versionFloor: versionFloorOf(search) })),
    // Waste patterns are organization-wide: the range applies, the team and user filters do not.
    waste: wasteRequest({ from: range.from, to: range.to, tz: filters.tz }),
    // The drill-down from a blocked command or MCP server, when one is open (?blocked= or ?blockedMcp=).
    denials: blockedDrill(search) ? denialsRequest(datasetParams(filters, 'summary', range, blockedDrill(search))) : undefined,
  }
}

export function reliabilityPlan(filters: Filters, range: DateRange) {
  return { reliability: reliabilityRequest(datasetParams(filters, 'summary', range)) }
}

/** The version floor of the coverage panel (?floor=2.1.300), when it is a version. */
export function versionFloorOf(search: URLSearchParams): string | undefined {
  const floor = search.get('floor')?.trim()
  return floor && /^\d+\.\d+\.\d+$/.test(floor) ? floor : undefined
}

/** The blocked command (?blocked=curl) or MCP server (?blockedMcp=github) whose denials are drilled into. */
export function blockedDrill(search: URLSearchParams): { command: string } | { mcpServer: string } | undefined {
  const command = search.get('blocked')
  if (command) return { command }
  const mcpServer = search.get('blockedMcp')
  return mcpServer ? { mcpServer } : undefined
}

/** The sort and order of the users list: a name sorts A→Z unless told otherwise, figures largest first. */
export function usersOrder(search: URLSearchParams): { sort: UserSort; order: 'asc' | 'desc' } {
  const sort = viewParam<UserSort>(search, 'sort', USER_SORT_VALUES, 'costUsd')
  const order = viewParam(search, 'order', ORDER_VALUES, 'auto')
  return { sort, order: order === 'auto' ? (sort === 'user' ? 'asc' : 'desc') : order }
}

/** A managers' list as CSV (GET /api/v1/users/export.csv), with the page's filters, range and quiet threshold. */
export function usersExportUrl(filters: Filters, range: DateRange, list: UserList, extra: Record<string, string> = {}): string {
  return apiUrl('/api/v1/users/export.csv', datasetParams(filters, 'summary', range, { list, quietDays: String(QUIET_DAYS), ...extra }))
}

/** Seat utilization per team as CSV, for the range and filters shown. */
export function seatsExportUrl(filters: Filters, range: DateRange): string {
  return apiUrl('/api/v1/users/seats.csv', datasetParams(filters, 'summary', range))
}

export function usersPlan(filters: Filters, range: DateRange, search: URLSearchParams) {
  const { sort, order } = usersOrder(search)
  return { users: usersRequest(datasetParams(filters, 'summary', range, { q: search.get('q') ?? '', sort, order, limit: USERS_LIMIT })) }
}

export function userPlan(user: string, filters: Filters, range: DateRange) {
  const mine = { ...filters, user }
  return {
    profile: usersRequest(datasetParams(mine, 'summary', range, { limit: 1 })),
    summary: summaryRequest(datasetParams(mine, 'summary', range, { compare: 'previous' })),
    cost: datasetRequest('cost', datasetParams(mine, 'cost', range, { granularity: 'day' })),
    activity: datasetRequest('adoption', datasetParams(mine, 'adoption', range, { granularity: 'day' })),
    tools: datasetRequest('tools', datasetParams(mine, 'tools', range, { groupBy: 'tool', sort: 'decisions', limit: 50 })),
    // Sessions are one user's: the range applies, the team filter does not (the endpoint takes none).
    sessions: userSessionsRequest(user, { from: range.from, to: range.to, tz: filters.tz, limit: 100 }),
  }
}

/**
 * The bill against the telemetry over the filter bar's range, as UTC days whatever its zone (Anthropic reports
 * usage per UTC day); the team, person and model filters do not apply to a bill.
 */
export function reconciliationPlan(filters: Filters, now = new Date()) {
  const utc = dateRange({ ...filters, tz: 'UTC' }, now)
  return { reconciliation: reconciliationRequest({ from: utc.from, to: utc.to }) }
}

/** A later page of the reconciliation's rows (the first comes with the plan's request), and every row as CSV. */
export function reconciliationRowsRequest(filters: Filters, offset: number, now = new Date()) {
  const utc = dateRange({ ...filters, tz: 'UTC' }, now)
  return reconciliationRequest({ from: utc.from, to: utc.to, offset: String(offset) })
}

export function reconciliationExportUrl(filters: Filters, now = new Date()): string {
  const utc = dateRange({ ...filters, tz: 'UTC' }, now)
  return apiUrl('/api/v1/billing/reconciliation.csv', { from: utc.from, to: utc.to })
}

export function directoryPlan() {
  return { directory: directoryRequest() }
}

export function budgetsPlan() {
  return { budgets: budgetsRequest(), alerts: alertsRequest(), schedules: schedulesRequest() }
}

export function sessionPlan(id: string) {
  return { session: sessionRequest(id) }
}

/** The page paths and the pieces of them a plan needs. */
const PATHS: {
  pattern: RegExp
  plan: (match: string[], search: URLSearchParams, filters: Filters, range: DateRange, now: Date) => Record<string, { url: string } | undefined>
}[] = [
  { pattern: /^\/$/, plan: (_m, _s, f, r) => overviewPlan(f, r) },
  { pattern: /^\/adoption\/?$/, plan: (_m, s, f, r) => adoptionPlan(f, r, s) },
  { pattern: /^\/cost\/?$/, plan: (_m, s, f, r) => costPlan(f, r, s) },
  { pattern: /^\/policy\/?$/, plan: (_m, s, f, r) => policyPlan(f, r, s) },
  { pattern: /^\/reliability\/?$/, plan: (_m, _s, f, r) => reliabilityPlan(f, r) },
  { pattern: /^\/users\/?$/, plan: (_m, s, f, r) => usersPlan(f, r, s) },
  { pattern: /^\/users\/([^/]+)\/?$/, plan: (m, _s, f, r) => userPlan(decodeURIComponent(m[1] ?? ''), f, r) },
  { pattern: /^\/sessions\/([^/]+)\/?$/, plan: (m) => sessionPlan(decodeURIComponent(m[1] ?? '')) },
  { pattern: /^\/directory\/?$/, plan: () => directoryPlan() },
  { pattern: /^\/budgets\/?$/, plan: () => budgetsPlan() },
  { pattern: /^\/reconciliation\/?$/, plan: (_m, _s, f, _r, now) => reconciliationPlan(f, now) },
]

/** The URLs of the requests the page at `pathname` + `search` makes as it opens (none for an unknown path). */
export function pageRequestUrls(pathname: string, search: URLSearchParams, now = new Date()): string[] {
  for (const { pattern, plan } of PATHS) {
    const match = pattern.exec(pathname)
    if (!match) continue
    const filters = parseFilters(search)
    return Object.values(plan([...match], search, filters, dateRange(filters, now), now))
      .filter((r) => r !== undefined)
      .map((r) => r.url)
  }
  return []
}
