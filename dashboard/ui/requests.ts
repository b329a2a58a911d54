import type { DatasetName, DatasetResponse, SummaryResponse } from '../../schemas/analytics'
import type { AlertsResponse, BudgetHistoryResponse, BudgetsResponse } from '../../schemas/budgets'
import type { ReconciliationResponse } from '../../schemas/billing'
import type { DirectoryResponse } from '../../schemas/directory'
import type { ReliabilityResponse } from '../../schemas/reliability'
import type { SchedulesResponse } from '../../schemas/reports'
import type { WasteResponse } from '../../schemas/waste'
import type { AttributionResponse } from '../../schemas/attribution'
import type { CoverageResponse, DenialsResponse, MoversResponse, PolicyResponse } from '../../schemas/policy'
import type { SessionResponse, UserSessionsResponse, UsersResponse } from '../../schemas/users'
import { toQueryString, type Params } from './filters'

/**
 * One API request of the dashboard: its URL (also its query key, so identical panels share one request)
 * and the kind of answer it gets, whose zod schema checks it (api.ts). Built here with no React and no
 * zod, so that the first load can start a page's requests before the app has loaded (early.ts, plans.ts).
 */
export interface Responses {
  summary: SummaryResponse
  cost: DatasetResponse<'cost'>
  adoption: DatasetResponse<'adoption'>
  tools: DatasetResponse<'tools'>
  users: UsersResponse
  userSessions: UserSessionsResponse
  session: SessionResponse
  policy: PolicyResponse
  movers: MoversResponse
  denials: DenialsResponse
  coverage: CoverageResponse
  reliability: ReliabilityResponse
  directory: DirectoryResponse
  budgets: BudgetsResponse
  alerts: AlertsResponse
  budgetHistory: BudgetHistoryResponse
  schedules: SchedulesResponse
  waste: WasteResponse
  attribution: AttributionResponse
  reconciliation: ReconciliationResponse
}
export type ResponseKind = keyof Responses

export interface ApiRequest<K extends ResponseKind> {
  url: string
  kind: K
}

export function apiUrl(path: string, params: Params = {}): string {
  const query = toQueryString(params)
  return query ? `${path}?${query}` : path
}

export function summaryRequest(params: Params): ApiRequest<'summary'> {
  return { url: apiUrl('/api/v1/summary', params), kind: 'summary' }
}

export function datasetRequest<D extends DatasetName>(dataset: D, params: Params): ApiRequest<D> {
  return { url: apiUrl(`/api/v1/${dataset}`, params), kind: dataset }
}

export function usersRequest(params: Params): ApiRequest<'users'> {
  return { url: apiUrl('/api/v1/users', params), kind: 'users' }
}

export function userSessionsRequest(user: string, params: Params): ApiRequest<'userSessions'> {
  return { url: apiUrl(`/api/v1/users/${encodeURIComponent(user)}/sessions`, params), kind: 'userSessions' }
}

export function sessionRequest(id: string): ApiRequest<'session'> {
  return { url: `/api/v1/sessions/${encodeURIComponent(id)}`, kind: 'session' }
}

export function policyRequest(params: Params): ApiRequest<'policy'> {
  return { url: apiUrl('/api/v1/policy', params), kind: 'policy' }
}

export function reliabilityRequest(params: Params): ApiRequest<'reliability'> {
  return { url: apiUrl('/api/v1/reliability', params), kind: 'reliability' }
}

export function coverageRequest(params: Params): ApiRequest<'coverage'> {
  return { url: apiUrl('/api/v1/coverage', params), kind: 'coverage' }
}

export function denialsRequest(params: Params): ApiRequest<'denials'> {
  return { url: apiUrl('/api/v1/policy/denials', params), kind: 'denials' }
}

export function moversRequest(params: Params): ApiRequest<'movers'> {
  return { url: apiUrl('/api/v1/policy/movers', params), kind: 'movers' }
}

export function directoryRequest(): ApiRequest<'directory'> {
  return { url: '/api/v1/directory', kind: 'directory' }
}

export function budgetsRequest(): ApiRequest<'budgets'> {
  return { url: '/api/v1/budgets', kind: 'budgets' }
}

export function alertsRequest(): ApiRequest<'alerts'> {
  return { url: '/api/v1/alerts', kind: 'alerts' }
}

export function budgetHistoryRequest(id: string): ApiRequest<'budgetHistory'> {
  return { url: `/api/v1/budgets/${encodeURIComponent(id)}/history`, kind: 'budgetHistory' }
}

export function schedulesRequest(): ApiRequest<'schedules'> {
  return { url: '/api/v1/reports/schedules', kind: 'schedules' }
}

export function reconciliationRequest(params: Params): ApiRequest<'reconciliation'> {
  return { url: apiUrl('/api/v1/billing/reconciliation', params), kind: 'reconciliation' }
}

export function wasteRequest(params: Params): ApiRequest<'waste'> {
  return { url: apiUrl('/api/v1/waste', params), kind: 'waste' }
}

export function attributionRequest(params: Params): ApiRequest<'attribution'> {
  return { url: apiUrl('/api/v1/attribution', params), kind: 'attribution' }
}
