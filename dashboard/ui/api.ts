import { keepPreviousData, useIsFetching, useQuery, type Query, type QueryClient } from '@tanstack/react-query'
import type { z } from 'zod'
import { datasetResponseSchema, summaryResponseSchema, type DatasetName } from '../../schemas/analytics'
import { CSRF_HEADER, meResponseSchema, type LoginBody, type MeResponse } from '../../schemas/auth'
import { alertsResponseSchema, budgetHistoryResponseSchema, budgetSchema, budgetsResponseSchema, type Budget, type BudgetInput } from '../../schemas/budgets'
import { billingImportResponseSchema, reconciliationResponseSchema, type BillingImportResponse } from '../../schemas/billing'
import { directoryEntryResponseSchema, directoryLoadResponseSchema, directoryResponseSchema, type DirectoryEntry } from '../../schemas/directory'
import { metaResponseSchema, type MetaResponse } from '../../schemas/meta'
import { reliabilityResponseSchema } from '../../schemas/reliability'
import { scheduleSchema, schedulesResponseSchema, type Schedule, type ScheduleInput } from '../../schemas/reports'
import { wasteResponseSchema } from '../../schemas/waste'
import { attributionResponseSchema } from '../../schemas/attribution'
import { coverageResponseSchema, denialsResponseSchema, moversResponseSchema, policyResponseSchema } from '../../schemas/policy'
import { simulateResponseSchema, type SimulateResponse } from '../../schemas/simulate'
import { sessionResponseSchema, userSessionsResponseSchema, usersResponseSchema } from '../../schemas/users'
import { dropEarly, takeEarly } from './early'
import type { Params } from './filters'
import { metaPollInterval } from './prepare/loading'
import { apiUrl, datasetRequest, type ApiRequest, type ResponseKind, type Responses } from './requests'

export { apiUrl }

/**
 * The dashboard's only door to the API: typed fetchers (responses checked against the shared zod
 * schemas) behind TanStack Query hooks. Query keys are the URL, so identical panels share one request.
 */
export class ApiRequestError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly parameter?: string,
  ) {
    super(message)
  }
}

async function getJson<S extends z.ZodType>(url: string, schema: S): Promise<z.infer<S>> {
  let res: Response
  try {
    // The first load's requests may already be under way (early.ts).
    res = await (takeEarly(url) ?? fetch(url, { headers: { accept: 'application/json' } }))
  } catch {
    throw new ApiRequestError('ccscope did not answer: is it running?', 0)
  }
  const body: unknown = await res.json().catch(() => null)
  if (!res.ok) {
    const error = body as { message?: string; parameter?: string } | null
    throw new ApiRequestError(error?.message ?? `HTTP ${res.status}`, res.status, error?.parameter)
  }
  const parsed = schema.safeParse(body)
  if (!parsed.success) throw new ApiRequestError(`unexpected answer from ${url.split('?')[0]}: ${parsed.error.issues[0]?.message}`, res.status)
  return parsed.data
}

/** The query key prefix of the filter bar's option lists (teams, models, users): not part of what a page shows. */
export const OPTIONS_KEY = 'options'
const isPageQuery = (q: Query) => q.queryKey[0] !== OPTIONS_KEY

/** How many of the page's own queries are in flight (the filter bar's option lists left out). */
export function usePageFetching(): number {
  return useIsFetching({ predicate: isPageQuery })
}

/** How many of the page's panels' queries are in flight: the page's own, less who is signed in and the server facts. */
export function usePanelFetching(): number {
  return useIsFetching({ predicate: (q) => isPageQuery(q) && q.queryKey[0] !== ME_KEY[0] && q.queryKey[0] !== META_KEY[0] })
}

/**
 * A filter bar option list (a dataset grouped by team, model or user), loaded when `load` says so (the
 * filter bar waits for the page's own queries: components/FilterBar.tsx). The previous list stays while
 * the next one loads.
 */
export function useOptionList<D extends DatasetName>(dataset: D, params: Params, load: boolean) {
  const request = datasetRequest(dataset, params)
  return useQuery<Responses[D], ApiRequestError>({
    queryKey: [OPTIONS_KEY, request.url],
    queryFn: () => getJson(request.url, SCHEMAS[request.kind]),
    enabled: load,
    placeholderData: keepPreviousData,
  })
}

