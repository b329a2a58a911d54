import fs from 'node:fs'
import type { IncomingHttpHeaders } from 'node:http'
import type { MeResponse, Role } from '../../../schemas/auth'
import type { Scope, UserView } from '../datasets'
import { AddressList, isLoopback } from './addresses'
import { isLoopbackHost } from '../../../runtime/host'
import { credentialOf, readCookie, SESSION_COOKIE, type SessionStore } from './sessions'
import type { UserStore, UsersFile } from './store'

/** Who a request acts for. */
export interface Principal {
  name: string
  role: Role
  /** A manager's teams; every query they run is restricted to these. */
  teams: string[]
  via: MeResponse['via']
}

/** A manager's queries are restricted to their teams; every other role reads every team. */
export function scopeOf(principal: Principal): Scope {
  return principal.role === 'manager' ? { teams: principal.teams } : null
}

/** Finance reads per-user cost, not per-user activity (datasets.ts, UserView). */
export function viewOf(principal: Principal): UserView {
  return principal.role === 'finance' ? 'cost' : 'full'
}

export interface ProxyAuth {
  /** Lower-case header name, e.g. x-forwarded-email. */
  header: string
  trusted: string[]
  defaultRole: Role | undefined
}

/** What authentication reads of a request: its headers and the address it came from. */
export interface Credentials {
  headers: IncomingHttpHeaders
  socket: { remoteAddress?: string | undefined }
}

export type Authentication = { ok: true; principal: Principal } | { ok: false; reason: string }

/**
 * Resolves a request's credentials, in this order: an API token (Authorization: Bearer), the user a
 * trusted proxy names in its header, the session cookie. Credentials that are presented but wrong are
 * refused rather than passed over. With no user, token or proxy configured, ccscope is open only when
 * CCSCOPE_OPEN_MODE says so (requests from this machine act as admin, anything else is refused);
 * otherwise every request is refused, so that a users file deleted or emptied by mistake closes the
 * dashboard instead of opening it.
 */
/** CCSCOPE_OPEN_MODE (server/config.ts): on, off, or auto with the marker that remembers a configured users file. */
export type OpenMode = { mode: 'on' | 'off' } | { mode: 'auto'; marker: string }

export class Authenticator {
  private readonly proxies: AddressList | undefined

  constructor(
    readonly users: UserStore,
    readonly sessions: SessionStore,
    readonly proxy: ProxyAuth | undefined,
    readonly openMode: OpenMode = { mode: 'off' },
  ) {
    this.proxies = proxy ? new AddressList(proxy.trusted) : undefined
  }

  /**
   * Whether a machine-local request may act as admin while nothing is configured: CCSCOPE_OPEN_MODE on; or
   * auto, until a users file has been configured once (its marker, written the first time one is seen).
   */
  private mayOpen(): boolean {
    if (this.openMode.mode !== 'auto') return this.openMode.mode === 'on'
    return !fs.existsSync(this.openMode.marker)
  }

  /** In auto mode, remembers that a users file was configured: from now on an empty one closes the API. */
  private remember(): void {
    if (this.openMode.mode !== 'auto' || this.remembered) return
    this.remembered = true
    try {
      if (!fs.existsSync(this.openMode.marker)) fs.writeFileSync(this.openMode.marker, `users file configured ${new Date().toISOString()}\n`, { mode: 0o600 })
    } catch {
      this.remembered = false
    }
  }

  private remembered = false

  /** Authentication is on once any user or token exists, or a proxy header is configured. */
  get enabled(): boolean {
    const enabled = this.enabledFor(this.users.current())
    if (enabled) this.remember()
    return enabled
  }

  /** Open to this machine as admin: nothing configured, and CCSCOPE_OPEN_MODE on (or auto, never configured). */
  get open(): boolean {
    return !this.enabled && this.mayOpen()
  }

  private enabledFor(file: UsersFile): boolean {
    return this.proxy !== undefined || file.users.length > 0 || file.tokens.length > 0
  }

  /** The request came straight from a proxy listed in CCSCOPE_AUTH_PROXY_TRUSTED. */
  fromTrustedProxy(request: Credentials): boolean {
    return this.proxies?.has(request.socket.remoteAddress) ?? false
  }

  async authenticate(request: Credentials): Promise<Authentication> {
    const address = request.socket.remoteAddress
    // One look at the users file for the whole request.
    const file = this.users.current()
    if (this.enabledFor(file)) this.remember()
    else {
      if (!this.mayOpen())
        return {
          ok: false,
          reason:
            this.openMode.mode === 'off'
              ? 'no dashboard users, API tokens or SSO proxy are configured (and CCSCOPE_OPEN_MODE is off); add a user with `npm run users -- add`'
              : 'the users file had users and now has none (deleted or emptied?), so ccscope stays closed; restore it, add a user with `npm run users -- add`, or set CCSCOPE_OPEN_MODE=true',
        }
      // This machine, by socket AND by Host: a web page that rebinds its name to 127.0.0.1 sends its own Host.
      if (isLoopback(address) && isLoopbackHost(request.headers.host)) return { ok: true, principal: { name: 'local', role: 'admin', teams: [], via: 'open' } }
      return {
        ok: false,
        reason: 'no users are configured, so ccscope answers only requests from this machine; add a user with `npm run users -- add`',
      }
    }

    const authorization = request.headers.authorization
    if (authorization !== undefined) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization)
      const entry = match?.[1] ? this.users.token(match[1], file) : undefined
      if (!entry) return { ok: false, reason: 'the API token is not valid (revoked, or mistyped)' }
      return { ok: true, principal: { name: `token:${entry.id}${entry.label ? ` (${entry.label})` : ''}`, role: entry.role, teams: entry.teams, via: 'token' } }
    }

    if (this.proxy && this.proxies?.has(address)) {
      const named = request.headers[this.proxy.header]
      const name = (Array.isArray(named) ? named[0] : named)?.trim()
      if (name) {
        const user = this.users.user(name, file)
        if (user) return { ok: true, principal: { name: user.name, role: user.role, teams: user.teams, via: 'proxy' } }
        if (this.proxy.defaultRole) return { ok: true, principal: { name, role: this.proxy.defaultRole, teams: [], via: 'proxy' } }
        return { ok: false, reason: `${name} is not a ccscope user; an admin adds them with \`npm run users -- add\`` }
      }
    }

    const id = readCookie(request.headers.cookie, SESSION_COOKIE)
    if (id) {
      const session = await this.sessions.get(id)
      const user = session === undefined ? undefined : this.users.user(session.user, file)
      // The session belongs to the credentials it was opened with: a changed password, or a user removed
      // and added again under the same name, ends it.
      if (user && session && session.credential === credentialOf(user.passwordHash))
        return { ok: true, principal: { name: user.name, role: user.role, teams: user.teams, via: 'session' } }
      // A real session gone stale is ended; an unknown id writes nothing.
      if (session) await this.sessions.delete(id)
      return { ok: false, reason: 'the session has expired; sign in again' }
    }
    return { ok: false, reason: 'sign in, or send an API token (Authorization: Bearer …)' }
  }
}
