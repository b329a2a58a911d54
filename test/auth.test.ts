import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Authenticator, type Credentials } from '../dashboard/api/auth/authenticate'
import { hashPassword, verifyPassword } from '../dashboard/api/auth/passwords'
import { SessionStore } from '../dashboard/api/auth/sessions'
import { mintToken, readUsersFile, UserStore, writeUsersFile, type UsersFile } from '../dashboard/api/auth/store'
import { isRouteKey, ROUTE_ACCESS, routeKey, type Role } from '../schemas/auth'
import type { SummaryResponse } from '../schemas/analytics'
import { ConfigError, loadConfig } from '../server/config'
import { startTestCcscope, tempDir, type TestCcscope } from './helpers/ccscope'
import { generateFleet, sendFleet, type Fleet } from './helpers/fleet'
import { FREE_TEXT, HOSTILE } from './helpers/hostile'
import { apiRequest, events, postJson } from './helpers/otlp-factory'
import { defined } from './helpers/defined'

/**
 * Access control against a running ccscope on the real engine: every route walked as each role, as an
 * API token, as a user named by a trusted (and an untrusted) SSO proxy, and as nobody, with the exact
 * status expected of each; a manager's figures equal the admin's for their team and nothing of another
 * team leaks, hostile parameters included; sign-in, sign-out, CSRF and the users file.
 */

const PASSWORD = 'correct horse battery staple'
const INGEST = 'fleet-token'
// The SSO proxy connects from 127.0.0.2; 127.0.0.3 is a client that is not the proxy. (127/8 is all loopback.)
const PROXY_ADDRESS = '127.0.0.2'
const OTHER_ADDRESS = '127.0.0.3'
const PROXY_HEADER = 'x-forwarded-email'

let cc: TestCcscope
let fleet: Fleet
let usersFile: string
let financeToken: string
const cookies: Partial<Record<'admin' | 'finance' | 'manager', string>> = {}

const today = new Date()
const START = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - 10))
const DAYS = 7
const RANGE = `from=${START.toISOString()}&to=${new Date(START.getTime() + DAYS * 86_400_000).toISOString()}`

interface Answer {
  status: number
  headers: http.IncomingHttpHeaders
  body: string
}

