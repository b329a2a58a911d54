import fs from 'node:fs'
import path from 'node:path'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import express, { type Response } from 'express'
import { z } from 'zod'
import {
  DATASETS,
  datasetParamsSchema,
  datasetQuerySchema,
  datasetResponseSchema,
  summaryParamsSchema,
  summaryQuerySchema,
  summaryResponseSchema,
  type DatasetName,
} from '../../schemas/analytics'
import type { ApiError } from '../../schemas/api'
import { metaResponseSchema, type MetaLoading } from '../../schemas/meta'
import { attributionParamsSchema, attributionQuerySchema, attributionResponseSchema } from '../../schemas/attribution'
import { wasteParamsSchema, wasteQuerySchema, wasteResponseSchema } from '../../schemas/waste'
import { simulateBodySchema, simulateParamsSchema, simulateQuerySchema, simulateResponseSchema } from '../../schemas/simulate'
import { directoryBodySchema, directoryLoadResponseSchema, directoryResponseSchema, toDirectoryBody } from '../../schemas/directory'
import {
  coverageParamsSchema,
  coverageQuerySchema,
  coverageResponseSchema,
  denialsParamsSchema,
  denialsQuerySchema,
  denialsResponseSchema,
  moversParamsSchema,
  moversQuerySchema,
  moversResponseSchema,
  policyParamsSchema,
  policyQuerySchema,
  policyResponseSchema,
} from '../../schemas/policy'
import { reliabilityParamsSchema, reliabilityQuerySchema, reliabilityResponseSchema } from '../../schemas/reliability'
import {
  ACTIVITY_SORTS,
  pathKeySchema,
  sessionResponseSchema,
  userSessionsParamsSchema,
  userSessionsQuerySchema,
  userSessionsResponseSchema,
  usersParamsSchema,
  usersQuerySchema,
  usersResponseSchema,
  USERS_EXPORT_MAX,
  usersExportParamsSchema,
  usersExportQuerySchema,
  seatsExportParamsSchema,
  seatsExportQuerySchema,
} from '../../schemas/users'
import type { ConnectionLimits } from '../../runtime/connections'
import { createHttpService, type HttpService } from '../../runtime/http-server'
import type { Logger } from '../../runtime/logger'
import type { Timeouts } from '../../runtime/timeouts'
import type { SelfMetrics } from '../../runtime/self-metrics'
import type { Warehouse } from '../../warehouse/client'
import type { Reader } from '../../warehouse/pool'
import { migrationsComplete } from '../../warehouse/migrate'
import { scopeOf, viewOf, type Principal } from './auth/authenticate'
import { createAuthenticator, principalOf, requireAccess, type AuthOptions } from './auth/access'
import { SharedAttempts } from './auth/attempts'
import { registerAuthRoutes } from './auth/routes'
import type { Notifier } from './budgets/notifier'
import { registerBudgetRoutes } from './budgets/routes'
import { registerReportRoutes } from './reports/routes'
import { registerBillingRoutes } from './billing/routes'
import type { Scope } from './datasets'
import { runDatasetQuery, type QueryContext } from './queries/dataset'
import { directoryCsvToObjects, loadDirectory, readDirectory } from './queries/directory'
import { registerDirectoryEntryRoutes } from './directory-entries'
import { querySession, queryUserSessions } from './queries/drilldown'
import { csvFileName, exportCsv } from './queries/export'
import { queryCoverage } from './queries/coverage'
import { queryDenials } from './queries/denials'
import { queryMovers, queryPolicy } from './queries/policy'
import { queryMeta } from './queries/meta'
import { queryReliability } from './queries/reliability'
import { warehouseSessionTable } from './queries/sessions'
import { simulatePolicy } from './queries/simulate'
import { querySummary } from './queries/summary'
import { queryUsers } from './queries/users'
import { queryWaste } from './queries/waste'
import { queryAttribution } from './queries/attribution'
import { exportUsersCsv, seatsCsv, seatsCsvFileName, TooManyUsers, usersCsvFileName } from './queries/users-export'
import { querySeatsByTeam } from './queries/seats'
import { ApiRouter, badRequest, invalidBody } from './router'

