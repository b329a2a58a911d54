import { describe, expect, it } from 'vitest'
import { BackoffLimiter } from '../dashboard/api/auth/limiter'

/** The sign-in backoff on its own; test/auth-hardening.test.ts checks it through a running ccscope. */

describe('the backoff (unit)', () => {
  it('lets a key try again after a wait that doubles with each further failure, up to a cap, and forgets it in time', () => {
    const limiter = new BackoffLimiter({ free: 3, baseMs: 30_000, maxMs: 900_000, forgetMs: 3_600_000 })
    let now = 0
    for (let i = 0; i < 3; i++) {
      expect(limiter.retryAfter('k', now)).toBe(0)
      limiter.fail('k', now)
    }
    expect(limiter.retryAfter('k', now)).toBe(30)
    now += 30_000
    expect(limiter.retryAfter('k', now)).toBe(0)
    limiter.fail('k', now)
    expect(limiter.retryAfter('k', now)).toBe(60)
    for (let i = 0; i < 10; i++) {
      now += 3_600_000 - 1
      limiter.fail('k', now)
    }
    expect(limiter.retryAfter('k', now)).toBe(900) // capped
    now += 3_600_000
    expect(limiter.retryAfter('k', now)).toBe(0) // forgotten an hour after the last failure
    limiter.fail('k', now)
    expect(limiter.retryAfter('k', now)).toBe(0)
  })
})