/** One HTTP request from a chosen local address (node:http: fetch cannot pick its source address). */
function request(method: string, url: string, options: { headers?: Record<string, string>; body?: string; from?: string } = {}): Promise<Answer> {
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

/**
 * The rules, written out here rather than read from the server's table: the routes each role
 * may use (admin: all). Health checks are public; everything else needs credentials.
 */
const PUBLIC = ['GET /healthz', 'GET /readyz']
const SIGNED_IN = ['GET /api/openapi.json', 'GET /api/v1/auth/me', 'GET /api/v1/meta']
const ALLOWED: Record<Exclude<Role, 'admin'>, string[]> = {
  finance: [
    ...SIGNED_IN,
    'GET /api/v1/summary',
    'GET /api/v1/cost',
    'GET /api/v1/cost/export.csv',
    'GET /api/v1/users',
    'GET /api/v1/users/export.csv',
    'GET /api/v1/users/seats.csv',
    'GET /api/v1/users/{user}/sessions',
    'GET /api/v1/budgets',
    'POST /api/v1/budgets',
    'PUT /api/v1/budgets/{id}',
    'DELETE /api/v1/budgets/{id}',
    'GET /api/v1/budgets/{id}/history',
    'GET /api/v1/alerts',
    'GET /api/v1/reports/weekly-digest',
    'GET /api/v1/reports/monthly-cost.csv',
    'GET /api/v1/reports/schedules',
    'POST /api/v1/reports/schedules',
    'DELETE /api/v1/reports/schedules/{id}',
    'PUT /api/v1/billing/usage',
    'GET /api/v1/billing/reconciliation',
    'GET /api/v1/billing/reconciliation.csv',
    'GET /api/v1/attribution',
  ],
  manager: [
    ...SIGNED_IN,
    'GET /api/v1/summary',
    'GET /api/v1/cost',
    'GET /api/v1/cost/export.csv',
    'GET /api/v1/adoption',
    'GET /api/v1/adoption/export.csv',
    'GET /api/v1/users',
    'GET /api/v1/users/export.csv',
    'GET /api/v1/users/seats.csv',
    'GET /api/v1/users/{user}/sessions',
    'GET /api/v1/sessions/{session}',
    'GET /api/v1/reliability',
  ],
}
function expectedStatus(role: Role | null, key: string): number {
  if (PUBLIC.includes(key)) return 200
  if (role === null) return 401
  if (role !== 'admin' && !ALLOWED[role].includes(key)) return 403
  // Seats need a directory, and this test loads none: a 404 that says so, past the access check.
  if (key === 'GET /api/v1/users/seats.csv') return 404
  // A budget or schedule route past the access check looks it up: the test's id names none.
  return key.includes('{id}') ? 404 : 200
}

/** A budget the budget routes accept. */
const BUDGET = JSON.stringify({ name: 'Access test', scope: { kind: 'organization' }, period: { kind: 'month' }, amountUsd: 1 })
/** A report schedule the schedule route accepts. */
const SCHEDULE = JSON.stringify({ name: 'Access test', kind: 'weeklyDigest', destination: { kind: 'folder' } })

type Who = 'nobody' | 'admin' | 'finance' | 'manager' | 'token' | 'proxy' | 'proxy-untrusted'

/** How each caller authenticates, and which role that should give it (null: none). */
const CALLERS: Record<Who, { role: Role | null; headers: () => Record<string, string>; from?: string }> = {
  nobody: { role: null, headers: () => ({}) },
  admin: { role: 'admin', headers: () => ({ cookie: defined(cookies.admin), 'x-requested-with': 'test' }) },
  finance: { role: 'finance', headers: () => ({ cookie: defined(cookies.finance), 'x-requested-with': 'test' }) },
  manager: { role: 'manager', headers: () => ({ cookie: defined(cookies.manager), 'x-requested-with': 'test' }) },
  token: { role: 'finance', headers: () => ({ authorization: `Bearer ${financeToken}` }) },
  // The proxy names the manager; it is trusted, so the request acts as the manager.
  proxy: { role: 'manager', headers: () => ({ [PROXY_HEADER]: 'mgr', 'x-requested-with': 'test' }), from: PROXY_ADDRESS },
  // The same header from an address that is not the proxy's is ignored.
  'proxy-untrusted': { role: null, headers: () => ({ [PROXY_HEADER]: 'admin', 'x-requested-with': 'test' }), from: OTHER_ADDRESS },
}

function as(who: Who, method: string, url: string, body?: { type: string; text: string }): Promise<Answer> {
  const caller = CALLERS[who]
  return request(method, url, {
    headers: { ...caller.headers(), ...(body ? { 'content-type': body.type } : {}) },
    ...(body ? { body: body.text } : {}),
    ...(caller.from ? { from: caller.from } : {}),
  })
}

async function json<T>(who: Who, url: string): Promise<T> {
  const res = await as(who, 'GET', url)
  if (res.status !== 200) throw new Error(`${who} GET ${url}: ${res.status} ${res.body}`)
  return JSON.parse(res.body) as T
}

async function login(user: string, password: string, headers: Record<string, string> = { 'x-requested-with': 'test' }, from?: string): Promise<Answer> {
  return request('POST', '/api/v1/auth/login', {
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ user, password }),
    ...(from ? { from } : {}),
  })
}

/**
 * A JSON or CSV answer with every number to 10 significant digits: float sums (active seconds) may
 * differ in their last bits between two queries, since the rollups merge in the background.
 */
function figures(body: string): unknown {
  const round = (n: number) => Number(n.toPrecision(10))
  const walk = (v: unknown): unknown =>
    typeof v === 'number'
      ? round(v)
      : Array.isArray(v)
        ? v.map(walk)
        : v && typeof v === 'object'
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]))
          : v
  try {
    return walk(JSON.parse(body))
  } catch {
    return body.replace(/-?\d+\.\d+(e[+-]?\d+)?/g, (m) => String(round(Number(m))))
  }
}

const sessionCookieOf = (res: Answer) => defined(String(res.headers['set-cookie']?.[0] ?? '').split(';')[0])

const webUsers = () => fleet.truth.users.filter((u) => u.team === 'web').map((u) => u.user)
const otherUsers = () => fleet.truth.users.filter((u) => u.team !== 'web' && u.user !== '').map((u) => u.user)
const sessionOf = (team: string) => defined(fleet.truth.sessions.find((s) => s.team === team && s.user !== ''))

