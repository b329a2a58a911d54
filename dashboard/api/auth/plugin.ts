import type { FastifyInstance, FastifyReply, FastifyRequest, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify'
import type { ApiError } from '../../../schemas/api'
import { CSRF_HEADER, isRouteKey, ROUTE_ACCESS, routeKey, type Access, type MeResponse } from '../../../schemas/auth'
import type { Logger } from '../../../runtime/logger'
import { Authenticator, type OpenMode, type Principal, type ProxyAuth } from './authenticate'
import { SessionStore } from './sessions'
import { UserStore } from './store'

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the access hook on every route that is not public. */
    principal: Principal | null
  }
  interface FastifyContextConfig {
    access?: Access
    routeKey?: string
  }
}

/** The API's Fastify instance (its logger is ccscope's pino logger). */
export type ApiApp = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, Logger>

export interface AuthOptions {
  usersFile: string
  proxy: ProxyAuth | undefined
  sessionTtlMs: number
  /** CCSCOPE_OPEN_MODE: with nothing configured, this machine acts as admin (on, or auto until a users file was configured); off, nobody gets in. */
  openMode?: 'auto' | 'on' | 'off'
  /** Auto mode's marker: a users file was configured once. */
  configuredMarker?: string
}

/** /api/v1/users/:user/sessions → /api/v1/users/{user}/sessions (the table's OpenAPI form). */
function openApiPath(url: string): string {
  return url.replace(/:(\w+)/g, '{$1}')
}

function send(reply: FastifyReply, status: number, body: ApiError): FastifyReply {
  return reply.code(status).header('cache-control', 'no-store').send(body)
}

function openModeOf(options: AuthOptions): OpenMode {
  const mode = options.openMode ?? 'off'
  if (mode !== 'auto') return { mode }
  if (!options.configuredMarker) throw new Error('CCSCOPE_OPEN_MODE=auto needs the marker file of a configured users file')
  return { mode, marker: options.configuredMarker }
}

/** The principal of a request that passed the access hook (every route that is not public has one). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new Error(`no principal on ${request.method} ${request.url}: is the route public?`)
  return request.principal
}

/**
 * Access control for the whole API, installed before any route is registered:
 * - every route gets its rule from ROUTE_ACCESS (schemas/auth.ts) as it is registered, and a route
 *   without one stops ccscope from starting. The built dashboard's static files are public.
 * - every request is then authenticated (401) and checked against its route's rule (403) before its
 *   body is read. Unknown URLs fall through to the not-found handler (the single-page app or a 404).
 * - a request that changes state and does not carry an API token must send the X-Requested-With
 *   header: a browser sends cookies (and passes an SSO proxy) on its own, but it cannot add that
 *   header to a cross-site request without CORS, which ccscope never grants.
 */
export function installAuth(app: ApiApp, options: AuthOptions, log: Logger): Authenticator {
  const users = new UserStore(options.usersFile, (error) => log.error({ err: error }, 'users file unreadable: keeping the users loaded before'))
  const auth = new Authenticator(users, new SessionStore(options.sessionTtlMs), options.proxy, openModeOf(options))
  app.decorateRequest('principal', null)

  app.addHook('onRoute', (route) => {
    // Fastify adds a HEAD route beside each GET one: it follows the GET route's rule.
    const methods = (Array.isArray(route.method) ? route.method : [route.method]).map((m) => (m === 'HEAD' ? 'GET' : m))
    const config = route.config ?? {}
    // @fastify/static registers one route per built file and marks it with its rootPath.
    if (typeof (config as { rootPath?: unknown }).rootPath === 'string') {
      route.config = { ...config, access: 'public', routeKey: `static ${route.url}` }
      return
    }
    const key = routeKey(methods[0] ?? 'GET', openApiPath(route.url))
    if (!isRouteKey(key)) throw new Error(`route ${key} has no entry in ROUTE_ACCESS (schemas/auth.ts): say who may use it`)
    route.config = { ...config, access: ROUTE_ACCESS[key], routeKey: key }
  })

  app.addHook('onRequest', async (request, reply) => {
    const config = request.routeOptions.config
    const access: Access | undefined = config.access ?? (request.is404 ? 'public' : undefined)
    if (access === undefined) return send(reply, 403, { error: 'forbidden', message: 'this route has no access rule' })
    const unsafe = !['GET', 'HEAD', 'OPTIONS'].includes(request.method)
    const forged = () => send(reply, 403, { error: 'csrf', message: `a request that changes state needs the ${CSRF_HEADER} header (or an API token)` })
    if (access === 'public') {
      if (unsafe && !auth.open && request.headers.authorization === undefined && !request.headers[CSRF_HEADER]) return forged()
      return
    }
    const result = auth.authenticate(request)
    if (!result.ok) {
      reply.header('www-authenticate', 'Bearer realm="ccscope"')
      return send(reply, 401, { error: 'unauthenticated', message: result.reason })
    }
    request.principal = result.principal
    const { role, via } = result.principal
    if (unsafe && (via === 'session' || via === 'proxy') && !request.headers[CSRF_HEADER]) return forged()
    if (access !== 'signed-in' && !access.includes(role))
      return send(reply, 403, { error: 'forbidden', message: `role ${role} may not use ${config.routeKey ?? request.url}` })
  })
  return auth
}

export function meOf(principal: Principal): MeResponse {
  return { user: principal.name, role: principal.role, teams: principal.teams, via: principal.via }
}
