import fs from 'node:fs'
import path from 'node:path'
import fastifyStatic from '@fastify/static'
import Fastify, { LogController, type FastifyReply, type FastifyRequest } from 'fastify'
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
import { directoryBodySchema, directoryLoadResponseSchema, directoryResponseSchema, toDirectoryBody } from '../../schemas/directory'
import { moversParamsSchema, moversQuerySchema, moversResponseSchema, policyParamsSchema, policyQuerySchema, policyResponseSchema } from '../../schemas/policy'
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
} from '../../schemas/users'
import { ConnectionGuard, type ConnectionLimits } from '../../runtime/connections'
import type { Logger } from '../../runtime/logger'
import { httpTimeoutOptions, type Timeouts } from '../../runtime/timeouts'
import type { SelfMetrics } from '../../runtime/self-metrics'
import type { Warehouse } from '../../warehouse/client'
import type { Reader } from '../../warehouse/pool'
import { migrationsComplete } from '../../warehouse/migrate'
import { scopeOf, viewOf } from './auth/authenticate'
import { installAuth, principalOf, type AuthOptions } from './auth/plugin'
import { registerAuthRoutes } from './auth/routes'
import type { Scope } from './datasets'
import { runDatasetQuery, type QueryContext } from './queries/dataset'
import { directoryCsvToObjects, loadDirectory, readDirectory } from './queries/directory'
import { querySession, queryUserSessions } from './queries/drilldown'
import { csvFileName, exportCsv } from './queries/export'
import { queryMovers, queryPolicy } from './queries/policy'
import { queryMeta } from './queries/meta'
import { querySummary } from './queries/summary'
import { queryUsers } from './queries/users'
import { fastifyPath, openApiDocument, type RouteSpec } from './routes'

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
}

