import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BackoffLimiter } from '../dashboard/api/auth/limiter'
import { hashPassword } from '../dashboard/api/auth/passwords'
import { writeUsersFile } from '../dashboard/api/auth/store'
import { startTestCcscope, tempDir, type TestCcscope } from './helpers/ccscope'

/**
 * Access control hardening: a users file that disappears closes the dashboard unless open mode is
 * explicitly on; failed sign-ins are limited per account and address with a growing backoff, so that
 * guessing from one address (behind one proxy) does not lock out the users who sign in from it.
 */

const PASSWORD = 'correct horse battery staple'

interface Answer {
  status: number
  headers: http.IncomingHttpHeaders
  body: string
}

function request(cc: TestCcscope, method: string, url: string, options: { headers?: Record<string, string>; body?: string; from?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${cc.apiUrl}${url}`, { method, headers: options.headers ?? {}, ...(options.from ? { localAddress: options.from } : {}) }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }))
    })
    req.on('error', reject)
    req.end(options.body)
  })
}

function login(cc: TestCcscope, user: string, password: string, from: string): Promise<Answer> {
  return request(cc, 'POST', '/api/v1/auth/login', {
    headers: { 'content-type': 'application/json', 'x-requested-with': 'test' },
    body: JSON.stringify({ user, password }),
    from,
  })
}

describe('without users, the dashboard is closed unless open mode is set', () => {
  it('a deleted users file does not reopen the dashboard', async () => {
    const usersFile = path.join(tempDir('ccscope-users-'), 'users.json')
    writeUsersFile(usersFile, { users: [{ name: 'admin', role: 'admin', teams: [], passwordHash: await hashPassword(PASSWORD) }], tokens: [] })
    const cc = await startTestCcscope({ CCSCOPE_USERS_FILE: usersFile, CCSCOPE_OPEN_MODE: 'false' })
    try {
      expect((await request(cc, 'GET', '/api/v1/summary', { headers: { host: 'localhost' } })).status).toBe(401)
      fs.rmSync(usersFile)
      const after = await request(cc, 'GET', '/api/v1/summary', { headers: { host: 'localhost' } })
      expect(after.status).toBe(401)
      expect(after.body).toMatch(/CCSCOPE_OPEN_MODE/)
      expect((await request(cc, 'GET', '/healthz')).status).toBe(200)
    } finally {
      await cc.stop()
    }
  })

  it('open mode, when set, lets this machine in as admin', async () => {
    const cc = await startTestCcscope({ CCSCOPE_USERS_FILE: path.join(tempDir(), 'absent.json'), CCSCOPE_OPEN_MODE: 'true' })
    try {
      const me = await request(cc, 'GET', '/api/v1/auth/me', { headers: { host: 'localhost' } })
      expect(me.status).toBe(200)
      expect(JSON.parse(me.body)).toMatchObject({ role: 'admin', via: 'open' })
    } finally {
      await cc.stop()
    }
  })
})

describe('failed sign-ins', () => {
  let cc: TestCcscope
  beforeAll(async () => {
    const usersFile = path.join(tempDir('ccscope-users-'), 'users.json')
    const hash = await hashPassword(PASSWORD)
    writeUsersFile(usersFile, {
      users: ['alice', 'bob', 'carol'].map((name) => ({ name, role: 'finance' as const, teams: [], passwordHash: hash })),
      tokens: [],
    })
    // With an ingest token the listeners bind every address, so 127.0.0.x can connect.
    cc = await startTestCcscope({ CCSCOPE_USERS_FILE: usersFile, CCSCOPE_INGEST_TOKENS: 'ingest-token' })
  })
  afterAll(async () => {
    await cc?.stop()
  })

  it('guessing from one address (a proxy everyone shares) does not lock out a user who signs in from it', async () => {
    const proxy = '127.0.0.21'
    expect((await login(cc, 'alice', PASSWORD, proxy)).status).toBe(200)
    for (let i = 0; i < 51; i++) await login(cc, `nobody-${i}`, 'guess', proxy)
    // Alice has signed in from here before: the address's failures do not hold her back.
    expect((await login(cc, 'alice', PASSWORD, proxy)).status).toBe(200)
    // Guessing across names from that address is still bounded: a pair never seen succeeding waits.
    const bob = await login(cc, 'bob', PASSWORD, proxy)
    expect(bob.status).toBe(429)
    expect(Number(bob.headers['retry-after'])).toBeGreaterThan(0)
  })

  it('guesses at one account from many addresses are limited per account too', async () => {
    expect((await login(cc, 'carol', PASSWORD, '127.0.0.30')).status).toBe(200)
    // Nine guesses from each of six addresses: under the per-address-and-account limit (10) each time.
    const statuses = new Set<number>()
    for (let a = 31; a <= 36; a++) for (let i = 0; i < 9; i++) statuses.add((await login(cc, 'carol', `guess ${i}`, `127.0.0.${a}`)).status)
    // Past 50 failures at carol the account waits too (429), whatever the address...
    expect([...statuses].sort()).toEqual([401, 429])
    expect((await login(cc, 'carol', PASSWORD, '127.0.0.37')).status).toBe(429)
    expect((await login(cc, 'carol', PASSWORD, '127.0.0.30')).status).toBe(200)
  })
})

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