beforeAll(async () => {
  usersFile = path.join(tempDir('ccscope-users-'), 'users.json')
  const hash = await hashPassword(PASSWORD)
  const minted = mintToken('finance', [], 'ci')
  financeToken = minted.token
  const file: UsersFile = {
    users: [
      { name: 'admin', role: 'admin', teams: [], passwordHash: hash },
      { name: 'fin', role: 'finance', teams: [], passwordHash: hash },
      { name: 'mgr', role: 'manager', teams: ['web'], passwordHash: hash },
      { name: 'leaver', role: 'admin', teams: [], passwordHash: hash },
    ],
    tokens: [minted.entry],
  }
  writeUsersFile(usersFile, file)
  cc = await startTestCcscope({
    CCSCOPE_USERS_FILE: usersFile,
    // With an ingest token the listeners bind every address, so 127.0.0.2 and 127.0.0.3 can connect.
    CCSCOPE_INGEST_TOKENS: INGEST,
    CCSCOPE_AUTH_PROXY_HEADER: 'X-Forwarded-Email',
    CCSCOPE_AUTH_PROXY_TRUSTED: `${PROXY_ADDRESS}/32`,
  })
  fleet = generateFleet({ seed: 11, users: 12, days: DAYS, start: START })
  await sendFleet(cc.otlpUrl, fleet, INGEST)
  for (const [who, name] of [
    ['admin', 'admin'],
    ['finance', 'fin'],
    ['manager', 'mgr'],
  ] as const) {
    const res = await login(name, PASSWORD)
    expect(res.status, res.body).toBe(200)
    cookies[who] = sessionCookieOf(res)
  }
}, 120_000)
afterAll(async () => {
  await cc?.stop()
})

interface OpenApi {
  paths: Record<string, Record<string, { parameters?: { name: string; in: string }[] }>>
}

/** Every route: the OpenAPI document's operations and the routes it does not describe. */
async function allRoutes(): Promise<{ key: string; url: string; body?: { type: string; text: string } }[]> {
  const openapi = await json<OpenApi>('admin', '/api/openapi.json')
  const web = sessionOf('web')
  const concrete = (p: string) =>
    p.replace('{user}', encodeURIComponent(web.user)).replace('{session}', encodeURIComponent(web.session)).replace('{id}', 'f'.repeat(24))
  const routes: { key: string; url: string; body?: { type: string; text: string } }[] = []
  for (const [p, item] of Object.entries(openapi.paths))
    for (const method of Object.keys(item)) {
      if (p.startsWith('/api/v1/auth/log')) continue // sign-in and sign-out: tested on their own below
      // One directory entry: every field has a default, so {} adds the person as they are (and DELETE removes them again).
      const body = p.startsWith('/api/v1/directory/entries/')
        ? method === 'put'
          ? { type: 'application/json', text: '{}' }
          : undefined
        : p.startsWith('/api/v1/reports/schedules')
          ? method === 'post'
            ? { type: 'application/json', text: SCHEDULE }
            : undefined
          : p.startsWith('/api/v1/budgets')
            ? method === 'put' || method === 'post'
              ? { type: 'application/json', text: BUDGET }
              : undefined
            : method === 'put'
              ? { type: 'application/json', text: '[]' }
              : method === 'post'
                ? { type: 'application/json', text: '{"settings":{}}' }
                : undefined
      // The drill-down needs the command it drills into.
      const query = p === '/api/v1/policy/denials' ? '?command=curl' : ''
      routes.push({ key: routeKey(method, p), url: `${concrete(p)}${query}`, ...(body ? { body } : {}) })
    }
  for (const key of ['GET /healthz', 'GET /readyz', 'GET /metrics', 'GET /api/openapi.json']) routes.push({ key, url: key.slice(4) })
  return routes
}

describe('access rules', () => {
  it('name every registered route, and only those', async () => {
    const openapi = await json<OpenApi>('admin', '/api/openapi.json')
    const documented = Object.entries(openapi.paths).flatMap(([p, item]) => Object.keys(item).map((m) => routeKey(m, p)))
    const registered = [...documented, 'GET /healthz', 'GET /readyz', 'GET /metrics', 'GET /api/openapi.json']
    for (const key of registered) expect(isRouteKey(key), key).toBe(true)
    expect(new Set(registered)).toEqual(new Set(Object.keys(ROUTE_ACCESS)))
  })

  it('answer every route with exactly the status each caller should get', async () => {
    const routes = await allRoutes()
    // Every entry of the table but sign-in and sign-out.
    expect(routes.map((r) => r.key).sort()).toEqual(
      Object.keys(ROUTE_ACCESS)
        .filter((k) => !k.startsWith('POST /api/v1/auth/'))
        .sort(),
    )
    const expected: Record<string, number> = {}
    const actual: Record<string, number> = {}
    for (const who of Object.keys(CALLERS) as Who[]) {
      const role = CALLERS[who].role
      for (const route of routes) {
        const status = expectedStatus(role, route.key)
        const res = await as(who, defined(route.key.split(' ')[0]), route.url, route.body)
        expected[`${who} ${route.key}`] = status
        actual[`${who} ${route.key}`] = res.status
        if (res.status === 403) expect(JSON.parse(res.body).message, `${who} ${route.key}`).toContain(`role ${role}`)
        if (res.status === 401) expect(JSON.parse(res.body).error).toBe('unauthenticated')
      }
    }
    expect(actual).toEqual(expected)
  }, 120_000)

  it('serve the dashboard shell to anyone (it holds no data), and refuse its data', async () => {
    for (const url of ['/', '/cost', '/policy']) {
      const res = await as('nobody', 'GET', url)
      expect(res.status, url).toBe(200)
      expect(res.headers['content-type']).toContain('text/html')
    }
    expect((await as('nobody', 'GET', '/api/v1/summary')).status).toBe(401)
  })

  it('tell who is signed in', async () => {
    expect(await json('manager', '/api/v1/auth/me')).toEqual({ user: 'mgr', role: 'manager', teams: ['web'], via: 'session' })
    expect(await json('token', '/api/v1/auth/me')).toMatchObject({ role: 'finance', teams: [], via: 'token' })
    expect(await json('proxy', '/api/v1/auth/me')).toEqual({ user: 'mgr', role: 'manager', teams: ['web'], via: 'proxy' })
  })
})