const VERSION = (JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version

/** 400 naming the first bad parameter. */
export function badRequest(reply: FastifyReply, error: z.ZodError): FastifyReply {
  const issue = error.issues[0]
  const parameter = issue?.path[0] !== undefined ? String(issue.path[0]) : undefined
  const message = issue?.code === 'unrecognized_keys' ? `unknown parameter ${issue.keys.join(', ')}` : (issue?.message ?? 'invalid request')
  const name = issue?.code === 'unrecognized_keys' ? issue.keys[0] : parameter
  const body: ApiError = {
    error: 'invalid_parameter',
    message: name ? `${name}: ${message}` : message,
    ...(name ? { parameter: name } : {}),
  }
  return reply.code(400).send(body)
}

function notFound(reply: FastifyReply, message: string): FastifyReply {
  const body: ApiError = { error: 'not_found', message }
  return reply.code(404).send(body)
}

const DIRECTORY_BODY_LIMIT = 64 * 1024 * 1024

/** The HTTP API (port 3000): health, readiness, ccscope's own metrics and the analytics endpoints. */
export async function createApi({
  client,
  reader = client,
  now = () => new Date(),
  metrics,
  log,
  otlp,
  dashboardDir,
  auth: authOptions,
  pseudonymize,
  started,
  network,
  loading,
}: ApiOptions) {
  const app = Fastify({
    loggerInstance: log.child({ component: 'api' }),
    logController: new LogController({ disableRequestLogging: true }),
    routerOptions: { maxParamLength: 400 },
    // Slow-loris clients (headers or body a byte at a time) and idle sockets are cut, as on the OTLP ports.
    ...httpTimeoutOptions(network?.timeouts ?? { headersMs: 10_000, requestMs: 30_000, idleMs: 30_000 }),
  })
  if (network) new ConnectionGuard('api', network.connections, metrics).guard(app.server)
  // Before any route: every route registered from here on gets its access rule (auth/plugin.ts).
  const auth = installAuth(app, authOptions, log.child({ component: 'auth' }))
  if (auth.open)
    log.warn(
      `no dashboard users, API tokens or SSO proxy are configured (users file ${authOptions.usersFile}), so the API and dashboard are open (CCSCOPE_OPEN_MODE), as admin, to requests from this machine only; add a user with \`npm run users -- add\``,
    )
  else if (!auth.enabled)
    log.warn(
      `no dashboard users, API tokens or SSO proxy are configured (users file ${authOptions.usersFile}): the API and dashboard refuse every request until a user is added with \`npm run users -- add\` (CCSCOPE_OPEN_MODE=true would let this machine in as admin)`,
    )
  // Answers carry cost and activity data: no shared or browser cache keeps them.
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.url.startsWith('/api/') && !reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store')
    return payload
  })
  app.addContentTypeParser(['text/csv', 'text/plain'], { parseAs: 'string', bodyLimit: DIRECTORY_BODY_LIMIT }, (_req, body, done) => done(null, body))

  app.get('/healthz', async () => ({ status: 'ok' }))

  app.get('/readyz', async (_request, reply) => {
    if (started && !started()) return reply.code(503).send({ status: 'waiting_for_warehouse' })
    try {
      await client.query({ query: 'SELECT 1', format: 'JSONEachRow' }).then((r) => r.json())
      if (!(await migrationsComplete(client))) return reply.code(503).send({ status: 'migrating' })
      return { status: 'ready' }
    } catch (error) {
      return reply.code(503).send({ status: 'unavailable', message: (error as Error).message })
    }
  })

  app.get('/metrics', async (_request, reply) => {
    reply.type(metrics.registry.contentType)
    return metrics.registry.metrics()
  })

  const routes: RouteSpec[] = []

  /**
   * Registers a GET route whose query (and path parameters) are parsed by zod before the handler runs.
   * The handler gets the request's scope: the teams a manager may read (null = every team).
   */
  function get<Q, P>(
    spec: Omit<RouteSpec, 'method'>,
    parse: { query?: z.ZodType<Q>; params?: z.ZodType<P> },
    handler: (input: { query: Q; params: P; scope: Scope; ctx: QueryContext; request: FastifyRequest; reply: FastifyReply }) => Promise<unknown>,
  ) {
    routes.push({ ...spec, method: 'get' })
    app.get(fastifyPath(spec.path), async (request, reply) => {
      const query = parse.query ? parse.query.safeParse(request.query ?? {}) : { success: true as const, data: undefined as Q }
      if (!query.success) return badRequest(reply, query.error)
      const params = parse.params ? parse.params.safeParse(request.params ?? {}) : { success: true as const, data: undefined as P }
      if (!params.success) return badRequest(reply, params.error)
      const scope = scopeOf(principalOf(request))
      return handler({ query: query.data, params: params.data, scope, ctx: { client: reader, scope, now: now() }, request, reply })
    })
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
      async ({ query, ctx, reply }) => {
        const stream = await exportCsv(ctx, query)
        reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${csvFileName(dataset, query)}"`)
        return reply.send(stream)
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
    async ({ query, ctx, request, reply }) => {
      const view = viewOf(principalOf(request))
      if (view === 'cost' && ACTIVITY_SORTS.has(query.sort)) {
        const body: ApiError = { error: 'invalid_parameter', message: `sort: role finance reads per-user cost, not ${query.sort}`, parameter: 'sort' }
        return reply.code(400).send(body)
      }
      return queryUsers(ctx, query, view)
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
    ({ query, params, ctx, request }) => queryUserSessions(ctx, params.user, query, viewOf(principalOf(request))),
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
    async ({ params, ctx, reply }) => (await querySession(ctx, params.session)) ?? notFound(reply, `no session ${params.session}`),
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

  routes.push({
    method: 'put',
    path: '/api/v1/directory',
    summary: 'Load (replace) the directory',
    description:
      'JSON: an array of entries or { entries }. CSV: header user,display_name,team,department,cost_center,seat. The load replaces the previous one; an empty list clears it.',
    tags: ['directory'],
    body: {
      'application/json': directoryBodySchema,
      'text/csv': z.string().meta({ description: 'Header user,display_name,team,department,cost_center,seat; one person per row.' }),
    },
    response: { schema: directoryLoadResponseSchema, description: 'What was loaded' },
  })
  app.put('/api/v1/directory', { bodyLimit: DIRECTORY_BODY_LIMIT }, async (request, reply) => {
    let raw: unknown = request.body
    if (typeof raw === 'string') {
      try {
        raw = directoryCsvToObjects(raw)
      } catch (error) {
        const body: ApiError = { error: 'invalid_body', message: `CSV: ${(error as Error).message}` }
        return reply.code(400).send(body)
      }
    }
    const parsed = directoryBodySchema.safeParse(toDirectoryBody(raw))
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      const body: ApiError = { error: 'invalid_body', message: `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}` }
      return reply.code(400).send(body)
    }
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
          return reply.code(400).send(body)
        }
        seen.set(e.user, original)
      }
    }
    return loadDirectory(client, entries)
  })

  registerAuthRoutes(app, auth, routes)

  const document = openApiDocument(routes, VERSION)
  app.get('/api/openapi.json', async () => document)

  const indexHtml = dashboardDir ? path.join(dashboardDir, 'index.html') : undefined
  const dashboardBuilt = indexHtml !== undefined && fs.existsSync(indexHtml)
  if (dashboardBuilt) {
    await app.register(fastifyStatic, {
      root: dashboardDir!,
      wildcard: false,
      setHeaders: (res, file) => {
        // Hashed assets never change; index.html always revalidates so a new build shows at once.
        res.header('cache-control', file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache')
      },
    })
  }

  app.setNotFoundHandler((request, reply) => {
    const isApi = /^\/(api|healthz|readyz|metrics)(\/|$|\?)/.test(request.url)
    if (!isApi && request.method === 'GET') {
      // The dashboard's own routes (/cost, /users/…) are the single-page app.
      if (dashboardBuilt) return reply.type('text/html').header('cache-control', 'no-cache').sendFile('index.html')
      return reply
        .code(503)
        .type('text/html')
        .send(
          '<!doctype html><title>ccscope</title><p>The dashboard is not built. <code>npm start</code> builds it; or run <code>npm run build</code>. The API is at <a href="/api/openapi.json">/api/openapi.json</a>.</p>',
        )
    }
    const body: ApiError = { error: 'not_found', message: `no route ${request.method} ${request.url}` }
    return reply.code(404).send(body)
  })

  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    const status = error.statusCode && error.statusCode < 500 ? error.statusCode : 500
    if (status === 500) request.log.error({ err: error }, 'API request failed')
    const body: ApiError = { error: status === 500 ? 'internal_error' : 'bad_request', message: status === 500 ? 'internal error' : error.message }
    reply.code(status).send(body)
  })

  return app
}
