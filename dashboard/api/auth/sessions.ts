import crypto from 'node:crypto'

/**
 * Browser sessions: random ids with an expiry. The cookie carries only the id; the user's role and
 * teams are looked up in the users file on every request, so removing a user or changing their role
 * applies at once.
 *
 * Where a session lives is a SessionTable: the warehouse's dashboard_sessions table in ccscope (every
 * instance on one warehouse shares it, so a load balancer may send a browser's requests to any of them,
 * and a restart signs nobody out), or memory in unit tests. Each instance keeps the sessions it has
 * checked for REVALIDATE_MS: a sign-out on one instance ends the session on the others within that.
 */
export const SESSION_COOKIE = 'ccscope_session'
/** Sessions an instance keeps checked in memory; past it the oldest are dropped (and read again when used). */
const MAX_CACHED = 10_000
export const REVALIDATE_MS = 5_000

export interface Session {
  user: string
  /** credentialOf(the password hash at sign-in): a new password or a re-created user no longer matches. */
  credential: string
  expires: number
}

/** A stored session row: keyed by the id's hash, never by the id itself. */
export interface SessionRow extends Session {
  idHash: string
  revoked: boolean
}

/** Where sessions are kept (warehouse/sessions.ts in ccscope). */
export interface SessionTable {
  write(row: SessionRow): Promise<void>
  /** The newest row for the id hash. */
  read(idHash: string): Promise<SessionRow | undefined>
}

/** Memory only: one process (unit tests). */
export class MemorySessionTable implements SessionTable {
  private readonly rows = new Map<string, SessionRow>()
  async write(row: SessionRow): Promise<void> {
    this.rows.set(row.idHash, row)
  }
  async read(idHash: string): Promise<SessionRow | undefined> {
    return this.rows.get(idHash)
  }
}

/** A digest of a user's stored password hash (which is salted: every passwd or re-add changes it). */
export function credentialOf(passwordHash: string | undefined): string {
  return crypto
    .createHash('sha256')
    .update(passwordHash ?? '')
    .digest('base64url')
}

function hashOf(id: string): string {
  return crypto.createHash('sha256').update(id).digest('base64url')
}

export class SessionStore {
  /** Sessions this instance checked lately: id hash → the session and when it was read. */
  private readonly checked = new Map<string, { session: Session; at: number }>()

  constructor(
    readonly ttlMs: number,
    private readonly table: SessionTable = new MemorySessionTable(),
    private readonly now: () => number = Date.now,
  ) {}

  /** A session for `user`, tied to the password hash they signed in with (see credentialOf). */
  async create(user: string, passwordHash: string | undefined): Promise<string> {
    const id = crypto.randomBytes(32).toString('base64url')
    const session = { user, credential: credentialOf(passwordHash), expires: this.now() + this.ttlMs }
    await this.table.write({ ...session, idHash: hashOf(id), revoked: false })
    this.remember(hashOf(id), session)
    return id
  }

  /** The session, or undefined for an unknown, expired or signed-out id. */
  async get(id: string): Promise<Session | undefined> {
    const idHash = hashOf(id)
    const now = this.now()
    const cached = this.checked.get(idHash)
    let session = cached && now - cached.at < REVALIDATE_MS ? cached.session : undefined
    if (!session) {
      const row = await this.table.read(idHash)
      session = row && !row.revoked ? { user: row.user, credential: row.credential, expires: row.expires } : undefined
      if (session) this.remember(idHash, session)
      else this.checked.delete(idHash)
    }
    if (!session || session.expires <= now) {
      this.checked.delete(idHash)
      return undefined
    }
    return session
  }

  /** Ends a session, on every instance (within REVALIDATE_MS on the others). */
  async delete(id: string): Promise<void> {
    const idHash = hashOf(id)
    this.checked.delete(idHash)
    await this.table.write({ idHash, user: '', credential: '', expires: this.now(), revoked: true })
  }

  private remember(idHash: string, session: Session): void {
    this.checked.delete(idHash)
    this.checked.set(idHash, { session, at: this.now() })
    // Bounded: the oldest go first (a Map iterates in insertion order).
    for (const key of this.checked.keys()) {
      if (this.checked.size <= MAX_CACHED) break
      this.checked.delete(key)
    }
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