describe('a manager', () => {
  const noOtherTeam = (body: string, what: string) => {
    for (const user of otherUsers()) expect(body.includes(user), `${what} shows ${user} of another team`).toBe(false)
  }

  it('gets the same figures as an admin asking for their team', async () => {
    expect(webUsers().length).toBeGreaterThan(0)
    const mine = await json<SummaryResponse>('manager', `/api/v1/summary?${RANGE}`)
    const web = await json<SummaryResponse>('admin', `/api/v1/summary?${RANGE}&team=web`)
    const all = await json<SummaryResponse>('admin', `/api/v1/summary?${RANGE}`)
    expect(figures(JSON.stringify(mine))).toEqual(figures(JSON.stringify(web)))
    expect(mine.costUsd).toBeGreaterThan(0)
    expect(mine.costUsd).toBeLessThan(all.costUsd)
    for (const url of [
      `/api/v1/cost?${RANGE}&groupBy=user&limit=1000`,
      `/api/v1/cost?${RANGE}&granularity=day&groupBy=model`,
      `/api/v1/adoption?${RANGE}&groupBy=user&limit=1000`,
      `/api/v1/adoption?${RANGE}&granularity=day`,
      `/api/v1/cost/export.csv?${RANGE}&groupBy=user`,
      `/api/v1/adoption/export.csv?${RANGE}&groupBy=team`,
      `/api/v1/users/export.csv?${RANGE}`,
      `/api/v1/reliability?${RANGE}`,
    ]) {
      const manager = await as('manager', 'GET', url)
      const admin = await as('admin', 'GET', `${url}&team=web`)
      expect(manager.status, url).toBe(200)
      expect(figures(manager.body), url).toEqual(figures(admin.body))
      noOtherTeam(manager.body, url)
    }
    const teams = await json<{ rows: { group: string }[] }>('manager', `/api/v1/cost?${RANGE}&groupBy=team`)
    expect(teams.rows.map((r) => r.group)).toEqual(['web'])

    // Even "how much data is stored" counts only their teams.
    const metaOf = async (who: Who) => (await json<{ data: { events: number } }>(who, '/api/v1/meta')).data.events
    const [managerEvents, adminEvents] = [await metaOf('manager'), await metaOf('admin')]
    expect(managerEvents).toBeGreaterThan(0)
    expect(managerEvents).toBeLessThan(adminEvents)
  })

  it("sees only their team in the user list, a user's sessions and a session", async () => {
    const users = await as('manager', 'GET', `/api/v1/users?${RANGE}&limit=1000`)
    expect(figures(users.body)).toEqual(figures((await as('admin', 'GET', `/api/v1/users?${RANGE}&limit=1000&team=web`)).body))
    expect((JSON.parse(users.body) as { rows: { user: string }[] }).rows.map((r) => r.user).sort()).toEqual(webUsers().sort())
    noOtherTeam(users.body, 'users')

    const web = sessionOf('web')
    const mobile = sessionOf('mobile')
    const sessionsUrl = (user: string) => `/api/v1/users/${encodeURIComponent(user)}/sessions?${RANGE}`
    const own = await as('manager', 'GET', sessionsUrl(web.user))
    expect(figures(own.body)).toEqual(figures((await as('admin', 'GET', sessionsUrl(web.user))).body))
    expect(JSON.parse(own.body).sessions.length).toBeGreaterThan(0)
    const admins = await json<{ sessions: unknown[] }>('admin', sessionsUrl(mobile.user))
    expect(admins.sessions.length).toBeGreaterThan(0)
    expect((await json<{ sessions: unknown[] }>('manager', sessionsUrl(mobile.user))).sessions).toEqual([])

    const session = await as('manager', 'GET', `/api/v1/sessions/${web.session}`)
    expect(session.status).toBe(200)
    expect(figures(session.body)).toEqual(figures((await as('admin', 'GET', `/api/v1/sessions/${web.session}`)).body))
    expect((await as('admin', 'GET', `/api/v1/sessions/${mobile.session}`)).status).toBe(200)
    const other = await as('manager', 'GET', `/api/v1/sessions/${mobile.session}`)
    expect(other.status).toBe(404)
    noOtherTeam(other.body, 'a session of another team')
  })

  it('asking for another team gets nothing', async () => {
    const s = await json<SummaryResponse>('manager', `/api/v1/summary?${RANGE}&team=mobile`)
    expect([s.users, s.sessions, s.apiRequests, s.costUsd, s.prompts]).toEqual([0, 0, 0, 0, 0])
    const cost = await json<{ rows: unknown[]; totals: { costUsd: number } }>('manager', `/api/v1/cost?${RANGE}&team=mobile&groupBy=user`)
    expect(cost.rows).toEqual([])
    expect(cost.totals.costUsd).toBe(0)
    const users = await json<{ rows: unknown[] }>('manager', `/api/v1/users?${RANGE}&team=mobile`)
    expect(users.rows).toEqual([])
    const mobileUser = defined(fleet.truth.users.find((u) => u.team === 'mobile')).user
    const one = await json<SummaryResponse>('manager', `/api/v1/summary?${RANGE}&user=${encodeURIComponent(mobileUser)}`)
    expect(one.costUsd).toBe(0)
  })

  it("gets a 400 or an empty match for hostile values on every parameter, never another team's data", async () => {
    const openapi = await json<OpenApi>('admin', '/api/openapi.json')
    const web = sessionOf('web')
    const cases: { p: string; name: string; value: string; allowed: boolean; url: string }[] = []
    for (const [p, item] of Object.entries(openapi.paths)) {
      if (!item.get) continue
      const parameters = (item.get.parameters ?? []).filter((x) => x.in === 'query')
      const allowed = ALLOWED.manager.includes(routeKey('get', p))
      const concrete = p.replace('{user}', encodeURIComponent(web.user)).replace('{session}', encodeURIComponent(web.session))
      for (const parameter of parameters)
        for (const value of HOSTILE)
          cases.push({ p, name: parameter.name, value, allowed, url: `${concrete}?${new URLSearchParams({ [parameter.name]: value })}` })
    }
    const check = async ({ p, name, value, allowed, url }: (typeof cases)[number]) => {
      const res = await as('manager', 'GET', url)
      const what = `${p} ${name}=${value.slice(0, 40)}: ${res.body.slice(0, 200)}`
      if (!allowed) {
        expect(res.status, what).toBe(403)
        return
      }
      noOtherTeam(res.body, what)
      // Seats need a directory and this test loads none: a value that parses gets that 404.
      if (p === '/api/v1/users/seats.csv' && res.status === 404 && /no directory is loaded/.test(res.body)) return
      if (res.status === 400) expect(JSON.parse(res.body).parameter, what).toBe(name)
      else {
        expect(res.status, what).toBe(200)
        expect(FREE_TEXT.has(name), what).toBe(true)
        if (p === '/api/v1/summary') expect(JSON.parse(res.body).apiRequests, what).toBe(0)
        if (p === '/api/v1/cost') expect(JSON.parse(res.body).totals.costUsd, what).toBe(0)
      }
    }
    // Four at a time (the API's engine sessions serve them side by side): one after another, the 3 100 requests took ~160 of
    // the 180 s on CI; four at a time ~45 s.
    let tried = 0
    for (let i = 0; i < cases.length; i += 4) {
      await Promise.all(cases.slice(i, i + 4).map(check))
      tried += cases.slice(i, i + 4).length
    }
    expect(tried).toBeGreaterThan(300)
    for (const value of HOSTILE.slice(0, 6))
      for (const url of [`/api/v1/users/${encodeURIComponent(value)}/sessions`, `/api/v1/sessions/${encodeURIComponent(value)}`]) {
        const res = await as('manager', 'GET', url)
        expect([200, 404], url).toContain(res.status)
        if (res.status === 200) expect(JSON.parse(res.body).sessions, url).toEqual([])
      }
  }, 180_000)

  it('follows the directory: a person moved into their team shows, one moved out does not', async () => {
    const mobile = sessionOf('mobile')
    const leaving = defined(webUsers()[0])
    const load = await as('admin', 'PUT', '/api/v1/directory', {
      type: 'application/json',
      text: JSON.stringify([
        { user: mobile.user, team: 'web' },
        { user: leaving, team: 'mobile' },
      ]),
    })
    expect(load.status, load.body).toBe(200)
    const users = await json<{ rows: { user: string }[] }>('manager', `/api/v1/users?${RANGE}&limit=1000`)
    const names = users.rows.map((r) => r.user)
    expect(names).toContain(mobile.user)
    expect(names).not.toContain(leaving)
    expect((await as('manager', 'GET', `/api/v1/sessions/${mobile.session}`)).status).toBe(200)
    const left = defined(fleet.truth.sessions.find((s) => s.user === leaving))
    expect((await as('manager', 'GET', `/api/v1/sessions/${left.session}`)).status).toBe(404)
    const [mine, web] = [await as('manager', 'GET', `/api/v1/summary?${RANGE}`), await as('admin', 'GET', `/api/v1/summary?${RANGE}&team=web`)]
    expect(figures(mine.body)).toEqual(figures(web.body))
    const cleared = await as('admin', 'PUT', '/api/v1/directory', { type: 'application/json', text: '[]' })
    expect(cleared.status).toBe(200)
  })
})

