import crypto from 'node:crypto'

/**
 * Bearer-token check for ingest. Several tokens may be valid at once (rotation). Tokens are
 * compared as SHA-256 digests with timingSafeEqual, so neither content nor length leaks by timing.
 */
export class TokenSet {
  private readonly digests: Buffer[]

  constructor(tokens: string[]) {
    this.digests = tokens.map(digest)
  }

  get required(): boolean {
    return this.digests.length > 0
  }

  /** True when no token is required, or the Authorization header carries a valid bearer token. */
  allows(authorization: string | undefined): boolean {
    if (!this.required) return true
    const match = /^Bearer\s+(.+)$/i.exec((authorization ?? '').trim())
    if (!match?.[1]) return false
    const presented = digest(match[1].trim())
    let ok = false
    for (const d of this.digests) ok = crypto.timingSafeEqual(d, presented) || ok
    return ok
  }
}

function digest(token: string): Buffer {
  return crypto.createHash('sha256').update(token).digest()
}
