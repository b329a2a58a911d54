import path from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { hashPassword } from '../dashboard/api/auth/passwords'
import { REVALIDATE_MS } from '../dashboard/api/auth/sessions'
import { writeUsersFile } from '../dashboard/api/auth/store'
import { createApi } from '../dashboard/api/server'
import type { HttpService } from '../runtime/http-server'
import { createLogger } from '../runtime/logger'
import { SelfMetrics } from '../runtime/self-metrics'
import { selectRows } from '../warehouse/client'
import { startTestCcscope, tempDir, type TestCcscope } from './helpers/ccscope'
import { defined } from './helpers/defined'

/**
 * Dashboard sessions live in the warehouse: instance A (a whole ccscope) and instance B (another API on the
 * same warehouse, as a second process behind a load balancer would be) accept each other's sign-ins, a
 * sign-out on one ends the session on the other, and a restarted instance keeps everyone signed in.
 */
let cc: TestCcscope
let usersFile: string
const PASSWORD = 'correct horse battery staple'
const CSRF = { 'x-requested-with': 'test' }

beforeAll(async () => {
  usersFile = path.join(tempDir('ccscope-users-'), 'users.json')
  writeUsersFile(usersFile, { users: [{ name: 'ada', role: 'admin', teams: [], passwordHash: await hashPassword(PASSWORD) }], tokens: [] })
  cc = await startTestCcscope({ CCSCOPE_USERS_FILE: usersFile })
}, 60_000)
afterAll(async () => {
  await cc?.stop()
})

async function instanceB(): Promise<{ url: string; service: HttpService }> {
  const service = createApi({
    client: cc.client,
    reloadDirectory: cc.reloadDirectory,
    metrics: new SelfMetrics(),
    log: createLogger('error'),
    auth: { usersFile, proxy: undefined, sessionTtlMs: 3600_000, openMode: 'off' },
  })
  const { port } = await service.listen({ host: '127.0.0.1', port: 0 })
  return { url: `http://127.0.0.1:${port}`, service }
}

async function signIn(url: string): Promise<string> {
  const res = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...CSRF },
    body: JSON.stringify({ user: 'ada', password: PASSWORD }),
  })
  expect(res.status).toBe(200)
  return defined((res.headers.get('set-cookie') ?? '').split(';')[0])
}

const me = async (url: string, cookie: string) => (await fetch(`${url}/api/v1/auth/me`, { headers: { cookie } })).status
const storedRows = async () => Number((await selectRows<{ n: string }>(cc.client, 'SELECT count() AS n FROM dashboard_sessions'))[0]?.n)

it('a sign-in on one instance is accepted by another, survives a restart, and a sign-out on either ends it on both', async () => {
  let b = await instanceB()
  const cookie = await signIn(cc.apiUrl)
  expect(await me(b.url, cookie)).toBe(200)

  // B restarts: it remembers nothing, and the session is still good.
  await b.service.close()
  b = await instanceB()
  expect(await me(b.url, cookie)).toBe(200)
  expect(await me(cc.apiUrl, cookie)).toBe(200)

  // Signed out on B: B refuses at once, A within REVALIDATE_MS (it had checked the session lately).
  const out = await fetch(`${b.url}/api/v1/auth/logout`, { method: 'POST', headers: { cookie, ...CSRF } })
  expect(out.status).toBe(200)
  expect(await me(b.url, cookie)).toBe(401)
  await expect.poll(() => me(cc.apiUrl, cookie), { timeout: REVALIDATE_MS + 2000, interval: 100 }).toBe(401)

  // The cookie's value is not what is stored, and an unknown session id writes nothing.
  const rows = await storedRows()
  const stored = await selectRows<{ id_hash: string }>(cc.client, 'SELECT id_hash FROM dashboard_sessions')
  expect(stored.some((r) => cookie.endsWith(r.id_hash))).toBe(false)
  for (let i = 0; i < 20; i++) expect(await me(b.url, `ccscope_session=forged-${i}`)).toBe(401)
  expect(await storedRows()).toBe(rows)
  await b.service.close()
}, 60_000)