/** The shared zod schema that checks each kind of answer. */
const SCHEMAS: { [K in ResponseKind]: z.ZodType<Responses[K]> } = {
  summary: summaryResponseSchema,
  cost: datasetResponseSchema('cost'),
  adoption: datasetResponseSchema('adoption'),
  tools: datasetResponseSchema('tools'),
  users: usersResponseSchema,
  userSessions: userSessionsResponseSchema,
  session: sessionResponseSchema,
  policy: policyResponseSchema,
  movers: moversResponseSchema,
  denials: denialsResponseSchema,
  coverage: coverageResponseSchema,
  reliability: reliabilityResponseSchema,
  directory: directoryResponseSchema,
  budgets: budgetsResponseSchema,
  alerts: alertsResponseSchema,
  budgetHistory: budgetHistoryResponseSchema,
  schedules: schedulesResponseSchema,
  waste: wasteResponseSchema,
  attribution: attributionResponseSchema,
  reconciliation: reconciliationResponseSchema,
}

/** One request of a page (plans.ts), keyed by its URL. */
export function useApi<K extends ResponseKind>(request: ApiRequest<K>, enabled = true) {
  return useQuery<Responses[K], ApiRequestError>({ queryKey: [request.url], queryFn: () => getJson(request.url, SCHEMAS[request.kind]), enabled })
}

export const META_KEY = ['/api/v1/meta']

/** Server facts; asked again every few seconds while a history loads or nothing has arrived yet (prepare/loading.ts), else never. */
export function useMeta() {
  return useQuery<MetaResponse, ApiRequestError>({
    queryKey: META_KEY,
    queryFn: () => getJson('/api/v1/meta', metaResponseSchema),
    staleTime: Infinity,
    refetchInterval: (query) => metaPollInterval(query.state.data),
  })
}

/** The query key of the signed-in user; set to null when any request answers 401 (boot.tsx). */
export const ME_KEY = ['/api/v1/auth/me']

/** Who the dashboard acts for; null when nobody is signed in (the login page shows). */
export function useMe() {
  return useQuery<MeResponse | null, ApiRequestError>({
    queryKey: ME_KEY,
    queryFn: async () => {
      try {
        return await getJson('/api/v1/auth/me', meResponseSchema)
      } catch (error) {
        if (error instanceof ApiRequestError && error.status === 401) return null
        throw error
      }
    },
    staleTime: Infinity,
  })
}

/**
 * Another user (or none) from now on: set who is signed in, and drop every other cached answer, since
 * another user may see other teams. (The signed-in query is set, not removed, so that its observers hear.)
 */
export function switchUser(queryClient: QueryClient, me: MeResponse | null): void {
  dropEarly()
  queryClient.setQueryData(ME_KEY, me)
  queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== ME_KEY[0] })
}

/** Replaces the directory with these entries (admins; PUT /api/v1/directory): what was loaded, or the API's reason. */
export async function loadDirectory(entries: DirectoryEntry[]): Promise<z.infer<typeof directoryLoadResponseSchema>> {
  const res = await post('/api/v1/directory', { entries }, 'PUT')
  const body: unknown = await res.json().catch(() => null)
  if (!res.ok) throw new ApiRequestError((body as { message?: string } | null)?.message ?? `HTTP ${res.status}`, res.status)
  return directoryLoadResponseSchema.parse(body)
}

/** A billing import the API refused: its message and, for bad rows, every row named (prepare/reconciliation.ts). */
export class BillingImportError extends ApiRequestError {
  constructor(
    message: string,
    status: number,
    readonly body: unknown,
  ) {
    super(message, status)
  }
}

/** Imports billed usage (admin, finance; PUT /api/v1/billing/usage): Admin API pages as JSON, or a billing CSV. */
export async function importBilling(body: string, contentType: 'application/json' | 'text/csv'): Promise<BillingImportResponse> {
  let res: Response
  try {
    res = await fetch('/api/v1/billing/usage', {
      method: 'PUT',
      headers: { accept: 'application/json', [CSRF_HEADER]: 'ccscope', 'content-type': contentType },
      body,
    })
  } catch {
    throw new ApiRequestError('ccscope did not answer: is it running?', 0)
  }
  const answer: unknown = await res.json().catch(() => null)
  if (!res.ok) throw new BillingImportError((answer as { message?: string } | null)?.message ?? `HTTP ${res.status}`, res.status, answer)
  return billingImportResponseSchema.parse(answer)
}

