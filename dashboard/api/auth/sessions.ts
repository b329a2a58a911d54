import crypto from 'node:crypto'

/**
 * Browser sessions: random ids held in memory with an expiry. The cookie carries only the id; the
 * user's role and teams are looked up in the users file on every request, so removing a user or
 * changing their role applies at once. A restart signs everyone out.
 */
export const SESSION_COOKIE = 'ccscope_session'
const MAX_SESSIONS = 10_000

export interface Session {
  user: string
  /** credentialOf(the password hash at sign-in): a new password or a re-created user no longer matches. */
  credential: string
  expires: number
}

/** A digest of a user's stored password hash (which is salted: every passwd or re-add changes it). */
export function credentialOf(passwordHash: string | undefined): string {
  return crypto
    .createHash('sha256')
    .update(passwordHash ?? '')
    .digest('base64url')
}

export class SessionStore {
  private readonly sessions = new Map<string, Session>()

  constructor(readonly ttlMs: number) {}

  /** A session for `user`, tied to the password hash they signed in with (see credentialOf). */
  create(user: string, passwordHash: string | undefined): string {
    this.sweep()
    const id = crypto.randomBytes(32).toString('base64url')
    this.sessions.set(id, { user, credential: credentialOf(passwordHash), expires: Date.now() + this.ttlMs })
    // Bounded: the oldest sessions go first (a Map iterates in insertion order).
    for (const key of this.sessions.keys()) {
      if (this.sessions.size <= MAX_SESSIONS) break
      this.sessions.delete(key)
    }
    return id
  }

  /** The session, or undefined for an unknown or expired id. */
  get(id: string): Session | undefined {
    const session = this.sessions.get(id)
    if (!session) return undefined
    if (session.expires <= Date.now()) {
      this.sessions.delete(id)
      return undefined
    }
    return session
  }

  delete(id: string): void {
    this.sessions.delete(id)
  }

  private sweep(): void {
    const now = Date.now()
    for (const [id, s] of this.sessions) if (s.expires <= now) this.sessions.delete(id)
  }
}

/** The value of one cookie from a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return undefined
}

export function sessionCookie(id: string, maxAgeSeconds: number, secure: boolean): string {
  return [`${SESSION_COOKIE}=${id}`, 'Path=/', 'HttpOnly', 'SameSite=Lax', `Max-Age=${maxAgeSeconds}`, ...(secure ? ['Secure'] : [])].join('; ')
}
