/**
 * Failed sign-ins per client address: after `max` failures within `windowMs`, further attempts are
 * refused (429) until the window that began with the first failure has passed. A success clears it.
 */
export class FailureLimiter {
  private readonly failures = new Map<string, { count: number; since: number }>()

  constructor(
    private readonly max = 10,
    private readonly windowMs = 15 * 60_000,
  ) {}

  /** Seconds until this key may try again; 0 when it may now. */
  retryAfter(key: string, now = Date.now()): number {
    const entry = this.failures.get(key)
    if (!entry) return 0
    if (now - entry.since >= this.windowMs) {
      this.failures.delete(key)
      return 0
    }
    return entry.count >= this.max ? Math.ceil((entry.since + this.windowMs - now) / 1000) : 0
  }

  fail(key: string, now = Date.now()): void {
    const entry = this.failures.get(key)
    if (!entry || now - entry.since >= this.windowMs) this.failures.set(key, { count: 1, since: now })
    else entry.count += 1
    if (this.failures.size > 100_000) this.failures.delete(this.failures.keys().next().value!)
  }

  succeed(key: string): void {
    this.failures.delete(key)
  }
}