describe('sign-in', () => {
  it('sets an HttpOnly, SameSite=Lax session cookie and refuses a wrong password or an unknown user alike', async () => {
    const ok = await login('fin', PASSWORD)
    const cookie = String(ok.headers['set-cookie']?.[0])
    expect(cookie).toMatch(/^ccscope_session=[A-Za-z0-9_-]{43}; /)
    expect(cookie).toContain('HttpOnly')
    expect(cookie).toContain('SameSite=Lax')
    expect(cookie).toContain('Path=/')
    expect(JSON.parse(ok.body)).toEqual({ user: 'fin', role: 'finance', teams: [], via: 'session' })
    const wrong = await login('fin', 'not the password')
    const unknown = await login('nobody-here', PASSWORD)
    expect([wrong.status, unknown.status]).toEqual([401, 401])
    expect(JSON.parse(wrong.body)).toEqual(JSON.parse(unknown.body))
    expect(wrong.headers['set-cookie']).toBeUndefined()
    expect((await request('GET', '/api/v1/summary', { headers: { cookie: 'ccscope_session=forged' } })).status).toBe(401)
  })

  it('needs the X-Requested-With header for sign-in and for cookie-authenticated changes (CSRF); an API token does not', async () => {
    const res = await login('fin', PASSWORD, {})
    expect(res.status).toBe(403)
    expect(JSON.parse(res.body).error).toBe('csrf')
    const put = await request('PUT', '/api/v1/directory', { headers: { cookie: defined(cookies.admin), 'content-type': 'application/json' }, body: '[]' })
    expect(put.status).toBe(403)
    expect(JSON.parse(put.body).error).toBe('csrf')
    // The proxy-named user is ambient too (the browser passes the proxy on its own).
    const viaProxy = await request('POST', '/api/v1/auth/logout', { headers: { [PROXY_HEADER]: 'mgr' }, from: PROXY_ADDRESS })
    expect(viaProxy.status).toBe(403)
  })

  it('refuses further attempts at a user from an address after 10 failures', async () => {
    const from = '127.0.0.4'
    for (let i = 0; i < 10; i++) expect((await login('fin', `wrong ${i}`, undefined, from)).status).toBe(401)
    const blocked = await login('fin', PASSWORD, undefined, from)
    expect(blocked.status).toBe(429)
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0)
    // Another address, or another user (behind one proxy, everyone shares its address), is not affected.
    expect((await login('fin', PASSWORD, undefined, '127.0.0.5')).status).toBe(200)
    expect((await login('admin', PASSWORD, undefined, from)).status).toBe(200)
  })

  it('counts parallel guesses before checking them: 40 at once get 10 answers and 30 refusals', async () => {
    const from = '127.0.0.6'
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => login('mgr', `guess ${i}`, undefined, from)))
    const statuses = answers.map((a) => a.status)
    expect(statuses.filter((s) => s === 401)).toHaveLength(10)
    expect(statuses.filter((s) => s === 429)).toHaveLength(30)
    expect((await login('mgr', PASSWORD, undefined, from)).status).toBe(429)
  })

  it('limits guesses per address across user names, names that do not exist included', async () => {
    const from = '127.0.0.7'
    for (let i = 0; i < 50; i++) expect((await login(`nobody-${i}`, 'x', undefined, from)).status).toBe(401)
    expect((await login('admin', PASSWORD, undefined, from)).status).toBe(429)
  })

  it('ends a session when the password changes, and a re-added user does not get an old session back', async () => {
    const base = readUsersFile(usersFile)
    const setTemp = async (role: Role | undefined) => {
      const current = readUsersFile(usersFile)
      const others = current.users.filter((u) => u.name !== 'temp')
      const temp = role ? [{ name: 'temp', role, teams: [], passwordHash: await hashPassword(PASSWORD) }] : []
      writeUsersFile(usersFile, { ...current, users: [...others, ...temp] })
    }
    await setTemp('finance')
    const first = sessionCookieOf(await login('temp', PASSWORD))
    expect((await request('GET', '/api/v1/cost', { headers: { cookie: first } })).status).toBe(200)
    await setTemp('finance') // `npm run users -- passwd temp`: a new salted hash
    expect((await request('GET', '/api/v1/cost', { headers: { cookie: first } })).status).toBe(401)
    const second = sessionCookieOf(await login('temp', PASSWORD))
    expect((await request('GET', '/api/v1/cost', { headers: { cookie: second } })).status).toBe(200)
    await setTemp(undefined)
    await setTemp('admin')
    expect((await request('GET', '/api/v1/policy', { headers: { cookie: second } })).status).toBe(401)
    writeUsersFile(usersFile, { ...readUsersFile(usersFile), users: base.users })
  })

  it('signs out: the cookie no longer works', async () => {
    const cookie = sessionCookieOf(await login('fin', PASSWORD))
    expect((await request('GET', '/api/v1/cost', { headers: { cookie } })).status).toBe(200)
    const out = await request('POST', '/api/v1/auth/logout', { headers: { cookie, 'x-requested-with': 'test' } })
    expect(out.status).toBe(200)
    expect(String(out.headers['set-cookie']?.[0])).toContain('Max-Age=0')
    expect((await request('GET', '/api/v1/cost', { headers: { cookie } })).status).toBe(401)
  })

  it('reads the users file again when it changes: a removed user is signed out, a revoked token refused', async () => {
    const cookie = sessionCookieOf(await login('leaver', PASSWORD))
    expect((await request('GET', '/api/v1/policy', { headers: { cookie } })).status).toBe(200)
    const file = readUsersFile(usersFile)
    const extra = mintToken('admin', [], 'temporary')
    writeUsersFile(usersFile, { users: file.users.filter((u) => u.name !== 'leaver'), tokens: [...file.tokens, extra.entry] })
    expect((await request('GET', '/api/v1/policy', { headers: { cookie } })).status).toBe(401)
    const bearer = { authorization: `Bearer ${extra.token}` }
    expect((await request('GET', '/metrics', { headers: bearer })).status).toBe(200)
    writeUsersFile(usersFile, { ...readUsersFile(usersFile), tokens: file.tokens })
    expect((await request('GET', '/metrics', { headers: bearer })).status).toBe(401)
    expect((await request('GET', '/metrics', { headers: { authorization: 'Bearer ccs_wrong' } })).status).toBe(401)
  })
})

