import crypto from 'node:crypto'

/** What ingest and API tokens are stored and compared as: SHA-256 of the token. */
export function tokenDigest(token: string): Buffer {
  return crypto.createHash('sha256').update(token).digest()
}

/**
 * The entry whose stored digest equals the presented token's. Every entry is compared, in constant time,
 * so the answer takes as long whichever entry (if any) matches.
 */
export function matchToken<T>(entries: readonly T[], digestOf: (entry: T) => Buffer, presented: string): T | undefined {
  const digest = tokenDigest(presented)
  let found: T | undefined
  for (const entry of entries) if (crypto.timingSafeEqual(digestOf(entry), digest) && found === undefined) found = entry
  return found
}
