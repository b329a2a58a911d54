import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashPassword } from '../dashboard/api/auth/passwords'
import { mintToken, writeUsersFile } from '../dashboard/api/auth/store'
import type { UserSessionsResponse, UsersResponse } from '../schemas/users'
import { apiRequest, events, postJson } from './helpers/otlp-factory'
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

function request(
  cc: TestCcscope,
  method: string,
  url: string,
  options: { headers?: Record<string, string>; body?: string; from?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${cc.apiUrl}${url}`,
      { method, headers: options.headers ?? {}, ...(options.from ? { localAddress: options.from } : {}) },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }))
      },
    )
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

  it('by default (auto) a first start is open to this machine, and a users file configured once and then deleted closes it', async () => {
    const dir = tempDir('ccscope-users-')
    const usersFile = path.join(dir, 'users.json')
    const cc = await startTestCcscope({ CCSCOPE_USERS_FILE: usersFile, CCSCOPE_OPEN_MODE: 'auto' })
    try {
      // Nothing ever configured: this machine is admin (what `npm install && npm start` needs).
      expect((await request(cc, 'GET', '/api/v1/summary', { headers: { host: 'localhost' } })).status).toBe(200)
      writeUsersFile(usersFile, { users: [{ name: 'admin', role: 'admin', teams: [], passwordHash: await hashPassword(PASSWORD) }], tokens: [] })
      await expect.poll(async () => (await request(cc, 'GET', '/api/v1/summary', { headers: { host: 'localhost' } })).status).toBe(401)
      fs.rmSync(usersFile)
      const after = await request(cc, 'GET', '/api/v1/summary', { headers: { host: 'localhost' } })
      expect(after.status).toBe(401)
      expect(after.body).toMatch(/had users and now has none/)
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

describe('the finance role reads per-user cost, not per-user activity', () => {
  let cc: TestCcscope
  const finance = mintToken('finance', [], 'finance')
  const admin = mintToken('admin', [], 'admin')
  const now = Date.now()
  const range = `from=${new Date(now - 86_400_000).toISOString()}&to=${new Date(now + 3_600_000).toISOString()}`
  beforeAll(async () => {
    const usersFile = path.join(tempDir('ccscope-users-'), 'users.json')
    writeUsersFile(usersFile, { users: [], tokens: [finance.entry, admin.entry] })
    cc = await startTestCcscope({ CCSCOPE_USERS_FILE: usersFile })
    const res = await postJson(
      cc.otlpUrl,
      '/v1/logs',
      events({ user: 'worker@example.com', session: 'fin-view' }, [
        { name: 'user_prompt', timeMs: now - 3000, attributes: { prompt_length: 12 } },
        apiRequest(now - 2000, 0.75),
        { name: 'tool_decision', timeMs: now - 1000, attributes: { tool_name: 'Bash', decision: 'reject', source: 'config' } },
      ]),
    )
    expect(res.status).toBe(200)
    await cc.writer.flush()
  })
  afterAll(async () => {
    await cc?.stop()
  })
  const get = async <T>(token: string, url: string): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${cc.apiUrl}${url}`, { headers: { authorization: `Bearer ${token}` } })
    return { status: res.status, body: (await res.json()) as T }
  }

  it('the user list: cost, seat and active days, no sessions, prompts, lines, commits or active time', async () => {
    const asAdmin = await get<UsersResponse>(admin.token, `/api/v1/users?${range}`)
    expect(asAdmin.body.rows[0]).toMatchObject({ user: 'worker@example.com', costUsd: 0.75, sessions: 1, prompts: 1, activeDays: 1 })
    const asFinance = await get<UsersResponse>(finance.token, `/api/v1/users?${range}`)
    expect(asFinance.status).toBe(200)
    expect(asFinance.body.rows[0]).toMatchObject({
      user: 'worker@example.com',
      costUsd: 0.75,
      activeDays: 1,
      sessions: null,
      prompts: null,
      linesAdded: null,
      linesRemoved: null,
      commits: null,
      pullRequests: null,
      activeTimeUserSeconds: null,
      activeTimeCliSeconds: null,
    })
    // Nor can finance rank people by them.
    expect((await get<unknown>(finance.token, `/api/v1/users?${range}&sort=prompts`)).status).toBe(400)
  })

  it("a user's sessions: their cost and requests, not their prompts, decisions or denials", async () => {
    const url = `/api/v1/users/${encodeURIComponent('worker@example.com')}/sessions?${range}`
    expect((await get<UserSessionsResponse>(admin.token, url)).body.sessions[0]).toMatchObject({
      prompts: 1,
      toolDecisions: 1,
      policyDenials: 1,
      costUsd: 0.75,
    })
    expect((await get<UserSessionsResponse>(finance.token, url)).body.sessions[0]).toMatchObject({
      prompts: null,
      toolDecisions: null,
      policyDenials: null,
      apiRequests: 1,
      costUsd: 0.75,
    })
  })
})