describe('the users file', () => {
  it('is readable by its owner only and holds no password or token in clear', () => {
    expect(fs.statSync(usersFile).mode & 0o777).toBe(0o600)
    const text = fs.readFileSync(usersFile, 'utf8')
    expect(text).not.toContain(PASSWORD)
    expect(text).not.toContain(financeToken)
    expect(text).toMatch(/"passwordHash": "scrypt\$32768\$8\$1\$/)
  })

  it('stores salted hashes: the same password hashes differently, and verifies', async () => {
    const [a, b] = [await hashPassword(PASSWORD), await hashPassword(PASSWORD)]
    expect(a).not.toBe(b)
    expect(await verifyPassword(PASSWORD, a)).toBe(true)
    expect(await verifyPassword(`${PASSWORD}!`, a)).toBe(false)
    expect(await verifyPassword(PASSWORD, 'scrypt$broken')).toBe(false)
  })
})

describe('npm run users', () => {
  const run = (args: string[], input: string, file: string) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'scripts/users.ts', ...args], {
      input,
      encoding: 'utf8',
      env: { ...process.env, CCSCOPE_USERS_FILE: file },
    })

  it('adds a manager with a hashed password and mints a token shown once; refuses teams for other roles', async () => {
    const file = path.join(tempDir('ccscope-cli-'), 'users.json')
    const added = run(['add', 'dana', '--role', 'manager', '--team', 'web', '--password-stdin'], `${PASSWORD}\n`, file)
    expect(added.status, added.stderr).toBe(0)
    const minted = run(['token', 'add', '--role', 'admin', '--label', 'prometheus'], '', file)
    expect(minted.status, minted.stderr).toBe(0)
    const token = defined(minted.stdout.trim().split('\n').at(-1))
    const data = readUsersFile(file)
    expect(data.users).toEqual([{ name: 'dana', role: 'manager', teams: ['web'], passwordHash: expect.stringMatching(/^scrypt\$/) }])
    expect(await verifyPassword(PASSWORD, defined(data.users[0]?.passwordHash))).toBe(true)
    expect(new UserStore(file).token(token)?.label).toBe('prometheus')
    expect(fs.readFileSync(file, 'utf8')).not.toContain(token)
    expect(fs.statSync(file).mode & 0o777).toBe(0o600)
    const refused = run(['add', 'erin', '--role', 'finance', '--team', 'web', '--password-stdin'], `${PASSWORD}\n`, file)
    expect(refused.status).toBe(2)
    expect(refused.stderr).toContain('--team applies to managers only')
    expect(run(['add', 'erin', '--role', 'finance', '--password-stdin'], 'short\n', file).status).toBe(2)
    expect(readUsersFile(file).users.map((u) => u.name)).toEqual(['dana'])
  })
})

