import fs from 'node:fs'
import path from 'node:path'
import express, { type Response } from 'express'
import compression from 'compression'
import expressStaticGzip from 'express-static-gzip'
import { metaResponseSchema, type MetaLoading } from '../../schemas/meta'
import type { ConnectionLimits } from '../../runtime/connections'
import { createHttpService, type HttpService } from '../../runtime/http-server'
import type { Logger } from '../../runtime/logger'
import type { Timeouts } from '../../runtime/timeouts'
import type { SelfMetrics } from '../../runtime/self-metrics'
import type { Warehouse } from '../../warehouse/client'
import type { Reader } from '../../warehouse/pool'
import { migrationsComplete } from '../../warehouse/migrate'
import { createAuthenticator, requireAccess, type AuthOptions } from './auth/access'
import { SharedAttempts } from './auth/attempts'
import { registerAuthRoutes } from './auth/routes'
import type { Notifier } from './budgets/notifier'
import { registerBudgetRoutes } from './budgets/routes'
import { registerReportRoutes } from './reports/routes'
import { registerBillingRoutes } from './billing/routes'
import { registerDirectoryEntryRoutes } from './directory-entries'
import { queryMeta } from './queries/meta'
import { warehouseSessionTable } from './queries/sessions'
import { ApiRouter, badRequest } from './router'
import { openApiDocument } from './routes'
import { answer, queryGet } from './query-routes'
import { registerAnalyticsRoutes } from './analytics-routes'
import { registerUserRoutes } from './users-routes'
import { registerPolicyRoutes } from './policy-routes'
import { registerDirectoryRoutes } from './directory-routes'

export interface ApiOptions {
  client: Warehouse
  /** Where the analytics queries run (a pool of engine sessions in embedded mode); default the client. */
  reader?: Reader
  /** Makes a directory load just stored the one the reads join (warehouse/directory-now.ts). */
  reloadDirectory: () => Promise<void>
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

/** API answers smaller than this go as they are: compressing them saves less than their headers weigh. */
const API_COMPRESS_MIN_BYTES = 4096

/** Bodies of the other routes (sign-in): small JSON. */
const BODY_LIMIT = 1024 * 1024

/** The HTTP API (port 3000, express): health, readiness, ccscope's own metrics, the analytics endpoints and the built dashboard. */
export function createApi({
  client,
  reader = client,
  reloadDirectory,
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
  // API answers of 4 KiB and more go compressed to a client that accepts it (brotli or gzip, the `compression`
  // middleware): a 160 kB cost-by-user answer is ~20 kB on a user's network for ~1–2 ms of CPU, and a CSV export
  // streams compressed. The dashboard's own files are compressed at build time (below), not here.
  app.use(
    compression({
      threshold: API_COMPRESS_MIN_BYTES,
      filter: (request, response) => request.path.startsWith('/api/') && compression.filter(request, response),
    }),
  )

  const indexHtml = dashboardDir ? path.join(dashboardDir, 'index.html') : undefined
  const dashboardBuilt = indexHtml !== undefined && fs.existsSync(indexHtml)
  if (dashboardBuilt) {
    // The built dashboard's files are public. Hashed assets never change; index.html always revalidates so a new build shows at once.
    // Each asset is sent as the build compressed it (brotli or gzip beside it, scripts/build-dashboard.ts) to a browser
    // that accepts it: a third of the bytes over a user's network, and no compression work per request.
    app.use(
      expressStaticGzip(dashboardDir!, {
        enableBrotli: true,
        orderPreference: ['br', 'gzip'],
        index: false,
        serveStatic: {
          index: false,
          redirect: false,
          setHeaders: (response, file) => {
            response.setHeader('cache-control', file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache')
          },
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

  // A GET route whose query (and path parameters) zod parses before the handler runs (query-routes.ts).
  const get = queryGet(router, reader, now)
  registerAnalyticsRoutes(get)
  registerUserRoutes(get)
  registerPolicyRoutes(get, router, { reader, now })

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

  registerDirectoryRoutes(get, router, { client, reloadDirectory, pseudonymize })
  registerDirectoryEntryRoutes(router, { client, reloadDirectory, json: express.json({ limit: BODY_LIMIT }), ...(pseudonymize ? { pseudonymize } : {}) })
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
