import type { RequestHandler, Response } from 'express'
import type { ApiError } from '../../../schemas/api'
import { CSRF_HEADER, type Access, type MeResponse } from '../../../schemas/auth'
import type { Logger } from '../../../runtime/logger'
import { Authenticator, type OpenMode, type Principal, type ProxyAuth } from './authenticate'
import { SessionStore, type SessionTable } from './sessions'
import { UserStore } from './store'

export interface AuthOptions {
  usersFile: string
  proxy: ProxyAuth | undefined
  sessionTtlMs: number
  /** CCSCOPE_OPEN_MODE: with nothing configured, this machine acts as admin (on, or auto until a users file was configured); off, nobody gets in. */
  openMode?: 'auto' | 'on' | 'off'
  /** Auto mode's marker: a users file was configured once. */
  configuredMarker?: string
}

function openModeOf(options: AuthOptions): OpenMode {
  const mode = options.openMode ?? 'off'
  if (mode !== 'auto') return { mode }
  if (!options.configuredMarker) throw new Error('CCSCOPE_OPEN_MODE=auto needs the marker file of a configured users file')
  return { mode, marker: options.configuredMarker }
}

/** `sessions`: where sign-in sessions are kept (the warehouse's dashboard_sessions table, shared by every instance). */
export function createAuthenticator(options: AuthOptions, sessions: SessionTable, log: Logger): Authenticator {
  const users = new UserStore(options.usersFile, (error) => log.error({ err: error }, 'users file unreadable: keeping the users loaded before'))
  return new Authenticator(users, new SessionStore(options.sessionTtlMs, sessions), options.proxy, openModeOf(options))
}

function deny(response: Response, status: number, body: ApiError): void {
  response.status(status).setHeader('cache-control', 'no-store')
  response.json(body)
}

/** The principal of a request that passed its route's access check (every route that is not public has one). */
export function principalOf(response: Response): Principal {
  const principal: unknown = response.locals.principal
  if (!principal) throw new Error(`no principal on ${response.req.method} ${response.req.url}: is the route public?`)
  return principal as Principal
}

/**
 * A route's access check, run before its body is read (the router, dashboard/api/router.ts, gives every
 * route one from ROUTE_ACCESS, and unknown URLs get the public one):
 * - the request is authenticated (401) and its role checked against the route's rule (403);
 * - a request that changes state and does not carry an API token must send the X-Requested-With
 *   header: a browser sends cookies (and passes an SSO proxy) on its own, but it cannot add that
 *   header to a cross-site request without CORS, which ccscope never grants.
 */
export function requireAccess(auth: Authenticator, access: Access, key: string): RequestHandler {
  return async (request, response, next) => {
    const unsafe = !['GET', 'HEAD', 'OPTIONS'].includes(request.method)
    const forged = () => deny(response, 403, { error: 'csrf', message: `a request that changes state needs the ${CSRF_HEADER} header (or an API token)` })
    if (access === 'public') {
      if (unsafe && !auth.open && request.headers.authorization === undefined && !request.headers[CSRF_HEADER]) return forged()
      return next()
    }
    const result = await auth.authenticate(request)
    if (!result.ok) {
      response.setHeader('www-authenticate', 'Bearer realm="ccscope"')
      return deny(response, 401, { error: 'unauthenticated', message: result.reason })
    }
    response.locals.principal = result.principal
    const { role, via } = result.principal
    if (unsafe && (via === 'session' || via === 'proxy') && !request.headers[CSRF_HEADER]) return forged()
    if (access !== 'signed-in' && !access.includes(role)) return deny(response, 403, { error: 'forbidden', message: `role ${role} may not use ${key}` })
    next()
  }
}

export function meOf(principal: Principal): MeResponse {
  return { user: principal.name, role: principal.role, teams: principal.teams, via: principal.via }
}
