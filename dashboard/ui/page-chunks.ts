import type { ComponentType } from 'react'
import type { PageName } from './access'

/**
 * The dashboard's pages, each its own chunk (loaded when first shown): the first load evaluates only the
 * shell (router, signed-in check, filter bar), not every page and the charting library. The chunk of the
 * page being opened starts loading at once (preloadPage in main.tsx), alongside its requests (early.ts).
 *
 * No React here, nor zod: main.tsx imports this and early.ts before anything else, and the first load's
 * requests start only once their module graph has been evaluated (.dependency-cruiser.cjs keeps it so).
 */
interface PageRoute {
  path: string
  page: PageName
  load: () => Promise<{ default: ComponentType }>
}

export const ROUTES: PageRoute[] = [
  { path: '/', page: 'overview', load: () => import('./pages/Overview').then((m) => ({ default: m.OverviewPage })) },
  { path: '/adoption', page: 'adoption', load: () => import('./pages/Adoption').then((m) => ({ default: m.AdoptionPage })) },
  { path: '/cost', page: 'cost', load: () => import('./pages/Cost').then((m) => ({ default: m.CostPage })) },
  { path: '/budgets', page: 'budgets', load: () => import('./pages/Budgets').then((m) => ({ default: m.BudgetsPage })) },
  {
    path: '/reconciliation',
    page: 'reconciliation',
    load: () => import('./pages/Reconciliation').then((m) => ({ default: m.ReconciliationPage })),
  },
  { path: '/policy', page: 'policy', load: () => import('./pages/Policy').then((m) => ({ default: m.PolicyPage })) },
  { path: '/reliability', page: 'reliability', load: () => import('./pages/Reliability').then((m) => ({ default: m.ReliabilityPage })) },
  { path: '/users', page: 'users', load: () => import('./pages/Users').then((m) => ({ default: m.UsersPage })) },
  { path: '/users/:user', page: 'user', load: () => import('./pages/User').then((m) => ({ default: m.UserPage })) },
  { path: '/directory', page: 'directory', load: () => import('./pages/Directory').then((m) => ({ default: m.DirectoryPage })) },
  { path: '/sessions/:session', page: 'session', load: () => import('./pages/Session').then((m) => ({ default: m.SessionPage })) },
]

/** Starts loading the chunk of the page at `pathname`, if it is one. */
export function preloadPage(pathname: string): void {
  const route = ROUTES.find((r) => new RegExp(`^${r.path.replace(/:[^/]+/g, '[^/]+')}/?$`).test(pathname))
  void route?.load().catch(() => undefined)
}
