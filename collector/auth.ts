import { matchToken, tokenDigest } from '../runtime/tokens'

/** An ingest token, optionally labelled `label:token`; the label is stored with every row the token brings. */
export interface IngestToken {
  label: string
  token: string
}

/** Who sent a request: the label of the token it carried ('' for an unlabelled token or open ingest). */
export interface Sender {
  label: string
}

/**
 * Bearer-token check for ingest. Several tokens may be valid at once (rotation), each with an
 * optional label that is stored with the rows it brings. Tokens are compared as SHA-256 digests with
 * timingSafeEqual against every configured token, so neither content, length nor position leaks by
 * timing.
 */
export class TokenSet {
  private readonly tokens: { digest: Buffer; label: string }[]

  constructor(tokens: IngestToken[]) {
    this.tokens = tokens.map((t) => ({ digest: tokenDigest(t.token), label: t.label }))
  }

  get required(): boolean {
    return this.tokens.length > 0
  }

  /** The sender when no token is required or the Authorization header carries a valid bearer token, else undefined. */
  identify(authorization: string | undefined): Sender | undefined {
    if (!this.required) return { label: '' }
    const match = /^Bearer\s+(.+)$/i.exec((authorization ?? '').trim())
    if (!match?.[1]) return undefined
    const found = matchToken(this.tokens, (t) => t.digest, match[1].trim())
    return found && { label: found.label }
  }
}