describe('configuration', () => {
  it('needs the trusted proxy addresses with a proxy header, and real addresses in them', () => {
    const message = (env: Record<string, string>) => {
      try {
        loadConfig(env)
        return ''
      } catch (error) {
        return error instanceof ConfigError ? error.message : String(error)
      }
    }
    expect(message({ CCSCOPE_AUTH_PROXY_HEADER: 'X-Forwarded-Email' })).toContain('CCSCOPE_AUTH_PROXY_TRUSTED')
    expect(message({ CCSCOPE_AUTH_PROXY_HEADER: 'X-Forwarded-Email', CCSCOPE_AUTH_PROXY_TRUSTED: '10.0.0.0/33' })).toContain('CCSCOPE_AUTH_PROXY_TRUSTED')
    expect(message({ CCSCOPE_AUTH_PROXY_DEFAULT_ROLE: 'root' })).toContain('CCSCOPE_AUTH_PROXY_DEFAULT_ROLE')
    const config = loadConfig({ CCSCOPE_DATA_DIR: '/srv/cc', CCSCOPE_AUTH_PROXY_HEADER: 'X-Forwarded-Email', CCSCOPE_AUTH_PROXY_TRUSTED: '10.0.5.7, fd00::/8' })
    expect(config.auth).toEqual({
      usersFile: '/srv/cc/users.json',
      proxy: { header: 'x-forwarded-email', trusted: ['10.0.5.7', 'fd00::/8'], defaultRole: undefined },
      sessionTtlMs: 12 * 3_600_000,
      openMode: 'auto',
      configuredMarker: '/srv/cc/auth-configured',
    })
  })
})