/** Runs the policy simulator (admins; POST /api/v1/policy/simulate) on a settings file over the page's range and filters. */
export async function simulatePolicy(params: Params, settings: unknown): Promise<SimulateResponse> {
  const res = await post(apiUrl('/api/v1/policy/simulate', params), { settings })
  const body: unknown = await res.json().catch(() => null)
  if (!res.ok) throw new ApiRequestError((body as { message?: string } | null)?.message ?? `HTTP ${res.status}`, res.status)
  return simulateResponseSchema.parse(body)
}

/** Adds or edits one person's directory entry (admins). */
export async function saveDirectoryEntry(entry: DirectoryEntry): Promise<void> {
  const { user, ...fields } = entry
  const res = await post(`/api/v1/directory/entries/${encodeURIComponent(user)}`, fields, 'PUT')
  const body: unknown = await res.json().catch(() => null)
  if (!res.ok) throw new ApiRequestError((body as { message?: string } | null)?.message ?? `HTTP ${res.status}`, res.status)
  directoryEntryResponseSchema.parse(body)
}

export async function removeDirectoryEntry(user: string): Promise<void> {
  const res = await post(`/api/v1/directory/entries/${encodeURIComponent(user)}`, undefined, 'DELETE')
  if (!res.ok) throw new ApiRequestError(`not removed: HTTP ${res.status}`, res.status)
}

/** Creates a budget, or replaces the one with `id` (finance and admins). */
export async function saveBudget(input: BudgetInput, id?: string): Promise<Budget> {
  const res = await post(id ? `/api/v1/budgets/${encodeURIComponent(id)}` : '/api/v1/budgets', input, id ? 'PUT' : 'POST')
  const body: unknown = await res.json().catch(() => null)
  if (!res.ok) throw new ApiRequestError((body as { message?: string } | null)?.message ?? `HTTP ${res.status}`, res.status)
  return budgetSchema.parse(body)
}

export async function deleteBudget(id: string): Promise<void> {
  const res = await post(`/api/v1/budgets/${encodeURIComponent(id)}`, undefined, 'DELETE')
  if (!res.ok) throw new ApiRequestError(`not deleted: HTTP ${res.status}`, res.status)
}

export async function createSchedule(input: ScheduleInput): Promise<Schedule> {
  const res = await post('/api/v1/reports/schedules', input)
  const body: unknown = await res.json().catch(() => null)
  if (!res.ok) throw new ApiRequestError((body as { message?: string } | null)?.message ?? `HTTP ${res.status}`, res.status)
  return scheduleSchema.parse(body)
}

export async function deleteSchedule(id: string): Promise<void> {
  const res = await post(`/api/v1/reports/schedules/${encodeURIComponent(id)}`, undefined, 'DELETE')
  if (!res.ok) throw new ApiRequestError(`not deleted: HTTP ${res.status}`, res.status)
}

async function post(url: string, body?: unknown, method: 'POST' | 'PUT' | 'DELETE' = 'POST'): Promise<Response> {
  try {
    return await fetch(url, {
      method,
      // The header proves the request comes from the dashboard's own page (the server's CSRF check).
      headers: { accept: 'application/json', [CSRF_HEADER]: 'ccscope', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
  } catch {
    throw new ApiRequestError('ccscope did not answer: is it running?', 0)
  }
}

export async function signIn(credentials: LoginBody): Promise<MeResponse> {
  const res = await post('/api/v1/auth/login', credentials)
  const body: unknown = await res.json().catch(() => null)
  if (res.status === 401) throw new ApiRequestError('Wrong user name or password', 401)
  if (!res.ok) throw new ApiRequestError((body as { message?: string } | null)?.message ?? `HTTP ${res.status}`, res.status)
  return meResponseSchema.parse(body)
}

export async function signOut(): Promise<void> {
  const res = await post('/api/v1/auth/logout')
  if (!res.ok) throw new ApiRequestError(`sign-out failed: HTTP ${res.status}`, res.status)
}
