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

  /** Takes back one failure counted in advance (a reserved attempt that succeeded). */
  release(key: string): void {
    const entry = this.failures.get(key)
    if (!entry) return
    if (entry.count <= 1) this.failures.delete(key)
    else entry.count -= 1
  }
}

/**
 * At most `concurrency` password verifications at once (scrypt runs on libuv's small thread pool,
 * which ingest's gzip and file work share), and at most `queue` waiting; past that, refuse at once.
 */
export class VerificationGate {
  private running = 0
  private readonly waiting: (() => void)[] = []

  constructor(
    private readonly concurrency = 2,
    private readonly queue = 32,
  ) {}

  /** Runs `work` when a slot is free; undefined (without running it) when too many are waiting. */
  async run<T>(work: () => Promise<T>): Promise<T | undefined> {
    if (this.running >= this.concurrency) {
      if (this.waiting.length >= this.queue) return undefined
      await new Promise<void>((resolve) => this.waiting.push(resolve))
    } else this.running++
    try {
      return await work()
    } finally {
      const next = this.waiting.shift()
      if (next) next()
      else this.running--
    }
  }
}