describe('open mode (no users, tokens or proxy)', () => {
  const fake = (remoteAddress: string, host = 'localhost:3000') => ({ socket: { remoteAddress }, headers: { host } }) satisfies Credentials
  it('acts as admin for this machine only', async () => {
    const auth = new Authenticator(new UserStore(path.join(tempDir(), 'absent.json')), new SessionStore(60_000), undefined, { mode: 'on' })
    expect(auth.enabled).toBe(false)
    for (const address of ['127.0.0.1', '::1', '::ffff:127.0.0.1'])
      expect(await auth.authenticate(fake(address)), address).toEqual({ ok: true, principal: { name: 'local', role: 'admin', teams: [], via: 'open' } })
    for (const address of ['10.0.0.5', '::ffff:192.168.1.2', '2001:db8::1']) expect((await auth.authenticate(fake(address))).ok, address).toBe(false)
    // This machine's address but a web page's Host (DNS rebinding): refused.
    expect((await auth.authenticate(fake('127.0.0.1', 'attacker.example:3000'))).ok).toBe(false)
  })
})

describe('a manager and a person who changed teams', () => {
  it('sees the first day the person was active in their team, not in the previous one', async () => {
    const before = START.getTime() - 3 * 86_400_000
    const after = START.getTime() + 86_400_000
    const send = (team: string, session: string, at: number) =>
      postJson(cc.otlpUrl, '/v1/logs', events({ user: 'mover@example.com', session, team }, [apiRequest(at, 0.25)]), { authorization: `Bearer ${INGEST}` })
    expect((await send('mobile', 'mover-mobile', before)).status).toBe(200)
    expect((await send('web', 'mover-web', after)).status).toBe(200)
    type UsersAnswer = { rows: { user: string; firstSeen: string | null }[] }
    const mine = await json<UsersAnswer>('manager', `/api/v1/users?${RANGE}&q=mover`)
    const firstSeen = mine.rows.find((r) => r.user === 'mover@example.com')?.firstSeen
    expect(firstSeen).toBeTruthy()
    expect(new Date(defined(firstSeen)).getTime()).toBeGreaterThanOrEqual(after - 15 * 60_000)
    // The admin sees the person's whole history: the earlier day is real, only not the manager's to see.
    const all = await json<UsersAnswer>('admin', `/api/v1/users?${RANGE}&q=mover`)
    expect(new Date(defined(all.rows.find((r) => r.user === 'mover@example.com')?.firstSeen)).getTime()).toBeLessThan(START.getTime())
  })
})
