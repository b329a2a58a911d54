import { z } from 'zod'

/**
 * Access control shared by the API and the dashboard: the roles, who may use each route, and the
 * shapes of the sign-in endpoints. Client-safe: zod and types only. The server enforces the table
 * (dashboard/api/auth/); the dashboard reads it only to hide what a role cannot use.
 */

export const ROLES = ['admin', 'finance', 'manager'] as const
export const roleSchema = z.enum(ROLES).meta({
  description: 'admin: everything. finance: cost views and exports. manager: adoption and cost of their own teams only.',
})
export type Role = z.infer<typeof roleSchema>

/**
 * Who may use a route: anyone (`public`), anyone signed in (`signed-in`), or the roles listed. A
 * manager's queries are always restricted to their teams, whatever the route.
 */
export type Access = 'public' | 'signed-in' | readonly Role[]

const ALL: readonly Role[] = ['admin', 'finance', 'manager']
const ADMIN: readonly Role[] = ['admin']
const ADMIN_MANAGER: readonly Role[] = ['admin', 'manager']
const ADMIN_FINANCE: readonly Role[] = ['admin', 'finance']

/**
 * One entry per route the API registers, keyed "METHOD /path" (OpenAPI form). The server refuses to
 * start if a route has no entry, so a new route cannot be reachable by accident. The built dashboard's
 * static files and the single-page-app fallback are public: they hold no data.
 */
export const ROUTE_ACCESS = {
  'GET /healthz': 'public',
  // Readiness is a health check too (load balancers and orchestrators probe it without credentials).
  'GET /readyz': 'public',
  'GET /metrics': ADMIN,
  'GET /api/openapi.json': 'signed-in',
  'POST /api/v1/auth/login': 'public',
  'POST /api/v1/auth/logout': 'public',
  'GET /api/v1/auth/me': 'signed-in',
  'GET /api/v1/meta': 'signed-in',
  'GET /api/v1/summary': ALL,
  'GET /api/v1/cost': ALL,
  'GET /api/v1/cost/export.csv': ALL,
  'GET /api/v1/adoption': ADMIN_MANAGER,
  'GET /api/v1/adoption/export.csv': ADMIN_MANAGER,
  'GET /api/v1/tools': ADMIN,
  'GET /api/v1/tools/export.csv': ADMIN,
  // Cost per user, and per session of a user: cost views, so finance sees them too.
  'GET /api/v1/users': ALL,
  'GET /api/v1/users/export.csv': ALL,
  'GET /api/v1/users/seats.csv': ALL,
  'GET /api/v1/users/{user}/sessions': ALL,
  // A session's timeline shows the commands run and the decisions taken: activity, not cost.
  'GET /api/v1/sessions/{session}': ADMIN_MANAGER,
  'GET /api/v1/policy': ADMIN,
  'GET /api/v1/policy/movers': ADMIN,
  'GET /api/v1/policy/denials': ADMIN,
  'GET /api/v1/coverage': ADMIN,
  // How their teams' sessions go (API errors, MCP failures, skills and plugins in use): operations, not cost, nor the
  // commands and denials of Policy; like adoption, a manager's answer is restricted to their teams.
  'GET /api/v1/reliability': ADMIN_MANAGER,
  'POST /api/v1/policy/simulate': ADMIN,
  // Waste patterns name denied commands and sessions: admins'.
  'GET /api/v1/waste': ADMIN,
  // Cost by repository, workflow and entrypoint: organization-wide cost attribution (finance and admins).
  'GET /api/v1/attribution': ADMIN_FINANCE,
  'GET /api/v1/directory': ADMIN,
  'PUT /api/v1/directory': ADMIN,
  'PUT /api/v1/directory/entries/{user}': ADMIN,
  'DELETE /api/v1/directory/entries/{user}': ADMIN,
  // Budgets and their alerts: finance's and admins' (webhook URLs and spend against budgets).
  'GET /api/v1/budgets': ADMIN_FINANCE,
  'POST /api/v1/budgets': ADMIN_FINANCE,
  'PUT /api/v1/budgets/{id}': ADMIN_FINANCE,
  'DELETE /api/v1/budgets/{id}': ADMIN_FINANCE,
  'GET /api/v1/budgets/{id}/history': ADMIN_FINANCE,
  'GET /api/v1/alerts': ADMIN_FINANCE,
  // Reports: the digest names blocked commands for admins only (the tools dataset is theirs).
  'GET /api/v1/reports/weekly-digest': ADMIN_FINANCE,
  'GET /api/v1/reports/monthly-cost.csv': ADMIN_FINANCE,
  'GET /api/v1/reports/schedules': ADMIN_FINANCE,
  'POST /api/v1/reports/schedules': ADMIN_FINANCE,
  'DELETE /api/v1/reports/schedules/{id}': ADMIN_FINANCE,
  // What Anthropic bills, and its reconciliation with the telemetry: finance's, not a manager's (the bill is the whole organization's).
  'PUT /api/v1/billing/usage': ADMIN_FINANCE,
  'GET /api/v1/billing/reconciliation': ADMIN_FINANCE,
  'GET /api/v1/billing/reconciliation.csv': ADMIN_FINANCE,
} as const satisfies Record<string, Access>

export type RouteKey = keyof typeof ROUTE_ACCESS

export function routeKey(method: string, path: string): string {
  return `${method.toUpperCase()} ${path}`
}

export function isRouteKey(key: string): key is RouteKey {
  return Object.hasOwn(ROUTE_ACCESS, key)
}

/** Whether a signed-in role may use a route. */
export function canAccess(role: Role, key: RouteKey): boolean {
  const access: Access = ROUTE_ACCESS[key]
  return access === 'public' || access === 'signed-in' || access.includes(role)
}

export const loginBodySchema = z.strictObject({
  user: z.string().min(1).max(200).meta({ description: 'User name, as added with `npm run users -- add`' }),
  password: z.string().min(1).max(1024),
})
export type LoginBody = z.infer<typeof loginBodySchema>

export const meResponseSchema = z.object({
  user: z.string(),
  role: roleSchema,
  teams: z.array(z.string()).meta({ description: "A manager's teams: every figure they get is restricted to these. Empty for other roles." }),
  via: z.enum(['open', 'session', 'token', 'proxy']).meta({
    description: 'open: no users are configured and the request came from this machine; session: signed in; token: API token; proxy: trusted SSO proxy header.',
  }),
})
export type MeResponse = z.infer<typeof meResponseSchema>

/** The header the dashboard sends on every request that changes state (login, logout, directory load). */
export const CSRF_HEADER = 'x-requested-with'
