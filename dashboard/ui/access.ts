import { canAccess, type Role, type RouteKey } from '../../schemas/auth'

/**
 * Which pages a role can use, from the API's own access table (schemas/auth.ts): a page shows when
 * its role may call the routes the page is about. The server enforces the table; this only hides.
 */
export type PageName = 'overview' | 'adoption' | 'cost' | 'budgets' | 'reconciliation' | 'policy' | 'reliability' | 'users' | 'user' | 'session' | 'directory'

const PAGE_NEEDS: Record<PageName, RouteKey[]> = {
  overview: ['GET /api/v1/summary', 'GET /api/v1/adoption'],
  adoption: ['GET /api/v1/adoption'],
  cost: ['GET /api/v1/cost'],
  budgets: ['GET /api/v1/budgets', 'POST /api/v1/budgets'],
  policy: ['GET /api/v1/policy'],
  reliability: ['GET /api/v1/reliability'],
  users: ['GET /api/v1/users'],
  user: ['GET /api/v1/users'],
  session: ['GET /api/v1/sessions/{session}'],
  directory: ['GET /api/v1/directory', 'PUT /api/v1/directory'],
  reconciliation: ['GET /api/v1/billing/reconciliation'],
}

export function canSee(role: Role, page: PageName): boolean {
  return PAGE_NEEDS[page].every((key) => canAccess(role, key))
}

export const NAV_PAGES: { page: PageName; to: string; label: string }[] = [
  { page: 'overview', to: '/', label: 'Overview' },
  { page: 'adoption', to: '/adoption', label: 'Adoption' },
  { page: 'cost', to: '/cost', label: 'Cost' },
  { page: 'budgets', to: '/budgets', label: 'Budgets' },
  { page: 'reconciliation', to: '/reconciliation', label: 'Reconciliation' },
  { page: 'policy', to: '/policy', label: 'Policy' },
  { page: 'reliability', to: '/reliability', label: 'Reliability' },
  { page: 'users', to: '/users', label: 'Users' },
  { page: 'directory', to: '/directory', label: 'Directory' },
]