export { badRequest }
import { openApiDocument, type RouteSpec } from './routes'

export interface ApiOptions {
  client: Warehouse
  /** Where the analytics queries run (a pool of engine sessions in embedded mode); default the client. */
  reader?: Reader
  /** The clock answers are cut by (complete buckets only, schemas/periods.ts); tests set it. */
  now?: () => Date
  metrics: SelfMetrics
  log: Logger
  /** The collector's listeners, read when asked (the ports are known once they listen). */
  otlp?: { httpPort: number; grpcPort: number; authRequired: boolean }
  /** The built dashboard; served at / when it exists. */
  dashboardDir?: string
  /** Users file, SSO proxy and session length (server/config.ts, auth). */
  auth: AuthOptions
  /** With CCSCOPE_PSEUDONYMIZE_KEY: maps a directory's emails to the pseudonyms the collector stores. */
  pseudonymize?: (user: string) => string
  /** False while ccscope still waits for its warehouse (server mode): /readyz answers 503 meanwhile. */
  started?: () => boolean
  /** Headers, request and idle timeouts and connection limits of the port (server/timeouts.ts, server/connections.ts). */
  network?: { timeouts: Timeouts; connections: ConnectionLimits }
  /** A history loading in this process (the demo's), for /api/v1/meta. */
  loading?: () => MetaLoading | null
  /** Budget alerts (dashboard/api/budgets/notifier.ts): evaluated at once after a budget is saved. */
  notifier?: Notifier
  /** Reports can be e-mailed (CCSCOPE_SMTP_URL is set). */
  email?: boolean
}

