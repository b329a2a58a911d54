export interface BackoffOptions {
  /** Failures allowed before any wait. */
  free: number
  /** The first wait; each further failure doubles it. */
  baseMs: number
  maxMs: number
  /** A key is forgotten this long after its last failure. */
  forgetMs: number
}

/** Seconds a key with `count` failures, the latest at `last`, must still wait (0: it may try now). */
export function backoffSeconds(options: BackoffOptions, count: number, last: number, now: number): number {
  if (count === 0 || now - last >= options.forgetMs) return 0
  const over = count - options.free
  if (over < 0) return 0
  const wait = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(over, 30))
  return Math.max(0, Math.ceil((last + wait - now) / 1000))
}

/**
 * Failed sign-ins per key (an account, an address, or both): past `free` failures, the key must wait
 * before its next attempt, and the wait doubles with each further failure (30 s, 1 min, 2 min, … up to
 * the cap). Attempts refused while waiting are not failures. A success clears the key.
 */
export class BackoffLimiter {
  private readonly failures = new Map<string, { count: number; last: number }>()

  constructor(private readonly options: BackoffOptions) {}

  /** Seconds until this key may try again; 0 when it may now. */
  retryAfter(key: string, now = Date.now()): number {
    const entry = this.failures.get(key)
    if (!entry) return 0
    if (now - entry.last >= this.options.forgetMs) {
      this.failures.delete(key)
      return 0
    }
    return backoffSeconds(this.options, entry.count, entry.last, now)
  }

  fail(key: string, now = Date.now()): void {
    const entry = this.failures.get(key)
    if (!entry || now - entry.last >= this.options.forgetMs) this.failures.set(key, { count: 1, last: now })
    else {
      entry.count += 1
      entry.last = now
    }
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
 * The (address, account) pairs that signed in successfully lately: guesses from an address, or at an
 * account, from elsewhere do not hold them back (everyone behind one proxy shares its address).
 */
export class KnownPairs {
  private readonly seen = new Map<string, number>()

  constructor(
    private readonly ttlMs = 30 * 86_400_000,
    private readonly max = 100_000,
  ) {}

  add(pair: string, now = Date.now()): void {
    this.seen.delete(pair)
    this.seen.set(pair, now)
    if (this.seen.size > this.max) this.seen.delete(this.seen.keys().next().value!)
  }

  has(pair: string, now = Date.now()): boolean {
    const at = this.seen.get(pair)
    return at !== undefined && now - at < this.ttlMs
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