const VERSION = (JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version

function answer(response: Response, status: number, body: ApiError): void {
  response.status(status).json(body)
}

const DIRECTORY_BODY_LIMIT = 64 * 1024 * 1024
/** Bodies of the other routes (sign-in): small JSON. */
const BODY_LIMIT = 1024 * 1024

/** The HTTP API (port 3000, express): health, readiness, ccscope's own metrics, the analytics endpoints and the built dashboard. */
export function createApi({
  client,
  reader = client,
  now = () => new Date(),
  metrics,
  log: parentLog,
  otlp,
  dashboardDir,
  auth: authOptions,
  pseudonymize,
  started,
  network,
  loading,
  notifier,
  email = false,
}: ApiOptions): HttpService {
  const log = parentLog.child({ component: 'api' })
  const app = express()
  app.disable('x-powered-by')
  // Answers carry cost and activity data and are never cached, so no ETag either.
  app.disable('etag')
  // Slow-loris clients (headers or body a byte at a time) and idle sockets are cut, as on the OTLP ports.
  const service = createHttpService(app, {
    timeouts: network?.timeouts ?? { headersMs: 10_000, requestMs: 30_000, idleMs: 30_000 },
    ...(network ? { connections: { port: 'api', limits: network.connections, metrics } } : {}),
  })
  const auth = createAuthenticator(authOptions, warehouseSessionTable(client, reader), parentLog.child({ component: 'auth' }))
  if (auth.open)
    log.warn(
      `no dashboard users, API tokens or SSO proxy are configured (users file ${authOptions.usersFile}), so the API and dashboard are open (CCSCOPE_OPEN_MODE), as admin, to requests from this machine only; add a user with \`npm run users -- add\``,
    )
  else if (!auth.enabled)
    log.warn(
      `no dashboard users, API tokens or SSO proxy are configured (users file ${authOptions.usersFile}): the API and dashboard refuse every request until a user is added with \`npm run users -- add\` (CCSCOPE_OPEN_MODE=true would let this machine in as admin)`,
    )

  app.use((request, response, next) => {
    if (service.closing) {
      response.setHeader('connection', 'close')
      return answer(response, 503, { error: 'unavailable', message: 'ccscope is shutting down' })
    }
    // Answers carry cost and activity data: no shared or browser cache keeps them (a route may say otherwise).
    if (request.path.startsWith('/api/')) response.setHeader('cache-control', 'no-store')
    next()
  })

  const indexHtml = dashboardDir ? path.join(dashboardDir, 'index.html') : undefined
  const dashboardBuilt = indexHtml !== undefined && fs.existsSync(indexHtml)
  if (dashboardBuilt) {
    // The built dashboard's files are public. Hashed assets never change; index.html always revalidates so a new build shows at once.
    app.use(
      express.static(dashboardDir!, {
        index: false,
        redirect: false,
        setHeaders: (response, file) => {
          response.setHeader('cache-control', file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache')
        },
      }),
    )
  }

  const router = new ApiRouter(app, auth)

  router.add('get', '/healthz', () => ({ status: 'ok' }))

  router.add('get', '/readyz', async (_request, response) => {
    if (started && !started()) return response.status(503).json({ status: 'waiting_for_warehouse' })
    try {
      await client.query({ query: 'SELECT 1', format: 'JSONEachRow' }).then((r) => r.json())
      if (!(await migrationsComplete(client))) return response.status(503).json({ status: 'migrating' })
      return { status: 'ready' }
    } catch (error) {
      return response.status(503).json({ status: 'unavailable', message: (error as Error).message })
    }
  })

  router.add('get', '/metrics', async (_request, response) => {
    const text = await metrics.registry.metrics()
    response.type(metrics.registry.contentType).send(text)
  })

  /**
   * Adds a GET route whose query (and path parameters) are parsed by zod before the handler runs.
   * The handler gets the request's scope: the teams a manager may read (null = every team).
   */
  function get<Q, P>(
    spec: Omit<RouteSpec, 'method'>,
    parse: { query?: z.ZodType<Q>; params?: z.ZodType<P> },
    handler: (input: { query: Q; params: P; scope: Scope; ctx: QueryContext; principal: Principal; response: Response }) => unknown,
  ) {
    const { path: routePath, ...rest } = spec
    router.add(
      'get',
      routePath,
      (request, response) => {
        const query = parse.query ? parse.query.safeParse(request.query ?? {}) : { success: true as const, data: undefined as Q }
        if (!query.success) return badRequest(response, query.error)
        const params = parse.params ? parse.params.safeParse(request.params ?? {}) : { success: true as const, data: undefined as P }
        if (!params.success) return badRequest(response, params.error)
        const principal = principalOf(response)
        const scope = scopeOf(principal)
        return handler({ query: query.data, params: params.data, scope, ctx: { client: reader, scope, now: now() }, principal, response })
      },
      { spec: rest },
    )
  }

  get(
    {
      path: '/api/v1/summary',
      summary: 'Headline figures',
      description:
        'The totals every other endpoint breaks down: users and sessions (adoption), requests, cost and tokens (cost), decisions and denials (tools).',
      tags: ['overview'],
      query: summaryParamsSchema,
      response: { schema: summaryResponseSchema, description: 'Headline figures for the range' },
    },
    { query: summaryQuerySchema },
    ({ query, ctx }) => querySummary(ctx, query),
  )

  const DATASET_DOCS: Record<DatasetName, { summary: string; description: string; tags: string[] }> = {
    cost: {
      summary: 'Cost and tokens',
      description:
        'Cost attribution for finance: by user, team, department, cost center, model, query source, agent, skill, plugin or MCP server, per hour/day/week/month.',
      tags: ['finance'],
    },
    adoption: {
      summary: 'Adoption',
      description: 'Active users (DAU/WAU/MAU with granularity day/week/month), sessions, prompts, active time, lines, commits, PRs, edit accept rate.',
      tags: ['adoption'],
    },
    tools: {
      summary: 'Tool decisions and results',
      description:
        'Decisions by tool and source, policy-denial rate per tool, team, user and day; top blocked commands (groupBy=command) and MCP servers (groupBy=mcpServer).',
      tags: ['policy'],
    },
  }

  for (const dataset of Object.keys(DATASETS) as DatasetName[]) {
    const params = datasetParamsSchema(dataset)
    const parse = datasetQuerySchema(dataset)
    const responseSchema = datasetResponseSchema(dataset)
    get(
      { path: `/api/v1/${dataset}`, ...DATASET_DOCS[dataset], query: params, response: { schema: responseSchema, description: 'Rows and totals' } },
      { query: parse },
      // The answer is checked against the schema the OpenAPI document publishes: what is sent is what it says.
      async ({ query, ctx }) => responseSchema.parse(await runDatasetQuery(ctx, query)),
    )
    get(
      {
        path: `/api/v1/${dataset}/export.csv`,
        summary: `${DATASET_DOCS[dataset].summary}: CSV export`,
        description:
          'The same query as the JSON endpoint, every group (limit is ignored), streamed. First column row_type: data rows, then one total row that equals the JSON totals and the summary. USD to the cent.',
        tags: DATASET_DOCS[dataset].tags,
        query: params,
        response: { contentType: 'text/csv', description: 'CSV with a header row' },
      },
      { query: parse },
      async ({ query, ctx, response }) => {
        const stream = await exportCsv(ctx, query)
        response.setHeader('content-type', 'text/csv; charset=utf-8')
        response.setHeader('content-disposition', `attachment; filename="${csvFileName(dataset, query)}"`)
        // A failure part way destroys the response: the client sees a cut download, not a short file.
        await pipeline(stream, response)
      },
    )
  }

  get(
    {
      path: '/api/v1/users',
      summary: 'Users: leaderboard, lifecycle and seats',
      description: 'Per user activity and cost; new (first seen in the range), returning, gone quiet; seat utilization from the directory.',
      tags: ['adoption'],
      query: usersParamsSchema,
      response: { schema: usersResponseSchema, description: 'Users' },
    },
    { query: usersQuerySchema },
    async ({ query, ctx, principal, response }) => {
      const view = viewOf(principal)
      if (view === 'cost' && ACTIVITY_SORTS.has(query.sort)) {
        const body: ApiError = { error: 'invalid_parameter', message: `sort: role finance reads per-user cost, not ${query.sort}`, parameter: 'sort' }
        return answer(response, 400, body)
      }
      return queryUsers(ctx, query, view)
    },
  )

  get(
    {
      path: '/api/v1/users/export.csv',
      summary: 'Users: a list as CSV (active, new, returning, gone quiet, never active)',
      description: `The Users and Adoption pages' lists for managers, with the same figures as GET /api/v1/users. Booleans as true/false; figures a role may not read, or a user does not report, are empty cells. At most ${USERS_EXPORT_MAX.toLocaleString('en-US')} people: more is a 400 asking to narrow the filters.`,
      tags: ['adoption'],
      query: usersExportParamsSchema,
      response: { contentType: 'text/csv', description: 'CSV with a header row' },
    },
    { query: usersExportQuerySchema },
    async ({ query, ctx, principal, response }) => {
      const view = viewOf(principal)
      if (view === 'cost' && ACTIVITY_SORTS.has(query.sort))
        return answer(response, 400, { error: 'invalid_parameter', message: `sort: role finance reads per-user cost, not ${query.sort}`, parameter: 'sort' })
      let stream: Readable
      try {
        stream = await exportUsersCsv(ctx, query, view)
      } catch (error) {
        if (error instanceof TooManyUsers) return answer(response, 400, { error: 'invalid_parameter', message: error.message })
        throw error
      }
      response.setHeader('content-type', 'text/csv; charset=utf-8')
      response.setHeader('content-disposition', `attachment; filename="${usersCsvFileName(query.list, query)}"`)
      await pipeline(stream, response)
    },
  )

  get(
    {
      path: '/api/v1/users/seats.csv',
      summary: 'Seat utilization per team, as CSV',
      description:
        "Per team of the directory: seats, seat holders active in the range, and their ratio (to 4 decimals), then a total row equal to GET /api/v1/users' seats. A 400 without a directory.",
      tags: ['adoption'],
      query: seatsExportParamsSchema,
      response: { contentType: 'text/csv', description: 'CSV with a header row' },
    },
    { query: seatsExportQuerySchema },
    async ({ query, ctx, response }) => {
      const teams = await querySeatsByTeam(ctx, query.range, query.filters)
      if (teams === null) return answer(response, 400, { error: 'invalid_parameter', message: 'no directory is loaded: seats are not known' })
      response.setHeader('content-type', 'text/csv; charset=utf-8')
      response.setHeader('content-disposition', `attachment; filename="${seatsCsvFileName(query)}"`)
      await pipeline(seatsCsv(teams), response)
    },
  )

  const userPath = z.strictObject({ user: pathKeySchema })
  get(
    {
      path: '/api/v1/users/{user}/sessions',
      summary: "A user's sessions",
      tags: ['drill-down'],
      query: userSessionsParamsSchema,
      params: userPath,
      response: { schema: userSessionsResponseSchema, description: 'Sessions active in the range, most recently active first' },
    },
    { query: userSessionsQuerySchema, params: userPath },
    ({ query, params, ctx, principal }) => queryUserSessions(ctx, params.user, query, viewOf(principal)),
  )

  const sessionPath = z.strictObject({ session: pathKeySchema })
  get(
    {
      path: '/api/v1/sessions/{session}',
      summary: 'One session: prompts → API requests → tool decisions and results',
      tags: ['drill-down'],
      params: sessionPath,
      response: { schema: sessionResponseSchema, description: 'The session and its timeline' },
    },
    { params: sessionPath },
    async ({ params, ctx, response }) =>
      (await querySession(ctx, params.session)) ?? answer(response, 404, { error: 'not_found', message: `no session ${params.session}` }),
  )

  get(
    {
      path: '/api/v1/policy',
      summary: 'Policy overview',
      description: 'Decisions by source, hook blocks, permission-mode changes and escalations to bypassPermissions, managed-settings sources per user.',
      tags: ['policy'],
      query: policyParamsSchema,
      response: { schema: policyResponseSchema, description: 'Policy overview' },
    },
    { query: policyQuerySchema },
    ({ query, ctx }) => queryPolicy(ctx, query),
  )

  get(
    {
      path: '/api/v1/policy/movers',
      summary: 'Week-over-week policy-denial movers',
      description:
        'Policy denials in the 7 days before `to` against the same span a week earlier (a week not over yet is compared up to the same point of the week before), per tool, command, MCP server, team or user.',
      tags: ['policy'],
      query: moversParamsSchema,
      response: { schema: moversResponseSchema, description: 'Movers, biggest increase first' },
    },
    { query: moversQuerySchema },
    ({ query, ctx }) => queryMovers(ctx, query),
  )

  get(
    {
      path: '/api/v1/coverage',
      summary: 'Coverage: Claude Code versions and managed settings per user and team',
      description:
        "Per user, the latest Claude Code version sent in the range and the managed-settings sources in force; per team, users below versionFloor and users without managed settings. The users are the Adoption page's active users.",
      tags: ['policy'],
      query: coverageParamsSchema,
      response: { schema: coverageResponseSchema, description: 'Users, teams and versions' },
    },
    { query: coverageQuerySchema },
    ({ query, ctx }) => queryCoverage(ctx, query),
  )

  get(
    {
      path: '/api/v1/reliability',
      summary: 'Reliability: API errors and refusals, sub-agents, skills, plugins, MCP servers, compactions, internal errors',
      description:
        'Per model and team: requests, errors (by status code), exhausted retries, refusals (by category) and the error rate; sub-agent completions by agent type; skills run by name and trigger; plugins enabled and installed; MCP server connections and failures by server; compactions; internal errors. Each section is null when not reported (no active user in the range sends events), which is not zero. docs/reliability.md names the event and attribute behind each figure.',
      tags: ['reliability'],
      query: reliabilityParamsSchema,
      response: { schema: reliabilityResponseSchema, description: 'Reliability by section' },
    },
    { query: reliabilityQuerySchema },
    ({ query, ctx }) => queryReliability(ctx, query),
  )

  get(
    {
      path: '/api/v1/policy/denials',
      summary: 'Who is behind a blocked command or MCP server',
      description:
        'The drill-down from the Policy page: the teams, users and sessions behind the policy denials of one Bash command (its first word, as Top blocked commands names it) or one MCP server.',
      tags: ['policy'],
      query: denialsParamsSchema,
      response: { schema: denialsResponseSchema, description: 'Teams, users and sessions, most denials first' },
    },
    { query: denialsQuerySchema },
    ({ query, ctx }) => queryDenials(ctx, query),
  )

  get(
    {
      path: '/api/v1/attribution',
      summary: 'Cost by repository, workflow run or entrypoint',
      description:
        "From the api_request events' attributes (vcs.repository.*, workflow.run_id / cicd.pipeline.run.id, app.entrypoint; docs/attribution.md), per UTC day. The Cost page's total for the same days is beside it; cost known only from metrics cannot be attributed and is stated apart.",
      tags: ['finance'],
      query: attributionParamsSchema,
      response: { schema: attributionResponseSchema, description: 'Groups, largest cost first' },
    },
    { query: attributionQuerySchema },
    async ({ query, ctx }) => attributionResponseSchema.parse(await queryAttribution(ctx, query)),
  )

  get(
    {
      path: '/api/v1/waste',
      summary: 'Waste patterns, priced: denial loops, costly sessions with no accepted edit, retry storms, runaway sub-agents',
      description:
        'Each pattern with the rule that detects it, how it is priced (or why it cannot be), the sessions and occurrences in the range, USD in the range and per 30 days, and the sessions with the most waste.',
      tags: ['policy'],
      query: wasteParamsSchema,
      response: { schema: wasteResponseSchema, description: 'Patterns' },
    },
    { query: wasteQuerySchema },
    async ({ query, ctx }) => wasteResponseSchema.parse(await queryWaste(ctx, query)),
  )

  router.add(
    'post',
    '/api/v1/policy/simulate',
    async (request, response) => {
      const query = simulateQuerySchema.safeParse(request.query ?? {})
      if (!query.success) return badRequest(response, query.error)
      const body = simulateBodySchema.safeParse(request.body)
      if (!body.success) return invalidBody(response, body.error)
      const scope = scopeOf(principalOf(response))
      return simulatePolicy({ client: reader, scope, now: now() }, query.data, body.data)
    },
    {
      spec: {
        summary: 'Policy simulator: what a settings file would allow, ask about or deny',
        description:
          "Send a managed-settings.json (or any settings.json) as { settings }: its permissions.allow / ask / deny rules decide every tool call recorded in the range, in Claude Code's order (deny, then ask, then allow; first match wins), and the answer compares that with what happened, names who a change would affect, and says which rule most likely fired for each recorded policy denial. Calls recorded without OTEL_LOG_TOOL_DETAILS carry no command, so rules with a specifier count them as unknown; path and domain rules cannot be checked from telemetry.",
        tags: ['policy'],
        query: simulateParamsSchema,
        body: { 'application/json': simulateBodySchema },
        response: { schema: simulateResponseSchema, description: 'The simulation' },
      },
      body: [express.json({ limit: BODY_LIMIT })],
    },
  )

  get(
    {
      path: '/api/v1/meta',
      summary: 'Server version, OTLP listeners and how much data is stored',
      tags: ['overview'],
      response: { schema: metaResponseSchema, description: 'Meta' },
    },
    {},
    ({ scope }) => queryMeta(reader, VERSION, otlp ?? { httpPort: 4318, grpcPort: 4317, authRequired: false }, scope, loading?.() ?? null),
  )

  get(
    { path: '/api/v1/directory', summary: 'The loaded directory', tags: ['directory'], response: { schema: directoryResponseSchema, description: 'Entries' } },
    {},
    () => readDirectory(client),
  )

  const directorySpec: Omit<RouteSpec, 'method' | 'path'> = {
    summary: 'Load (replace) the directory',
    description:
      'JSON: an array of entries or { entries }. CSV: header user,display_name,team,department,cost_center,manager,seat. The load replaces the previous one; an empty list clears it.',
    tags: ['directory'],
    body: {
      'application/json': directoryBodySchema,
      'text/csv': z.string().meta({ description: 'Header user,display_name,team,department,cost_center,manager,seat; one person per row.' }),
    },
    response: { schema: directoryLoadResponseSchema, description: 'What was loaded' },
  }
  router.add(
    'put',
    '/api/v1/directory',
    async (request, response) => {
      let raw: unknown = request.body
      // No body parser took it: a content type the route does not read.
      if (raw === undefined)
        return answer(response, 415, {
          error: 'unsupported_media_type',
          message: `send application/json or text/csv, not "${request.headers['content-type'] ?? ''}"`,
        })
      if (typeof raw === 'string') {
        try {
          raw = directoryCsvToObjects(raw)
        } catch (error) {
          const body: ApiError = { error: 'invalid_body', message: `CSV: ${(error as Error).message}` }
          return answer(response, 400, body)
        }
      }
      const parsed = directoryBodySchema.safeParse(toDirectoryBody(raw))
      if (!parsed.success) return invalidBody(response, parsed.error)
      const entries = pseudonymize ? parsed.data.map((e) => ({ ...e, user: pseudonymize(e.user) })) : parsed.data
      if (pseudonymize) {
        // Pseudonyms ignore case and spaces: two entries the schema saw as different may be one person.
        const seen = new Map<string, string>()
        for (const [i, e] of entries.entries()) {
          const original = parsed.data[i]?.user ?? ''
          const first = seen.get(e.user)
          if (first !== undefined) {
            const body: ApiError = {
              error: 'invalid_parameter',
              message: `user: ${original} and ${first} are the same person (emails are compared without case when pseudonymised); keep one`,
            }
            return answer(response, 400, body)
          }
          seen.set(e.user, original)
        }
      }
      return loadDirectory(client, entries)
    },
    {
      spec: directorySpec,
      body: [express.json({ limit: DIRECTORY_BODY_LIMIT }), express.text({ type: ['text/csv', 'text/plain'], limit: DIRECTORY_BODY_LIMIT })],
    },
  )

  registerDirectoryEntryRoutes(router, { client, json: express.json({ limit: BODY_LIMIT }), ...(pseudonymize ? { pseudonymize } : {}) })
  registerAuthRoutes(router, auth, express.json({ limit: BODY_LIMIT }), new SharedAttempts(client))
  registerBudgetRoutes(router, { client, reader, now, ...(notifier ? { notifier } : {}), json: express.json({ limit: BODY_LIMIT }) })
  registerReportRoutes(router, { client, reader, now, ...(notifier ? { notifier } : {}), json: express.json({ limit: BODY_LIMIT }), badRequest, email })
  registerBillingRoutes(router, { client, reader, now, pseudonymize })

  const document = openApiDocument(router.specs, VERSION)
  router.add('get', '/api/openapi.json', () => document)

  // Unknown URLs: the single-page app for the dashboard's own routes (/cost, /users/…), else a 404.
  // They go through the public access check (a state-changing request still needs the CSRF header).
  app.use(requireAccess(auth, 'public', 'not found'), (request, response) => {
    const isApi = /^\/(api|healthz|readyz|metrics)(\/|$|\?)/.test(request.url)
    if (!isApi && (request.method === 'GET' || request.method === 'HEAD')) {
      if (dashboardBuilt) {
        response.setHeader('cache-control', 'no-cache')
        return response.type('html').sendFile(indexHtml!)
      }
      return response
        .status(503)
        .type('html')
        .send(
          '<!doctype html><title>ccscope</title><p>The dashboard is not built. <code>npm start</code> builds it; or run <code>npm run build</code>. The API is at <a href="/api/openapi.json">/api/openapi.json</a>.</p>',
        )
    }
    answer(response, 404, { error: 'not_found', message: `no route ${request.method} ${request.url}` })
  })

  // Errors: a bad body (400, 413, 415 from the body parsers) says what is wrong; anything else is logged and answered 500.
  app.use((error: Error & { status?: number; statusCode?: number }, _request: express.Request, response: Response, _next: express.NextFunction) => {
    const code = error.status ?? error.statusCode
    const status = code && code >= 400 && code < 500 ? code : 500
    if (status === 500) log.error({ err: error }, 'API request failed')
    if (response.headersSent) {
      response.destroy()
      return
    }
    answer(response, status, { error: status === 500 ? 'internal_error' : 'bad_request', message: status === 500 ? 'internal error' : error.message })
  })

  return service
}
